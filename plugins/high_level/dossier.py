"""Tab (D) 高层次、高技能人才: the qualification section (入户资格) of an application.

A recognition of a kind the condition accepts, still valid on the day of application,
and the age where the condition has a limit (academicians and programmes have none).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

from core.hookspecs import Problem
from core.qualification import FormField, QualificationForm
from plugins.high_level.conditions import CATEGORY_ID, TYPES
from plugins.high_level.facts import TYPE_LABELS, Recognition, coerce_facts

if TYPE_CHECKING:
    from core.policy import EffectiveCondition

RECOGNITION_TYPES = {kind.value: label for kind, label in TYPE_LABELS.items()}

FIELDS = (
    FormField("recognition_type", "认定类别", "choice", RECOGNITION_TYPES),
    FormField("recognition_name", "认定名称（证书或文件所载）"),
    FormField("issuer", "认定部门"),
    FormField("recognised_on", "认定时间", "date"),
    FormField("valid_until", "有效期至（无期限不填）", "date"),
    FormField("document_number", "证书编号或批复文号"),
)


def validate(
    condition: EffectiveCondition,
    values: Mapping[str, Any],
    birth_date: date,
    on: date,
) -> list[Problem] | None:
    if condition.category_id != CATEGORY_ID:
        return None
    form = QualificationForm(values, on)
    accepted = TYPES[condition.spec.id]
    kind = form.choice("recognition_type", "认定类别", RECOGNITION_TYPES)
    if kind is not None and kind not in accepted:
        wanted = "、".join(TYPE_LABELS[t] for t in accepted)
        form.not_eligible(
            f"所填认定类别为{RECOGNITION_TYPES[kind]}，该条件要求{wanted}", "recognition_type"
        )
    form.text("recognition_name", "认定名称")
    form.text("issuer", "认定部门")
    form.text("document_number", "证书编号或批复文号")
    form.date_value("recognised_on", "认定时间")
    until = form.date_value("valid_until", "有效期至", required=False, past=False)
    if until is not None and until < on:
        form.not_eligible(f"认定有效期至 {until.isoformat()}，申报时已过期", "valid_until")
    limit = condition.parameters.get("age_limit")
    form.age_at_most(birth_date, None if limit is None else int(limit))
    return form.problems


def _values(record: Recognition) -> dict[str, Any]:
    return {
        "recognition_type": record.type.value,
        "recognition_name": record.name,
        "issuer": record.issuer,
        "recognised_on": record.recognised_on.isoformat() if record.recognised_on else None,
        "valid_until": record.valid_until.isoformat() if record.valid_until else None,
        "document_number": record.certificate_number,
    }


def from_shared_data(condition: EffectiveCondition, facts: Any) -> dict[str, Any] | None:
    if condition.category_id != CATEGORY_ID:
        return None
    recognitions = coerce_facts(facts)
    if recognitions is None or not recognitions.records:
        return {}
    accepted = TYPES[condition.spec.id]
    fitting = [r for r in recognitions.records if r.type in accepted]
    return _values((fitting or list(recognitions.records))[0])
