"""Tab (B) 职称类人才: senior and intermediate professional titles (28 series).

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
from core.ocr.mapping import KindMapping
from core.questions import Question
from core.shared_data import SharedDataSource
from plugins.title import dossier
from plugins.title.conditions import CATEGORY, CATEGORY_ID, TITLE_SERIES
from plugins.title.facts import TitleFacts
from plugins.title.ocr import FIELD_MAPPINGS
from plugins.title.questions import QUESTIONS
from plugins.title.rules import evaluate
from plugins.title.shared import read_titles

if TYPE_CHECKING:
    from core.policy import EffectiveCondition

__all__ = [
    "CATEGORY",
    "CATEGORY_ID",
    "TITLE_SERIES",
    "TitleFacts",
    "evaluate_condition",
    "qualification_from_shared_data",
    "read_shared_data",
    "register_categories",
    "register_ocr_mappings",
    "register_questions",
    "validate_qualification",
]


@hookimpl
def register_categories() -> list[CategorySpec]:
    return [CATEGORY]


@hookimpl
async def read_shared_data(source: SharedDataSource, id_number: str) -> CategoryFacts:
    return await read_titles(source, id_number)


@hookimpl
def evaluate_condition(
    condition: EffectiveCondition, facts: PersonFacts, on: date
) -> ConditionResult | None:
    return evaluate(condition, facts, on)


@hookimpl
def register_questions() -> list[Question]:
    return list(QUESTIONS)


@hookimpl
def register_ocr_mappings() -> Mapping[str, KindMapping]:
    return FIELD_MAPPINGS


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
