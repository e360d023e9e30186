"""Tab (A) 学历类人才: doctoral, master's and bachelor's education and degrees.

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
from plugins.education import dossier
from plugins.education.conditions import CATEGORY, CATEGORY_ID
from plugins.education.facts import EducationFacts
from plugins.education.ocr import FIELD_MAPPINGS
from plugins.education.questions import QUESTIONS
from plugins.education.rules import evaluate
from plugins.education.shared import read_education

if TYPE_CHECKING:
    from core.policy import EffectiveCondition

__all__ = [
    "CATEGORY",
    "CATEGORY_ID",
    "EducationFacts",
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
async def read_shared_data(
    source: SharedDataSource, id_number: str, certificate_numbers: Mapping[str, str]
) -> CategoryFacts:
    return await read_education(source, id_number, certificate_numbers)


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
    condition: EffectiveCondition,
    values: Mapping[str, Any],
    birth_date: date,
    on: date,
    material_kinds: frozenset[str],
    proven_by_shared_data: bool,
) -> list[Problem] | None:
    return dossier.validate(
        condition, values, birth_date, on, material_kinds, proven_by_shared_data
    )


@hookimpl
def qualification_from_shared_data(
    condition: EffectiveCondition, facts: Any
) -> dict[str, Any] | None:
    return dossier.from_shared_data(condition, facts)
