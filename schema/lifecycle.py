"""The applicant's and the employer's steps of the lifecycle, and employer administrators.

The applicant's business query (业务查询) is ``myApplications``: each application carries
``stateLabel``, ``timeline``, ``allowedActions``, ``publicity`` and ``card``
(``schema/progress.py``). Here are the steps: withdraw, apply again, generate the card on
the fast track; the employer's forward, return and recall; and the requests to become an
employer administrator with the competent department's decision.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.scalars import JSON

from core.errors import DomainError, ErrorCode
from core.lifecycle_queue import employer_queue
from core.lifecycle_rules import Action
from core.models import EmployerAdminRequest as RequestRow
from core.workdays import local_date
from schema.applications import Application, ApplicationResult
from schema.context import Info
from schema.errors import OperationError, attempt
from schema.review import CaseFilter, CaseList, CaseListResult, case_list, step


@strawberry.type(
    description="单位系统管理员申请: a request to administer an employer's applications."
)
class EmployerAdminRequest:
    id: strawberry.ID
    employer_id: strawberry.ID
    employer_name: str
    department: str
    reason: str
    status: str = strawberry.field(description="pending | approved | rejected")
    opinion: str
    created_at: datetime
    decided_at: datetime | None

    @classmethod
    async def of(cls, info: Info, row: RequestRow) -> EmployerAdminRequest:
        employer = await info.context.loaders.employers.load(row.employer_id)  # type: ignore[attr-defined]
        return cls(
            id=strawberry.ID(str(row.id)),
            employer_id=strawberry.ID(str(row.employer_id)),  # type: ignore[attr-defined]
            employer_name=employer.name if employer else "",
            department=row.department,
            reason=row.reason,
            status=row.status,
            opinion=row.opinion,
            created_at=row.created_at,
            decided_at=row.decided_at,
        )


@strawberry.type
class EmployerAdminRequestList:
    requests: list[EmployerAdminRequest]


EmployerAdminRequestResult = Annotated[
    EmployerAdminRequest | OperationError, strawberry.union("EmployerAdminRequestResult")
]
EmployerAdminRequestListResult = Annotated[
    EmployerAdminRequestList | OperationError, strawberry.union("EmployerAdminRequestListResult")
]


@strawberry.type
class LifecycleQuery:
    @strawberry.field(
        description="The employer administrator's list: employees' applications (default: "
        "those awaiting the employer's review)."
    )
    async def employer_applications(
        self,
        info: Info,
        filter: CaseFilter | None = None,
        first: int = 20,
        after: str | None = None,
    ) -> CaseListResult:
        async def run() -> CaseList:
            page = await employer_queue(
                info.context.require_actor(),
                (filter or CaseFilter()).to_core(),
                first=first,
                after=after,
                today=local_date(info.context.services.clock.now()),
                request=info.context.request_info,
            )
            return case_list(info, page)

        return await attempt(run())

    @strawberry.field(description="Your requests to become an employer administrator.")
    async def my_employer_admin_requests(self, info: Info) -> EmployerAdminRequestListResult:
        async def run() -> EmployerAdminRequestList:
            rows = await info.context.services.employer_admins.mine(info.context.require_actor())
            return EmployerAdminRequestList(
                requests=[await EmployerAdminRequest.of(info, r) for r in rows]
            )

        return await attempt(run())

    @strawberry.field(description="Administrators: the requests awaiting a decision.")
    async def employer_admin_requests(self, info: Info) -> EmployerAdminRequestListResult:
        async def run() -> EmployerAdminRequestList:
            service = info.context.services.employer_admins
            rows = await service.pending(info.context.require_actor())
            return EmployerAdminRequestList(
                requests=[await EmployerAdminRequest.of(info, r) for r in rows]
            )

        return await attempt(run())


@strawberry.type
class LifecycleMutation:
    # The applicant ------------------------------------------------------------------

    @strawberry.mutation(description="撤回: take back a submitted application before acceptance.")
    async def withdraw_application(
        self, info: Info, application_id: strawberry.ID, expected_version: int | None = None
    ) -> ApplicationResult:
        return await step(info, application_id, Action.WITHDRAW, expected_version=expected_version)

    @strawberry.mutation(
        description="重新申报: a returned, refused or withdrawn application becomes a draft "
        "again with its dossier; revise it, or choose another condition with startApplication."
    )
    async def reapply(self, info: Info, application_id: strawberry.ID) -> ApplicationResult:
        return await step(info, application_id, Action.REAPPLY)

    @strawberry.mutation(
        description="智能审批: confirm (or correct) the settlement address and generate the card."
    )
    async def generate_card(
        self, info: Info, application_id: strawberry.ID, settlement: JSON | None = None
    ) -> ApplicationResult:
        async def run() -> Application:
            if settlement is not None and not isinstance(settlement, dict):
                raise DomainError(
                    ErrorCode.INVALID_INPUT, "settlement 应为对象", field="settlement"
                )
            row = await info.context.services.lifecycle.generate_card(
                info.context.require_actor(),
                str(application_id),
                settlement=settlement,
                request=info.context.request_info,
            )
            return Application.of(row)

        return await attempt(run())

    # The employer administrator -----------------------------------------------------

    @strawberry.mutation(description="单位审核通过: forward to the district office.")
    async def forward_application(
        self,
        info: Info,
        application_id: strawberry.ID,
        opinion: str | None = None,
        expected_version: int | None = None,
    ) -> ApplicationResult:
        return await step(
            info, application_id, Action.FORWARD, opinion=opinion, expected_version=expected_version
        )

    @strawberry.mutation(description="单位退回: return to the applicant with an opinion.")
    async def return_to_applicant(
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
            Action.EMPLOYER_RETURN,
            opinion=opinion,
            corrections=corrections,
            expected_version=expected_version,
        )

    @strawberry.mutation(
        description="撤回送审: within one hour of forwarding (after it, RECALL_WINDOW_CLOSED)."
    )
    async def recall_forwarded(
        self, info: Info, application_id: strawberry.ID, opinion: str | None = None
    ) -> ApplicationResult:
        return await step(info, application_id, Action.RECALL, opinion=opinion)

    # Employer administrators --------------------------------------------------------

    @strawberry.mutation(
        description="单位系统管理员申请 (municipal institutions and state-owned enterprises)."
    )
    async def request_employer_admin(
        self, info: Info, employer_id: strawberry.ID, department: str, reason: str = ""
    ) -> EmployerAdminRequestResult:
        async def run() -> EmployerAdminRequest:
            row = await info.context.services.employer_admins.request(
                info.context.require_actor(),
                str(employer_id),
                department=department,
                reason=reason,
                request=info.context.request_info,
            )
            return await EmployerAdminRequest.of(info, row)

        return await attempt(run())

    @strawberry.mutation(description="Administrators: approve (granting the role) or reject.")
    async def decide_employer_admin_request(
        self, info: Info, request_id: strawberry.ID, approve: bool, opinion: str = ""
    ) -> EmployerAdminRequestResult:
        async def run() -> EmployerAdminRequest:
            row = await info.context.services.employer_admins.decide(
                info.context.require_actor(),
                str(request_id),
                approve=approve,
                opinion=opinion,
                request=info.context.request_info,
            )
            return await EmployerAdminRequest.of(info, row)

        return await attempt(run())
