"""Work lists: the district reviewer's queue (待办) and the employer administrator's list.

Keyset pagination on ``(state_changed_at, id)``, longest waiting first: a cursor names
the last row seen, so applications submitted meanwhile join the end and never shift a
page. One query per page, on the index ``(district, state, state_changed_at, id)``, and one
each for the page's family members and materials, which a work list shows: GraphQL then
builds every case from rows already in hand instead of awaiting a loader per field.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from core import audit
from core.actors import Actor, require_role
from core.db import db_time
from core.errors import DomainError, ErrorCode
from core.lifecycle import employer_ids
from core.models import Application, FamilyMember, Material, Role
from core.states import DISTRICT_STATES, State
from core.workdays import day_start, working_days_between

MAX_PAGE = 100
# What a district works on when no state is asked for (待办).
REVIEWER_DEFAULT = (
    State.AWAITING_ACCEPTANCE,
    State.UNDER_REVIEW,
    State.APPROVED,
    State.PUBLICITY_PASSED,
)
EMPLOYER_DEFAULT = (State.EMPLOYER_REVIEW,)


@dataclass(frozen=True)
class QueueFilter:
    states: tuple[State, ...] = ()
    category_id: str | None = None
    condition_id: str | None = None
    # At least this many working days in the current state (等待天数).
    min_working_days_waiting: int | None = None


@dataclass(frozen=True)
class QueuePage:
    rows: list[Application] = field(default_factory=list)
    end_cursor: str | None = None
    has_next_page: bool = False
    # By application id, oldest first; every row of the page has an entry.
    members: dict[int, list[FamilyMember]] = field(default_factory=dict)
    materials: dict[int, list[Material]] = field(default_factory=dict)


def encode_cursor(row: Application) -> str:
    assert row.state_changed_at is not None
    raw = json.dumps([row.state_changed_at.isoformat(), row.id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        moment, key = json.loads(raw)
        return db_time(datetime.fromisoformat(moment)), int(key)
    except (ValueError, TypeError) as exc:
        raise DomainError(ErrorCode.INVALID_INPUT, "分页游标无效", field="after") from exc


def waiting_cutoff(today: date, working_days: int) -> date:
    """The latest day a state may have begun to have waited ``working_days`` by ``today``."""
    day = today
    while working_days_between(day, today) < working_days:
        day -= timedelta(days=1)
    return day


async def _page(
    query: QuerySet[Application],
    want: QueueFilter,
    *,
    first: int,
    after: str | None,
    today: date,
) -> QueuePage:
    if not 1 <= first <= MAX_PAGE:
        raise DomainError(
            ErrorCode.INVALID_INPUT, f"每页条数应在 1 至 {MAX_PAGE} 之间", field="first"
        )
    if want.category_id:
        query = query.filter(category_id=want.category_id)
    if want.condition_id:
        query = query.filter(condition_id=want.condition_id)
    if want.min_working_days_waiting:
        cutoff = waiting_cutoff(today, want.min_working_days_waiting)
        query = query.filter(state_changed_at__lt=db_time(day_start(cutoff + timedelta(days=1))))
    if after:
        moment, key = decode_cursor(after)
        query = query.filter(
            Q(state_changed_at__gt=moment) | Q(state_changed_at=moment, id__gt=key)
        )
    rows = list(
        await query.filter(state_changed_at__isnull=False)
        .order_by("state_changed_at", "id")
        .limit(first + 1)
        .select_related("applicant")
    )
    has_next = len(rows) > first
    rows = rows[:first]
    members, materials = await _contents([row.id for row in rows])
    return QueuePage(rows, encode_cursor(rows[-1]) if rows else after, has_next, members, materials)


async def _contents(
    ids: list[int],
) -> tuple[dict[int, list[FamilyMember]], dict[int, list[Material]]]:
    """The page's family members and materials: two queries whatever the page's size."""
    members: dict[int, list[FamilyMember]] = {i: [] for i in ids}
    materials: dict[int, list[Material]] = {i: [] for i in ids}
    if not ids:
        return members, materials
    for member in await FamilyMember.filter(application_id__in=ids).order_by("id"):
        members[member.application_id].append(member)  # type: ignore[attr-defined]
    for material in await Material.filter(application_id__in=ids).order_by("id"):
        materials[material.application_id].append(material)  # type: ignore[attr-defined]
    return members, materials


def _states(
    asked: Iterable[State], default: tuple[State, ...], allowed: Iterable[State]
) -> list[str]:
    wanted = tuple(asked) or default
    allowed = set(allowed)
    return [s.value for s in wanted if s in allowed]


async def review_queue(
    actor: Actor,
    want: QueueFilter,
    *,
    first: int,
    after: str | None,
    today: date,
    request: audit.RequestInfo | None = None,
) -> QueuePage:
    """A district reviewer's applications, longest waiting first."""
    require_role(actor, Role.REVIEWER)
    query = Application.filter(
        district__in=list(actor.districts()),
        reached_district=True,
        state__in=_states(want.states, REVIEWER_DEFAULT, DISTRICT_STATES),
    )
    page = await _page(query, want, first=first, after=after, today=today)
    await _audit(actor, "review_queue.read", page, request)
    return page


async def employer_queue(
    actor: Actor,
    want: QueueFilter,
    *,
    first: int,
    after: str | None,
    today: date,
    request: audit.RequestInfo | None = None,
) -> QueuePage:
    """An employer administrator's employees' applications (submitted ones only)."""
    require_role(actor, Role.EMPLOYER_ADMIN)
    query = Application.filter(
        employer_id__in=sorted(employer_ids(actor)),
        state__in=_states(want.states, EMPLOYER_DEFAULT, set(State) - {State.DRAFT}),
    )
    page = await _page(query, want, first=first, after=after, today=today)
    await _audit(actor, "employer_queue.read", page, request)
    return page


async def _audit(
    actor: Actor, action: str, page: QueuePage, request: audit.RequestInfo | None
) -> None:
    """A page shows applicants' names: one audit row per page, naming its applications."""
    if not page.rows:
        return
    ids = ",".join(str(r.id) for r in page.rows)
    await audit.record(
        action,
        actor_id=actor.user_id,
        subject_type="application",
        subject_id=page.rows[0].id,
        reason=f"ids {ids}"[:255],
        request=request,
    )
