"""Education facts: diplomas (学历), domestic degrees (学位) and certified overseas degrees.

The shared database holds three record kinds, each found by its certificate number:
``diploma`` (学历证书), ``degree`` (学位证书) and ``overseas_degree`` (国(境)外学历学位
认证书, by the certification's number). ``docs/shared-data.md`` documents their fields.
The same dictionaries are the JSON form of these facts when they come from the
applicant's own form instead of the shared database.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

# Record kinds in the shared database, and the applicant's certificate-number keys.
DIPLOMA_KIND = "diploma"
DEGREE_KIND = "degree"
OVERSEAS_DEGREE_KIND = "overseas_degree"
RECORD_KINDS = (DIPLOMA_KIND, DEGREE_KIND, OVERSEAS_DEGREE_KIND)
DIPLOMA_NUMBER = "diploma"  # 学历证书编号
DEGREE_NUMBER = "degree"  # 学位证书编号 (or the overseas certification's number)
NUMBER_KEYS = (DIPLOMA_NUMBER, DEGREE_NUMBER)


class Level(enum.StrEnum):
    DOCTORAL = "doctoral"
    MASTER = "master"
    BACHELOR = "bachelor"
    ASSOCIATE = "associate"  # 大学专科: a diploma only, there is no such degree


DIPLOMA_LABELS = {
    Level.DOCTORAL: "博士研究生学历",
    Level.MASTER: "硕士研究生学历",
    Level.BACHELOR: "大学本科学历",
    Level.ASSOCIATE: "大学专科学历",
}
DEGREE_LABELS = {
    Level.DOCTORAL: "博士学位",
    Level.MASTER: "硕士学位",
    Level.BACHELOR: "学士学位",
}


class StudyMode(enum.StrEnum):
    """How the diploma was earned; only ``full_time`` is 普通高校全日制."""

    FULL_TIME = "full_time"
    PART_TIME = "part_time"
    ADULT = "adult"
    SELF_STUDY = "self_study"
    ONLINE = "online"


MODE_LABELS = {
    StudyMode.FULL_TIME: "普通高校全日制",
    StudyMode.PART_TIME: "非全日制",
    StudyMode.ADULT: "成人高等教育",
    StudyMode.SELF_STUDY: "高等教育自学考试",
    StudyMode.ONLINE: "网络教育",
}


def _date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


@dataclass(frozen=True)
class Diploma:
    """A domestic diploma (学历), as the national higher-education register holds it."""

    certificate_number: str
    level: Level
    mode: StudyMode
    institution: str = ""
    major: str = ""
    graduated_on: date | None = None

    @property
    def label(self) -> str:
        return f"{MODE_LABELS[self.mode]}{DIPLOMA_LABELS[self.level]}"

    @classmethod
    def from_data(cls, number: str, data: Mapping[str, Any]) -> Diploma:
        return cls(
            certificate_number=number,
            level=Level(data["level"]),
            mode=StudyMode(data.get("mode", StudyMode.FULL_TIME)),
            institution=str(data.get("institution", "")),
            major=str(data.get("major", "")),
            graduated_on=_date(data.get("graduated_on")),
        )

    def to_data(self) -> dict[str, Any]:
        return {
            "level": self.level.value,
            "mode": self.mode.value,
            "institution": self.institution,
            "major": self.major,
            "graduated_on": _iso(self.graduated_on),
        }


@dataclass(frozen=True)
class Degree:
    """A degree (学位) conferred in China."""

    certificate_number: str
    level: Level
    institution: str = ""
    discipline: str = ""
    awarded_on: date | None = None

    @property
    def label(self) -> str:
        return DEGREE_LABELS.get(self.level, self.level.value)

    @classmethod
    def from_data(cls, number: str, data: Mapping[str, Any]) -> Degree:
        return cls(
            certificate_number=number,
            level=Level(data["level"]),
            institution=str(data.get("institution", "")),
            discipline=str(data.get("discipline", "")),
            awarded_on=_date(data.get("awarded_on")),
        )

    def to_data(self) -> dict[str, Any]:
        return {
            "level": self.level.value,
            "institution": self.institution,
            "discipline": self.discipline,
            "awarded_on": _iso(self.awarded_on),
        }


@dataclass(frozen=True)
class OverseasDegree:
    """A degree from abroad (国(境)外学位) with its certification (学历学位认证书).

    ``certificate_number`` is the certification's number, which the applicant types
    as the degree certificate number.
    """

    certificate_number: str
    level: Level
    institution: str = ""
    country: str = ""
    awarded_on: date | None = None
    certified_on: date | None = None

    @property
    def label(self) -> str:
        return f"国(境)外{DEGREE_LABELS.get(self.level, self.level.value)}"

    @classmethod
    def from_data(cls, number: str, data: Mapping[str, Any]) -> OverseasDegree:
        return cls(
            certificate_number=number,
            level=Level(data["level"]),
            institution=str(data.get("institution", "")),
            country=str(data.get("country", "")),
            awarded_on=_date(data.get("awarded_on")),
            certified_on=_date(data.get("certified_on")),
        )

    def to_data(self) -> dict[str, Any]:
        return {
            "level": self.level.value,
            "institution": self.institution,
            "country": self.country,
            "awarded_on": _iso(self.awarded_on),
            "certified_on": _iso(self.certified_on),
        }


EducationRecord = Diploma | Degree | OverseasDegree

_PARSERS: dict[str, type[Diploma] | type[Degree] | type[OverseasDegree]] = {
    DIPLOMA_KIND: Diploma,
    DEGREE_KIND: Degree,
    OVERSEAS_DEGREE_KIND: OverseasDegree,
}
_KIND_OF: dict[type, str] = {v: k for k, v in _PARSERS.items()}


def parse_record(kind: str, certificate_number: str, data: Mapping[str, Any]) -> EducationRecord:
    """One shared-data record of an education kind as a typed record."""
    return _PARSERS[kind].from_data(certificate_number, data)


@dataclass(frozen=True)
class EducationFacts:
    """What is known of a person's education.

    ``looked_up`` names the certificate-number keys (``"diploma"``, ``"degree"``) whose
    records are known: typed by the applicant and looked up, or declared on the form.
    A key not looked up leaves its records unknown, not absent. ``foreign`` names the keys
    whose number led to a record of someone else, which was ignored.
    """

    diplomas: tuple[Diploma, ...] = ()
    degrees: tuple[Degree, ...] = ()
    overseas_degrees: tuple[OverseasDegree, ...] = ()
    looked_up: frozenset[str] = frozenset()
    foreign: frozenset[str] = frozenset()

    @property
    def records(self) -> tuple[EducationRecord, ...]:
        return (*self.diplomas, *self.degrees, *self.overseas_degrees)

    @classmethod
    def of(
        cls,
        records: Iterable[EducationRecord],
        looked_up: Iterable[str] = NUMBER_KEYS,
        foreign: Iterable[str] = (),
    ) -> EducationFacts:
        items = list(records)
        return cls(
            diplomas=tuple(r for r in items if isinstance(r, Diploma)),
            degrees=tuple(r for r in items if isinstance(r, Degree)),
            overseas_degrees=tuple(r for r in items if isinstance(r, OverseasDegree)),
            looked_up=frozenset(looked_up),
            foreign=frozenset(foreign),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "records": [
                {
                    "kind": _KIND_OF[type(r)],
                    "certificate_number": r.certificate_number,
                    "data": r.to_data(),
                }
                for r in self.records
            ],
            "looked_up": sorted(self.looked_up),
            "foreign": sorted(self.foreign),
        }

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> EducationFacts:
        return cls.of(
            (
                parse_record(r["kind"], r.get("certificate_number") or "", r["data"])
                for r in value.get("records", ())
            ),
            looked_up=value.get("looked_up", NUMBER_KEYS),
            foreign=value.get("foreign", ()),
        )


def coerce_facts(value: Any) -> EducationFacts | None:
    """Accept the facts as stored under the category: typed, in JSON form, or absent."""
    if value is None or isinstance(value, EducationFacts):
        return value
    if isinstance(value, Mapping):
        return EducationFacts.from_json(value)
    raise TypeError(f"unexpected education facts: {type(value).__name__}")
