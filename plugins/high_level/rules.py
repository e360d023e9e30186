"""Judging tab (D) 高层次、高技能人才 conditions: a valid recognition of the right kind, and
an age where the condition has a limit (academicians and programmes have none)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from core.facts import ConditionResult, PersonFacts
from core.rules import Check, age_at_most, condition_result
from plugins.high_level.conditions import CATEGORY_ID, TYPES
from plugins.high_level.facts import TYPE_LABELS, HighLevelFacts, coerce_facts

if TYPE_CHECKING:
    from core.policy import EffectiveCondition

NOT_LOOKED_UP = "未查询高层次、高技能人才认定信息"
NOT_FOUND = "政府共享数据库中未查询到您的高层次、高技能人才认定信息，可上传认定批复文件申报"


def judge_recognition(condition_id: str, facts: HighLevelFacts | None, on: date) -> Check:
    if facts is None:
        return Check(None, NOT_LOOKED_UP)
    types = TYPES[condition_id]
    fitting = [r for r in facts.records if r.type in types]
    valid = [r for r in fitting if r.valid_on(on)]
    if valid:
        labels = "、".join(r.label for r in valid)
        return Check(True, f"经认定为{labels}", ("recognition", labels))
    if fitting:
        expired = fitting[0]
        until = expired.valid_until.isoformat() if expired.valid_until else ""
        return Check(
            False,
            f"{expired.label}的认定有效期至 {until}，{on.isoformat()} 时已过期",
            ("recognition", expired.label),
        )
    if not facts.records:
        return Check(None, NOT_FOUND)
    found = "、".join(r.label for r in facts.records)
    wanted = "、".join(TYPE_LABELS[t] for t in types)
    return Check(False, f"查询到的认定为{found}，该条件要求{wanted}", ("recognition", found))


def evaluate(condition: EffectiveCondition, facts: PersonFacts, on: date) -> ConditionResult | None:
    if condition.category_id != CATEGORY_ID:
        return None
    checks = [judge_recognition(condition.spec.id, coerce_facts(facts.facts_of(CATEGORY_ID)), on)]
    limit = condition.parameters.get("age_limit")
    if limit is None:
        checks.append(Check(True, "该条件不受年龄限制"))
    else:
        checks.append(age_at_most(facts.birth_date, on, int(limit)))
    return condition_result(condition, facts, checks)
