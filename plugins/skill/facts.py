"""Skill facts: vocational qualification certificates (职业资格证书 / 职业技能等级证书).

Read by identity number from the shared database's ``skill_certificate`` records.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from plugins.skill.catalogue import find_occupation

SKILL_KIND = "skill_certificate"


class Grade(enum.StrEnum):
    PROFESSIONAL_QUALIFICATION = "professional_qualification"  # 专业技术人员职业资格
    SENIOR_TECHNICIAN = "senior_technician"  # 高级技师（一级）
    TECHNICIAN = "technician"  # 技师（二级）
    SENIOR_WORKER = "senior_worker"  # 高级工（三级）
    INTERMEDIATE_WORKER = "intermediate_worker"  # 中级工（四级）
    JUNIOR_WORKER = "junior_worker"  # 初级工（五级）
    ASSESSMENT = "assessment"  # 考核认定, without a grade


GRADE_LABELS = {
    Grade.PROFESSIONAL_QUALIFICATION: "专业技术人员职业资格",
    Grade.SENIOR_TECHNICIAN: "高级技师职业资格",
    Grade.TECHNICIAN: "技师职业资格",
    Grade.SENIOR_WORKER: "高级工职业资格",
    Grade.INTERMEDIATE_WORKER: "中级工职业资格",
    Grade.JUNIOR_WORKER: "初级工职业资格",
    Grade.ASSESSMENT: "考核认定",
}


def _date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _flag(value: Any) -> bool | None:
    return None if value is None else bool(value)


@dataclass(frozen=True)
class SkillCertificate:
    occupation: str
    grade: Grade
    issued_on: date | None = None
    issuer: str = ""
    certificate_number: str = ""
    # The record's own word on the catalogue; None: look the occupation up.
    in_catalogue: bool | None = None
    shortage: bool | None = None

    @property
    def label(self) -> str:
        return f"“{self.occupation}”{GRADE_LABELS[self.grade]}"

    @property
    def listed(self) -> bool:
        """In the catalogue of introduced skilled occupations."""
        if self.in_catalogue is not None:
            return self.in_catalogue
        return find_occupation(self.occupation) is not None

    @property
    def is_shortage(self) -> bool:
        """A shortage occupation the city's industries urgently need (行业紧缺工种)."""
        if self.shortage is not None:
            return self.shortage
        occupation = find_occupation(self.occupation)
        return occupation is not None and occupation.shortage

    @classmethod
    def from_data(cls, certificate_number: str | None, data: Mapping[str, Any]) -> SkillCertificate:
        return cls(
            occupation=str(data.get("occupation", "")),
            grade=Grade(data["grade"]),
            issued_on=_date(data.get("issued_on")),
            issuer=str(data.get("issuer", "")),
            certificate_number=certificate_number or "",
            in_catalogue=_flag(data.get("in_catalogue")),
            shortage=_flag(data.get("shortage")),
        )

    def to_data(self) -> dict[str, Any]:
        return {
            "occupation": self.occupation,
            "grade": self.grade.value,
            "issued_on": self.issued_on.isoformat() if self.issued_on else None,
            "issuer": self.issuer,
            "in_catalogue": self.in_catalogue,
            "shortage": self.shortage,
        }


@dataclass(frozen=True)
class SkillFacts:
    """A person's skill certificates; an empty tuple means the shared database held none."""

    records: tuple[SkillCertificate, ...] = ()

    @classmethod
    def of(cls, records: Iterable[SkillCertificate]) -> SkillFacts:
        return cls(records=tuple(records))

    def to_json(self) -> dict[str, Any]:
        return {
            "records": [
                {
                    "kind": SKILL_KIND,
                    "certificate_number": r.certificate_number or None,
                    "data": r.to_data(),
                }
                for r in self.records
            ]
        }

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> SkillFacts:
        return cls.of(
            SkillCertificate.from_data(r.get("certificate_number"), r["data"])
            for r in value.get("records", ())
        )


def coerce_facts(value: Any) -> SkillFacts | None:
    """Accept the facts as stored under the category: typed, in JSON form, or absent."""
    if value is None or isinstance(value, SkillFacts):
        return value
    if isinstance(value, Mapping):
        return SkillFacts.from_json(value)
    raise TypeError(f"unexpected skill facts: {type(value).__name__}")
