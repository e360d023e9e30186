"""The hooks a category plugin may implement.

Plugins mark implementations with ``from core import hookimpl`` and accept only the
keyword arguments they use, so a spec can grow without breaking them. ``register_*``
hooks are called once at start-up and their results frozen into the registry.
"""

from __future__ import annotations

from collections.abc import Awaitable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from core import hookspec
from core.categories import CategorySpec
from core.facts import ConditionResult, PersonFacts
from core.questions import Question
from core.shared_data import SharedDataSource

if TYPE_CHECKING:
    from core.policy import EffectiveCondition


@dataclass(frozen=True)
class CategoryFacts:
    """A category's facts about a person, as its ``read_shared_data`` hook found them."""

    category_id: str
    facts: Any
    # Whether the shared database held any record of this category for the person.
    found: bool


@hookspec
def register_categories() -> list[CategorySpec]:
    """Return the categories this plugin contributes (usually one).

    Called once at start-up. Category ids must be unique across all plugins; a clash
    stops the service from starting.
    """


@hookspec
def register_graphql_types() -> list[type[Any]]:
    """Return strawberry types no field names directly (implementations of a core interface).

    They are passed to ``strawberry.Schema(types=...)``.
    """


@hookspec
def register_query_types() -> list[type[Any]]:
    """Return strawberry object types whose fields are merged into ``Query``.

    A field name already used by core or by another plugin stops start-up. A plugin's
    fields should check ``info.context.require_category(<id>)`` so that they answer
    ``CATEGORY_DISABLED`` in a policy year where the category is off.
    """


@hookspec
def register_mutation_types() -> list[type[Any]]:
    """Return strawberry object types whose fields are merged into ``Mutation``."""


# Eligibility ---------------------------------------------------------------------------


@hookspec
def read_shared_data(
    source: SharedDataSource,
    id_number: str,
    certificate_numbers: Mapping[str, str],
) -> Awaitable[CategoryFacts] | None:
    """Read this category's facts about a person from the government shared database.

    ``certificate_numbers`` holds what the applicant typed in the one-click test (for
    example ``{"diploma": "...", "degree": "..."}``); records looked up by certificate
    number must belong to ``id_number``. Return an awaitable of :class:`CategoryFacts`.
    Only plugins of categories enabled in the policy year are called.
    """


@hookspec(firstresult=True)
def evaluate_condition(
    condition: EffectiveCondition, facts: PersonFacts, on: date
) -> ConditionResult | None:
    """Judge ``condition`` for the person on the reference date ``on``.

    Return ``None`` for conditions of other categories (first non-None result wins).
    Read the condition's numbers from ``condition.parameters``, never from code, and
    give reasons a person understands. Core adds the requirements every category
    shares (social insurance paid now in Guangzhou, no earlier settlement).
    """


@hookspec
def register_questions() -> list[Question]:
    """Return this category's questionnaire questions (asked in tab order)."""


# The application dossier -------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """Something that keeps a section, and so the application, from being submitted."""

    section: str
    code: str  # REQUIRED | INVALID | MATERIAL_MISSING | NOT_ELIGIBLE
    message: str
    field: str | None = None  # the key in the section's values at fault
    material_kind: str | None = None  # MATERIAL_MISSING: the kind to upload
    family_member_id: int | None = None  # a family member's problem: whose


@hookspec(firstresult=True)
def validate_qualification(
    condition: EffectiveCondition,
    values: Mapping[str, Any],
    birth_date: date,
    on: date,
    material_kinds: frozenset[str],
    proven_by_shared_data: bool,
) -> list[Problem] | None:
    """Check the qualification section (入户资格) an applicant filled in for ``condition``.

    Return the problems (an empty list when there are none), or ``None`` for a condition
    of another category. ``on`` is the day of application: re-check the condition's own
    rules (an age limit, say) against what was typed. ``material_kinds`` are the kinds
    uploaded for the applicant; core already asks for every material marked required,
    so check only choices such as "a diploma or a degree certificate". When
    ``proven_by_shared_data``, no certificate upload is asked for. Use
    ``section="qualification"``; ``core.qualification.QualificationForm`` helps.
    """


@hookspec(firstresult=True)
def qualification_from_shared_data(
    condition: EffectiveCondition, facts: Any
) -> dict[str, Any] | None:
    """重新获取: the qualification section's values from this category's shared-data facts.

    ``facts`` is what this plugin's ``read_shared_data`` returned. ``None`` for a
    condition of another category, ``{}`` when the facts hold no record to fill it from.
    Prefer the records that meet ``condition``; the values replace the section's.
    """


@hookspec
def register_ocr_mappings() -> Mapping[str, Any]:
    """OCR field mappings for the material kinds this plugin owns: ``{kind: KindMapping}``.

    Called once at start-up; a kind mapped twice stops the start.
    """


# The review lifecycle ----------------------------------------------------------------


@hookspec
def application_transitioned(
    application_id: int,
    category_id: str,
    condition_id: str,
    action: str,
    from_state: str | None,
    to_state: str,
    actor_role: str,
    opinion: str | None,
    at: datetime,
) -> Awaitable[None] | None:
    """An application moved from ``from_state`` to ``to_state`` by ``action``.

    Called for every registered plugin after the transition committed (a failing
    implementation is logged and cannot undo it): check ``category_id`` and return
    ``None`` for another category's application. ``action`` and the states are the
    values in ``core/lifecycle_rules.py``; ``actor_role`` is ``applicant``,
    ``employer_admin``, ``reviewer`` or ``system``. May return an awaitable.
    """


@hookspec
def check_approval(
    condition: EffectiveCondition,
    application_id: int,
    values: Mapping[str, Any],
    fast_track: bool,
    on: date,
) -> list[Problem] | Awaitable[list[Problem]] | None:
    """Problems that keep an application of ``condition`` from being approved.

    Called before a district reviewer approves (and before the fast track approves at
    submission) for every registered plugin; return ``None`` or an empty list for
    another category's condition. ``values`` are the qualification section's values,
    ``on`` the day of approval. Any problem blocks the approval with
    ``APPROVAL_BLOCKED``, its message shown to the reviewer. May return an awaitable.
    """
