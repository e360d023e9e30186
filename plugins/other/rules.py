"""Judging tab (E) 其他 conditions.

Shared data cannot show that a person does not qualify here: without a record proving
the condition the outcome is unknown, and the reason names whose certificate the
district reviews.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from core.facts import ConditionResult, Outcome, PersonFacts
from plugins.other.conditions import CATEGORY_ID, CERTIFICATES
from plugins.other.facts import coerce_facts

if TYPE_CHECKING:
    from core.policy import EffectiveCondition


def evaluate(condition: EffectiveCondition, facts: PersonFacts, on: date) -> ConditionResult | None:
    if condition.category_id != CATEGORY_ID:
        return None
    condition_id = condition.spec.id
    certificates = coerce_facts(facts.facts_of(CATEGORY_ID))
    proving = [
        r
        for r in (certificates.records if certificates is not None else ())
        if r.condition_id == condition_id and (r.issued_on is None or r.issued_on <= on)
    ]
    if proving:
        record = proving[0]
        return ConditionResult(
            category_id=CATEGORY_ID,
            condition_id=condition_id,
            outcome=Outcome.MET,
            reasons=(f"已有{record.label}", "该条件不受年龄限制"),
            facts_used={"certificate": record.label},
            proven_by_shared_data=bool(facts.from_shared_data.get(CATEGORY_ID, False)),
        )
    return ConditionResult(
        category_id=CATEGORY_ID,
        condition_id=condition_id,
        outcome=Outcome.UNKNOWN,
        reasons=(f"该条件无法通过政府共享数据核实，由区人社局审核{CERTIFICATES[condition_id]}",),
    )
