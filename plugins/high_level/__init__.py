"""Tab (D) 高层次、高技能人才: academicians, talent programmes, city experts, model workers.

The hook implementations are thin; the conditions are data in :mod:`.conditions`, the
shared-database reading in :mod:`.shared` and the judgement in :mod:`.rules`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

from core import hookimpl
from core.categories import CategorySpec
from core.facts import ConditionResult, PersonFacts
from core.hookspecs import CategoryFacts, Problem
from core.questions import Question
from core.shared_data import SharedDataSource
from plugins.high_level import dossier
from plugins.high_level.conditions import CATEGORY, CATEGORY_ID
from plugins.high_level.facts import HighLevelFacts
from plugins.high_level.questions import QUESTIONS
from plugins.high_level.rules import evaluate
from plugins.high_level.shared import read_recognitions

if TYPE_CHECKING:
    from core.policy import EffectiveCondition

__all__ = [
    "CATEGORY",
    "CATEGORY_ID",
    "HighLevelFacts",
    "evaluate_condition",
    "qualification_from_shared_data",
    "read_shared_data",
    "register_categories",
    "register_questions",
    "validate_qualification",
]


@hookimpl
def register_categories() -> list[CategorySpec]:
    return [CATEGORY]


@hookimpl
async def read_shared_data(source: SharedDataSource, id_number: str) -> CategoryFacts:
    return await read_recognitions(source, id_number)


@hookimpl
def evaluate_condition(
    condition: EffectiveCondition, facts: PersonFacts, on: date
) -> ConditionResult | None:
    return evaluate(condition, facts, on)


@hookimpl
def register_questions() -> list[Question]:
    return list(QUESTIONS)


@hookimpl
def validate_qualification(
    condition: EffectiveCondition, values: Mapping[str, Any], birth_date: date, on: date
) -> list[Problem] | None:
    return dossier.validate(condition, values, birth_date, on)


@hookimpl
def qualification_from_shared_data(
    condition: EffectiveCondition, facts: Any
) -> dict[str, Any] | None:
    return dossier.from_shared_data(condition, facts)
