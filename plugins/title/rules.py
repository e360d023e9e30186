"""Judging tab (B) 职称类 conditions: a title of the condition's level, and an age.

Each condition names exact levels, so a deputy-senior title meets the senior condition
(with its higher age limit) and is pointed there from the intermediate one.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from core.facts import ConditionResult, PersonFacts
from core.rules import Check, age_at_most, condition_result
from plugins.title.conditions import CATEGORY_ID, LEVELS
from plugins.title.facts import LEVEL_LABELS, TitleFacts, coerce_facts

if TYPE_CHECKING:
    from core.policy import EffectiveCondition

NOT_LOOKED_UP = "未查询职称信息"
NOT_FOUND = "政府共享数据库中未查询到您的职称信息，可上传职称证书申报"


def judge_title(condition_id: str, titles: TitleFacts | None) -> Check:
    if titles is None:
        return Check(None, NOT_LOOKED_UP)
    levels = LEVELS[condition_id]
    matches = [r for r in titles.records if r.level in levels]
    if matches:
        return Check(
            True,
            f"具有{'、'.join(r.label for r in matches)}",
            ("title", "、".join(r.label for r in matches)),
        )
    if not titles.records:
        return Check(None, NOT_FOUND)
    wanted = "或".join(
        LEVEL_LABELS[level] for level in sorted(levels, key=list(LEVEL_LABELS).index)
    )
    found = "、".join(r.label for r in titles.records)
    return Check(
        False,
        f"查询到的职称为{found}，该条件要求{wanted}职称",
        ("title", found),
    )


def evaluate(condition: EffectiveCondition, facts: PersonFacts, on: date) -> ConditionResult | None:
    if condition.category_id != CATEGORY_ID:
        return None
    title = judge_title(condition.spec.id, coerce_facts(facts.facts_of(CATEGORY_ID)))
    age = age_at_most(facts.birth_date, on, int(condition.parameters["age_limit"]))
    return condition_result(condition, facts, [title, age])
