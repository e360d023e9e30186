"""Title facts: professional titles (职称) read by identity number.

A professional qualification (职业资格) that officially corresponds to a title level
counts as that title: the shared database holds it as a ``title`` record with
``from_qualification: true`` and the level it corresponds to.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

TITLE_KIND = "title"


class TitleLevel(enum.StrEnum):
    SENIOR_FULL = "senior_full"  # 正高级
    SENIOR_DEPUTY = "senior_deputy"  # 副高级
    INTERMEDIATE = "intermediate"  # 中级
    JUNIOR = "junior"  # 初级（助理级、员级）


LEVEL_LABELS = {
    TitleLevel.SENIOR_FULL: "正高级",
    TitleLevel.SENIOR_DEPUTY: "副高级",
    TitleLevel.INTERMEDIATE: "中级",
    TitleLevel.JUNIOR: "初级",
}


def _date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


@dataclass(frozen=True)
class TitleRecord:
    """One professional title, or a qualification officially corresponding to one."""

    name: str  # e.g. 高级工程师, or the qualification's name, e.g. 一级注册建造师
    level: TitleLevel
    series: str = ""  # one of TITLE_SERIES, or typed by hand where the list lacks it
    awarded_on: date | None = None
    issuer: str = ""
    certificate_number: str = ""
    from_qualification: bool = False

    @property
    def label(self) -> str:
        if self.from_qualification:
            return f"{self.name}职业资格（对应{LEVEL_LABELS[self.level]}职称）"
        series = f"，{self.series}系列" if self.series else ""
        return f"{LEVEL_LABELS[self.level]}职称（{self.name}{series}）"

    @classmethod
    def from_data(cls, certificate_number: str | None, data: Mapping[str, Any]) -> TitleRecord:
        return cls(
            name=str(data.get("name", "")),
            level=TitleLevel(data["level"]),
            series=str(data.get("series", "")),
            awarded_on=_date(data.get("awarded_on")),
            issuer=str(data.get("issuer", "")),
            certificate_number=certificate_number or "",
            from_qualification=bool(data.get("from_qualification", False)),
        )

    def to_data(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "level": self.level.value,
            "series": self.series,
            "awarded_on": self.awarded_on.isoformat() if self.awarded_on else None,
            "issuer": self.issuer,
            "from_qualification": self.from_qualification,
        }


@dataclass(frozen=True)
class TitleFacts:
    """A person's titles; an empty tuple means the shared database held none."""

    records: tuple[TitleRecord, ...] = ()

    @classmethod
    def of(cls, records: Iterable[TitleRecord]) -> TitleFacts:
        return cls(records=tuple(records))

    def to_json(self) -> dict[str, Any]:
        return {
            "records": [
                {
                    "kind": TITLE_KIND,
                    "certificate_number": r.certificate_number or None,
                    "data": r.to_data(),
                }
                for r in self.records
            ]
        }

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> TitleFacts:
        return cls.of(
            TitleRecord.from_data(r.get("certificate_number"), r["data"])
            for r in value.get("records", ())
        )


def coerce_facts(value: Any) -> TitleFacts | None:
    """Accept the facts as stored under the category: typed, in JSON form, or absent."""
    if value is None or isinstance(value, TitleFacts):
        return value
    if isinstance(value, Mapping):
        return TitleFacts.from_json(value)
    raise TypeError(f"unexpected title facts: {type(value).__name__}")
