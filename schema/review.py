"""The district reviewer's side (区人社局): the work queue, one case, and the decisions.

Every decision is one step of the lifecycle (``core/lifecycle.py``); a case of another
district is ``NOT_FOUND``, a step the state does not allow ``INVALID_TRANSITION``, and
of two reviewers deciding at once the second gets ``CONFLICT``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import strawberry

from core.lifecycle_queue import QueueFilter, QueuePage, review_queue
from core.lifecycle_rules import Action
from core.masking import mask_id_number, mask_mobile
from core.models import Application as ApplicationRow
from core.models import User
from core.states import State
from core.workdays import local_date, working_days_between
from schema.applications import Application, ApplicationResult
from schema.context import Info
from schema.errors import OperationError, attempt

# Registers the core enum with strawberry; fields are annotated with the core type.
strawberry.enum(State, name="ApplicationState")


@strawberry.type(description="The applicant as a work list shows them.")
class ApplicantSummary:
    real_name: str
    id_number: str = strawberry.field(description="Masked in lists, whole in one case.")
    mobile: str = strawberry.field(description="Masked in lists, whole in one case.")


@strawberry.type(
    description="审核期限: 15 working days from acceptance (20 after an objection), +10 once."
)
class ReviewDeadline:
    due_on: date
    extended: bool
    working_days_left: int
    overdue: bool


@strawberry.type(description="An application in a reviewer's or an employer's work list.")
class ReviewCase:
    id: strawberry.ID
    application: Application
    applicant: ApplicantSummary
    condition_title: str
    waiting_since: datetime = strawberry.field(description="When the current state began.")
    working_days_waiting: int
    review_deadline: ReviewDeadline | None

    @classmethod
    def of(
        cls,
        row: ApplicationRow,
        applicant: User,
        today: date,
        *,
        whole: bool,
        page: QueuePage | None = None,
    ) -> ReviewCase:
        """``page``: the work list's page, whose family members and materials it carries."""
        since = row.state_changed_at or row.updated_at
        deadline = None
        if row.review_due_on is not None and row.state == State.UNDER_REVIEW:
            left = working_days_between(today, row.review_due_on)
            deadline = ReviewDeadline(
                due_on=row.review_due_on,
                extended=row.review_extended,
                working_days_left=left,
                overdue=row.review_due_on < today,
            )
        snapshot = row.parameters_snapshot or {}
        return cls(
            id=strawberry.ID(str(row.id)),
            application=Application.of(
                row,
                members=page.members.get(row.id) if page else None,
                materials=page.materials.get(row.id) if page else None,
                whole=whole,
            ),
            # The full name in every list: only the case's handlers see a work list.
            applicant=ApplicantSummary(
                real_name=applicant.real_name,
                id_number=applicant.id_number if whole else mask_id_number(applicant.id_number),
                mobile=applicant.mobile if whole else mask_mobile(applicant.mobile),
            ),
            condition_title=str(snapshot.get("title", row.condition_id)),
            waiting_since=since,
            working_days_waiting=working_days_between(local_date(since), today),
            review_deadline=deadline,
        )


@strawberry.type
class PageInfo:
    end_cursor: str | None
    has_next_page: bool


@strawberry.type(description="A page of a work list, longest waiting first.")
class CaseList:
    cases: list[ReviewCase]
    page_info: PageInfo


@strawberry.input(description="Work-list filters; all optional.")
class CaseFilter:
    states: list[State] | None = strawberry.field(
        default=None, description="Default: the states the district acts on (待办)."
    )
    category_id: str | None = None
    condition_id: str | None = None
    min_working_days_waiting: int | None = strawberry.field(
        default=None, description="At least this many working days in the current state."
    )

    def to_core(self) -> QueueFilter:
        return QueueFilter(
            states=tuple(State(s) for s in self.states or ()),
            category_id=self.category_id,
            condition_id=self.condition_id,
            min_working_days_waiting=self.min_working_days_waiting,
        )


CaseListResult = Annotated[CaseList | OperationError, strawberry.union("CaseListResult")]
ReviewCaseResult = Annotated[ReviewCase | OperationError, strawberry.union("ReviewCaseResult")]


def case_list(info: Info, page: QueuePage) -> CaseList:
    today = local_date(info.context.services.clock.now())
    return CaseList(
        cases=[
            ReviewCase.of(row, row.applicant, today, whole=False, page=page)  # type: ignore[arg-type]
            for row in page.rows
        ],
        page_info=PageInfo(end_cursor=page.end_cursor, has_next_page=page.has_next_page),
    )


