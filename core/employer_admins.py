"""Employer administrators (法人单位系统管理员): requesting the role and deciding requests.

Only municipal institutions and state-owned enterprises review their employees'
applications (``EmployerNature.reviews_applications``); other employers' employees go
straight to the district, so their administrators are not requested. A signed-in person
asks for the role for one employer, naming the competent department (主管部门); an
administrator of the city bureau decides (the competent department's approval, recorded
here). An approval grants ``RoleGrant(role=employer_admin, employer_id=...)``.
"""

from __future__ import annotations

from tortoise.transactions import in_transaction

from core import audit
from core.actors import Actor, require_role
from core.clock import Clock
from core.errors import DomainError, ErrorCode
from core.ids import known_id
from core.models import Employer, EmployerAdminRequest, EmployerNature, Role, RoleGrant, User
from core.sms import SmsOutbox

PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"


class EmployerAdminService:
    def __init__(self, clock: Clock, outbox: SmsOutbox) -> None:
        self.clock = clock
        self.outbox = outbox

    async def request(
        self,
        actor: Actor,
        employer_id: str | int,
        *,
        department: str,
        reason: str,
        request: audit.RequestInfo | None = None,
    ) -> EmployerAdminRequest:
        """单位系统管理员申请: ask to administer ``employer``'s applications."""
        require_role(actor, Role.APPLICANT)
        key = known_id(employer_id, "单位不存在", field="employerId")
        employer = await Employer.get_or_none(id=key)
        if employer is None:
            raise DomainError(ErrorCode.NOT_FOUND, "单位不存在", field="employerId")
        if not EmployerNature(employer.nature).reviews_applications:
            raise DomainError(
                ErrorCode.INVALID_INPUT,
                "只有市直机关事业单位和市属国有企业需要单位系统管理员，"
                "该单位职工的申报直接提交区人社局",
                field="employerId",
            )
        if not department.strip():
            raise DomainError(ErrorCode.INVALID_INPUT, "请填写主管部门", field="department")
        if await RoleGrant.filter(
            user_id=actor.user_id, role=Role.EMPLOYER_ADMIN, employer_id=employer.id
        ).exists():
            raise DomainError(ErrorCode.CONFLICT, "您已是该单位的系统管理员")
        if await EmployerAdminRequest.filter(
            user_id=actor.user_id, employer_id=employer.id, status=PENDING
        ).exists():
            raise DomainError(ErrorCode.REFERENCE_REQUEST_PENDING, "已提交申请，请联系主管部门审批")
        row = await EmployerAdminRequest.create(
            user_id=actor.user_id,
            employer_id=employer.id,
            department=department.strip()[:200],
            reason=reason.strip(),
        )
        await audit.record(
            "employer_admin.request",
            actor_id=actor.user_id,
            subject_type="employer",
            subject_id=employer.id,
            request=request,
        )
        return row

    async def mine(self, actor: Actor) -> list[EmployerAdminRequest]:
        return await EmployerAdminRequest.filter(user_id=actor.user_id).order_by("-id")

    async def pending(self, actor: Actor) -> list[EmployerAdminRequest]:
        require_role(actor, Role.ADMIN)
        return await EmployerAdminRequest.filter(status=PENDING).order_by("id")

    async def decide(
        self,
        actor: Actor,
        request_id: str | int,
        *,
        approve: bool,
        opinion: str = "",
        request: audit.RequestInfo | None = None,
    ) -> EmployerAdminRequest:
        """The competent department approves (granting the role) or rejects with an opinion."""
        require_role(actor, Role.ADMIN)
        key = known_id(request_id, "申请不存在", field="requestId")
        row = await EmployerAdminRequest.get_or_none(id=key)
        if row is None:
            raise DomainError(ErrorCode.NOT_FOUND, "申请不存在", field="requestId")
        if not approve and not opinion.strip():
            raise DomainError(ErrorCode.INVALID_INPUT, "不予通过时请填写意见", field="opinion")
        status = APPROVED if approve else REJECTED
        async with in_transaction():
            decided = await EmployerAdminRequest.filter(id=row.id, status=PENDING).update(
                status=status,
                decided_by_id=actor.user_id,
                decided_at=self.clock.now(),
                opinion=opinion.strip(),
            )
            if not decided:
                raise DomainError(ErrorCode.REQUEST_ALREADY_DECIDED, "该申请已处理")
            if approve:
                await RoleGrant.get_or_create(
                    user_id=row.user_id,  # type: ignore[attr-defined]
                    role=Role.EMPLOYER_ADMIN,
                    district=None,
                    employer_id=row.employer_id,  # type: ignore[attr-defined]
                )
            await audit.record(
                f"employer_admin.{status}",
                actor_id=actor.user_id,
                subject_type="employer_admin_request",
                subject_id=row.id,
                reason=opinion.strip(),
                request=request,
            )
        await row.refresh_from_db()
        user = await User.get(id=row.user_id)  # type: ignore[attr-defined]
        employer = await Employer.get(id=row.employer_id)  # type: ignore[attr-defined]
        text = (
            f"您申请的{employer.name}单位系统管理员权限已开通，可登录申办系统审核本单位职工的申报。"
            if approve
            else f"您申请的{employer.name}单位系统管理员权限未通过：{opinion.strip()[:200]}"
        )
        await self.outbox.send(
            mobile=user.mobile, purpose=f"employer_admin.{status}", text=text, user=user
        )
        return row
