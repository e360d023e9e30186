"""Tab (E) 其他: the qualification section (入户资格) of an application.

Each condition rests on a unit's certificate that the district reviews; the section names
the unit, the document and its date. None of these conditions has an age limit.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

from core.hookspecs import Problem
from core.qualification import FormField, QualificationForm
from plugins.other.conditions import CATEGORY_ID
from plugins.other.facts import coerce_facts

if TYPE_CHECKING:
    from core.policy import EffectiveCondition

FIELDS = (
    FormField("unit", "出具证明的单位"),
    FormField("document", "证明文件名称或文号"),
    FormField("issued_on", "出具日期", "date"),
)


def validate(
    condition: EffectiveCondition, values: Mapping[str, Any], on: date
) -> list[Problem] | None:
    if condition.category_id != CATEGORY_ID:
        return None
    form = QualificationForm(values, on)
    form.text("unit", "出具证明的单位")
    form.text("document", "证明文件名称或文号")
    form.date_value("issued_on", "出具日期")
    return form.problems


def from_shared_data(condition: EffectiveCondition, facts: Any) -> dict[str, Any] | None:
    if condition.category_id != CATEGORY_ID:
        return None
    certificates = coerce_facts(facts)
    proving = [
        r
        for r in (certificates.records if certificates else ())
        if r.condition_id == condition.spec.id
    ]
    if not proving:
        return {}
    record = proving[0]
    return {
        "unit": record.unit,
        "document": record.document,
        "issued_on": record.issued_on.isoformat() if record.issued_on else None,
    }
