"""High-level talent facts: recognitions (人才认定) read by identity number."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

RECOGNITION_KIND = "talent_recognition"


class RecognitionType(enum.StrEnum):
    ACADEMICIAN = "academician"
    NATIONAL_PROGRAMME = "national_programme"
    PROVINCIAL_PROGRAMME = "provincial_programme"
    CITY_EXPERT = "city_expert"
    LEADING_TALENT = "leading_talent"
    MODEL_WORKER = "model_worker"
    PROVINCIAL_TECHNICAL_EXPERT = "provincial_technical_expert"
    CITY_CONTEST_WINNER = "city_contest_winner"


TYPE_LABELS = {
    RecognitionType.ACADEMICIAN: "中国科学院院士或中国工程院院士",
    RecognitionType.NATIONAL_PROGRAMME: "国家重大人才工程入选者",
    RecognitionType.PROVINCIAL_PROGRAMME: "省重大人才工程入选者",
    RecognitionType.CITY_EXPERT: "我市高层次人才",
    RecognitionType.LEADING_TALENT: "我市产业领军人才",
    RecognitionType.MODEL_WORKER: "全国或省劳动模范",
    RecognitionType.PROVINCIAL_TECHNICAL_EXPERT: "省技术能手",
    RecognitionType.CITY_CONTEST_WINNER: "市级以上职业技能竞赛获奖者",
}


def _date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


@dataclass(frozen=True)
class Recognition:
    type: RecognitionType
    name: str = ""  # as the document names it, e.g. 广州市高层次人才（优秀专家）
    issuer: str = ""
    recognised_on: date | None = None
    valid_until: date | None = None
    certificate_number: str = ""

    @property
    def label(self) -> str:
        return f"{TYPE_LABELS[self.type]}（{self.name}）" if self.name else TYPE_LABELS[self.type]

    def valid_on(self, on: date) -> bool:
        return self.valid_until is None or on <= self.valid_until

    @classmethod
    def from_data(cls, certificate_number: str | None, data: Mapping[str, Any]) -> Recognition:
        return cls(
            type=RecognitionType(data["type"]),
            name=str(data.get("name", "")),
            issuer=str(data.get("issuer", "")),
            recognised_on=_date(data.get("recognised_on")),
            valid_until=_date(data.get("valid_until")),
            certificate_number=certificate_number or "",
        )

    def to_data(self) -> dict[str, Any]:
        return {
            "type": self.type.value,
            "name": self.name,
            "issuer": self.issuer,
            "recognised_on": self.recognised_on.isoformat() if self.recognised_on else None,
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
        }


@dataclass(frozen=True)
class HighLevelFacts:
    """A person's recognitions; an empty tuple means the shared database held none."""

    records: tuple[Recognition, ...] = ()

    @classmethod
    def of(cls, records: Iterable[Recognition]) -> HighLevelFacts:
        return cls(records=tuple(records))

    def to_json(self) -> dict[str, Any]:
        return {
            "records": [
                {
                    "kind": RECOGNITION_KIND,
                    "certificate_number": r.certificate_number or None,
                    "data": r.to_data(),
                }
                for r in self.records
            ]
        }

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> HighLevelFacts:
        return cls.of(
            Recognition.from_data(r.get("certificate_number"), r["data"])
            for r in value.get("records", ())
        )


def coerce_facts(value: Any) -> HighLevelFacts | None:
    """Accept the facts as stored under the category: typed, in JSON form, or absent."""
    if value is None or isinstance(value, HighLevelFacts):
        return value
    if isinstance(value, Mapping):
        return HighLevelFacts.from_json(value)
    raise TypeError(f"unexpected high-level facts: {type(value).__name__}")
