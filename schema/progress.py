"""业务查询: an application's progress as its applicant (or its reviewer) sees it.

``ApplicationProgress`` is a base of the ``Application`` type (``schema/applications.py``):
the timeline of every step, what the viewer may do now, the publicity details and the
household-registration card. Each field reads through the request's DataLoaders, so a
list of applications costs the same few queries however long it is.
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable
from datetime import date, datetime
from typing import TYPE_CHECKING

import strawberry

from core.districts import find_office
from core.lifecycle_rules import LABELS as STEP_LABELS
from core.lifecycle_rules import Action
from core.models import Application as ApplicationRow
from core.models import ReviewEvent
from core.states import LABELS, State
from schema.context import Info

# Registers the core enum with strawberry; fields are annotated with the core type.
strawberry.enum(Action, name="LifecycleAction", description="A step of the review lifecycle.")


@strawberry.type(description="One step of an application's history (办理进度).")
class TimelineStep:
    action: Action
    label: str = strawberry.field(description="The step in words, e.g. 退案.")
    from_state: str | None
    to_state: str
    to_state_label: str
    actor_role: str | None = strawberry.field(
        description="applicant | employer_admin | reviewer | system"
    )
    actor: str = strawberry.field(description="Who acted: the bureau, the employer, 申办人, 系统.")
    at: datetime
    opinion: str | None = strawberry.field(description="The opinion text (审核意见).")
    corrections: list[str] = strawberry.field(
        description="What to correct, all at once (一次性告知), on a return."
    )

    @classmethod
    def of(cls, row: ReviewEvent) -> TimelineStep:
        details = row.details or {}
        return cls(
            action=Action(row.action),
            label=STEP_LABELS.get(row.action, row.action),
            from_state=row.from_state,
            to_state=row.to_state,
            to_state_label=LABELS.get(State(row.to_state), row.to_state),
            actor_role=row.actor_role,
            actor=row.actor_label or "",
            at=row.created_at,
            opinion=row.opinion,
            corrections=[str(c) for c in details.get("corrections") or []],
        )


@strawberry.type(description="Something the viewer may do now, with its button text.")
class AllowedAction:
    action: Action
    label: str


@strawberry.enum(description="Where the publicity (公示) stands.")
class PublicityStatus(enum.Enum):
    ONGOING = "ongoing"
    PASSED = "passed"
    INTERRUPTED = "interrupted"  # an objection sent the case back to review


@strawberry.type(description="One published item of the publicity notice.")
class PublishedItem:
    label: str
    value: str


@strawberry.type(description="公示详情: five working days of public notice after approval.")
class Publicity:
    starts_on: date
    ends_on: date = strawberry.field(description="The last day of publicity.")
    status: PublicityStatus
    published: list[PublishedItem] = strawberry.field(description="What the notice publishes.")
    objections_to: str = strawberry.field(description="Where to raise an objection.")


@strawberry.type(description="《广州市入户人员信息卡》 of an application.")
class ApplicationCard:
    number: str
    issue_date: date
    valid_until: date
    issued_at: datetime
    revoked: bool
    download_url: str = strawberry.field(
        description="GET with the bearer token (the applicant only): the card's PDF."
    )


PASSED_STATES = {State.PUBLICITY_PASSED, State.CARD_ISSUED, State.SETTLED}


@strawberry.type
class ApplicationProgress:
    """The lifecycle's fields of an application (业务查询)."""

    if TYPE_CHECKING:
        id: strawberry.ID
        _row: ApplicationRow  # the row the Application was built from

    @strawberry.field(description="Every step so far, oldest first: who, when, the opinion.")
    async def timeline(self, info: Info) -> list[TimelineStep]:
        rows = await info.context.loaders.review_events.load(int(self.id))
        return [TimelineStep.of(r) for r in rows]

    # allowedActions and publicity read the row the object was built from, synchronously:
    # in a work list of 100 cases an awaited field each costs more than the rest of a case.
    @strawberry.field(description="What the signed-in viewer may do now.")
    def allowed_actions(self, info: Info) -> list[AllowedAction]:
        actions = info.context.services.lifecycle.allowed_actions(info.context.actor, self._row)
        return [AllowedAction(action=a, label=STEP_LABELS[a.value]) for a in actions]

    @strawberry.field(
        description="公示详情, once publicity started.", graphql_type=Publicity | None
    )
    def publicity(self, info: Info) -> Awaitable[Publicity] | None:
        row = self._row
        if row.publicity_started_on is None or row.publicity_ends_on is None:
            return None
        return _publicity(info, row)

    @strawberry.field(description="The household-registration card, once issued.")
    async def card(self, info: Info) -> ApplicationCard | None:
        card = await info.context.loaders.cards.load(int(self.id))
        if card is None:
            return None
        return ApplicationCard(
            number=card.card_number,
            issue_date=card.issue_date,
            valid_until=card.valid_until,
            issued_at=card.issued_at,
            revoked=card.revoked_at is not None,
            download_url=f"/cards/{int(self.id)}.pdf",
        )


async def _publicity(info: Info, row: ApplicationRow) -> Publicity:
    assert row.publicity_started_on is not None and row.publicity_ends_on is not None
    state = State(row.state)
    if state == State.PUBLICITY:
        status = PublicityStatus.ONGOING
    elif state in PASSED_STATES:
        status = PublicityStatus.PASSED
    else:
        status = PublicityStatus.INTERRUPTED
    applicant = await info.context.loaders.users.load(row.applicant_id)  # type: ignore[attr-defined]
    employer = (
        await info.context.loaders.employers.load(row.employer_id) if row.employer_id else None
    )
    snapshot = row.parameters_snapshot or {}
    published = [
        PublishedItem(label="姓名", value=applicant.real_name if applicant else ""),
        PublishedItem(label="引进单位", value=employer.name if employer else ""),
        PublishedItem(label="入户条件", value=str(snapshot.get("title", row.condition_id))),
        PublishedItem(label="拟落户区", value=row.district or ""),
    ]
    contact = "区人社局引进人才对外服务窗口"
    office = find_office(row.district or "")
    if office is not None:
        contact = f"{office.office}（{office.address}，电话 {'、'.join(office.phones)}）"
    return Publicity(
        starts_on=row.publicity_started_on,
        ends_on=row.publicity_ends_on,
        status=status,
        published=published,
        objections_to=contact,
    )
