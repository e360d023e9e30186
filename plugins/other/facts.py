"""Facts of tab (E) 其他: a unit's certificate (证明) recorded in the shared database.

These conditions rest on a unit's certificate that the district reviews; the shared
database rarely holds one. When it does, an ``other_recognition`` record names the
condition it proves.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

OTHER_KIND = "other_recognition"


def _date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


@dataclass(frozen=True)
class UnitCertificate:
    condition_id: str  # the condition of this tab the certificate proves
    unit: str = ""  # the unit that issued it
    document: str = ""  # its number or name, e.g. 穗人才办〔2025〕12号
    issued_on: date | None = None
    certificate_number: str = ""

    @property
    def label(self) -> str:
        document = f"《{self.document}》" if self.document else "证明"
        return f"{self.unit}出具的{document}" if self.unit else document

    @classmethod
    def from_data(cls, certificate_number: str | None, data: Mapping[str, Any]) -> UnitCertificate:
        return cls(
            condition_id=str(data["type"]),
            unit=str(data.get("unit", "")),
            document=str(data.get("document", "")),
            issued_on=_date(data.get("issued_on")),
            certificate_number=certificate_number or "",
        )

    def to_data(self) -> dict[str, Any]:
        return {
            "type": self.condition_id,
            "unit": self.unit,
            "document": self.document,
            "issued_on": self.issued_on.isoformat() if self.issued_on else None,
        }


@dataclass(frozen=True)
class OtherFacts:
    records: tuple[UnitCertificate, ...] = ()

    @classmethod
    def of(cls, records: Iterable[UnitCertificate]) -> OtherFacts:
        return cls(records=tuple(records))

    def to_json(self) -> dict[str, Any]:
        return {
            "records": [
                {
                    "kind": OTHER_KIND,
                    "certificate_number": r.certificate_number or None,
                    "data": r.to_data(),
                }
                for r in self.records
            ]
        }

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> OtherFacts:
        return cls.of(
            UnitCertificate.from_data(r.get("certificate_number"), r["data"])
            for r in value.get("records", ())
        )


def coerce_facts(value: Any) -> OtherFacts | None:
    """Accept the facts as stored under the category: typed, in JSON form, or absent."""
    if value is None or isinstance(value, OtherFacts):
        return value
    if isinstance(value, Mapping):
        return OtherFacts.from_json(value)
    raise TypeError(f"unexpected other-category facts: {type(value).__name__}")