async def step(
    info: Info,
    application_id: strawberry.ID,
    action: Action,
    *,
    opinion: str | None = None,
    corrections: list[str] | None = None,
    expected_version: int | None = None,
) -> ApplicationResult:
    """Take one lifecycle step as the signed-in actor; the application as it now stands."""

    async def run() -> Application:
        row = await info.context.services.lifecycle.transition(
            info.context.require_actor(),
            str(application_id),
            action,
            opinion=opinion,
            corrections=corrections,
            expected_version=expected_version,
            request=info.context.request_info,
        )
        return Application.of(row)

    return await attempt(run())


@strawberry.type
class ReviewQuery:
    @strawberry.field(
        description="区人社局 work queue: the district's applications, longest waiting first."
    )
    async def review_queue(
        self,
        info: Info,
        filter: CaseFilter | None = None,
        first: int = 20,
        after: str | None = None,
    ) -> CaseListResult:
        async def run() -> CaseList:
            services = info.context.services
            page = await review_queue(
                info.context.require_actor(),
                (filter or CaseFilter()).to_core(),
                first=first,
                after=after,
                today=local_date(services.clock.now()),
                request=info.context.request_info,
            )
            return case_list(info, page)

        return await attempt(run())

    @strawberry.field(
        description="One case with the applicant's details (the read is audit-logged)."
    )
    async def review_application(self, info: Info, id: strawberry.ID) -> ReviewCaseResult:
        async def run() -> ReviewCase:
            row, applicant = await info.context.services.lifecycle.open_case(
                info.context.require_actor(), str(id), request=info.context.request_info
            )
            today = local_date(info.context.services.clock.now())
            return ReviewCase.of(row, applicant, today, whole=True)

        return await attempt(run())


@strawberry.type
class ReviewMutation:
    @strawberry.mutation(description="受理: accept an application awaiting acceptance.")
    async def accept_application(
        self, info: Info, application_id: strawberry.ID, expected_version: int | None = None
    ) -> ApplicationResult:
        return await step(info, application_id, Action.ACCEPT, expected_version=expected_version)

    @strawberry.mutation(
        description="退案: return for correction with an opinion and everything to correct at once."
    )
    async def return_application(
        self,
        info: Info,
        application_id: strawberry.ID,
        opinion: str,
        corrections: list[str] | None = None,
        expected_version: int | None = None,
    ) -> ApplicationResult:
        return await step(
            info,
            application_id,
            Action.RETURN,
            opinion=opinion,
            corrections=corrections,
            expected_version=expected_version,
        )

    @strawberry.mutation(description="不予受理: refuse with an opinion.")
    async def refuse_application(
        self,
        info: Info,
        application_id: strawberry.ID,
        opinion: str,
        expected_version: int | None = None,
    ) -> ApplicationResult:
        return await step(
            info, application_id, Action.REFUSE, opinion=opinion, expected_version=expected_version
        )

    @strawberry.mutation(description="审批通过: approve (the category's approval checks apply).")
    async def approve_application(
        self,
        info: Info,
        application_id: strawberry.ID,
        opinion: str | None = None,
        expected_version: int | None = None,
    ) -> ApplicationResult:
        return await step(
            info, application_id, Action.APPROVE, opinion=opinion, expected_version=expected_version
        )

    @strawberry.mutation(description="开始公示: five working days of publicity.")
    async def start_publicity(
        self, info: Info, application_id: strawberry.ID, expected_version: int | None = None
    ) -> ApplicationResult:
        return await step(
            info, application_id, Action.START_PUBLICITY, expected_version=expected_version
        )

    @strawberry.mutation(description="公示异议: record an objection; the case goes back to review.")
    async def record_objection(
        self,
        info: Info,
        application_id: strawberry.ID,
        opinion: str,
        expected_version: int | None = None,
    ) -> ApplicationResult:
        return await step(
            info,
            application_id,
            Action.OBJECTION,
            opinion=opinion,
            expected_version=expected_version,
        )

    @strawberry.mutation(description="延长审核期限: by 10 working days, once, with a reason.")
    async def extend_review(
        self,
        info: Info,
        application_id: strawberry.ID,
        opinion: str,
        expected_version: int | None = None,
    ) -> ApplicationResult:
        return await step(
            info,
            application_id,
            Action.EXTEND_REVIEW,
            opinion=opinion,
            expected_version=expected_version,
        )

    @strawberry.mutation(description="出卡: issue the household-registration card after publicity.")
    async def issue_card(
        self, info: Info, application_id: strawberry.ID, expected_version: int | None = None
    ) -> ApplicationResult:
        return await step(
            info, application_id, Action.ISSUE_CARD, expected_version=expected_version
        )

    @strawberry.mutation(description="落户办结: record that the move was completed.")
    async def settle_application(
        self, info: Info, application_id: strawberry.ID, expected_version: int | None = None
    ) -> ApplicationResult:
        return await step(info, application_id, Action.SETTLE, expected_version=expected_version)
