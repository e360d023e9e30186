"""Staff accounts: administrators, district reviewers, employer administrators."""

from __future__ import annotations

from core import audit
from core.actors import OPERATOR
from core.districts import office_of
from core.errors import DomainError, ErrorCode
from core.models import Role, RoleGrant, User
from core.services import Services


async def create_staff(
    services: Services,
    *,
    username: str,
    real_name: str,
    id_number: str,
    mobile: str,
    password: str,
    role: str,
    district: str | None = None,
    employer_id: int | None = None,
) -> User:
    try:
        staff_role = Role(role)
    except ValueError as exc:
        raise DomainError(ErrorCode.INVALID_INPUT, f"未知角色 {role}", field="role") from exc
    if staff_role == Role.REVIEWER:
        if district is None:
            raise DomainError(ErrorCode.INVALID_INPUT, "审核人员须绑定一个区", field="district")
        office_of(district)
    user = await services.accounts.register(
        username=username,
        real_name=real_name,
        id_number=id_number,
        mobile=mobile,
        password=password,
    )
    if staff_role != Role.APPLICANT:
        await RoleGrant.create(
            user=user, role=staff_role, district=district, employer_id=employer_id
        )
    # Created by the operator at the command line (``talent admin create``).
    await audit.record(
        "staff.created",
        actor_id=OPERATOR.user_id,
        subject_type="user",
        subject_id=user.id,
        reason=f"{staff_role.value} {district or ''} {employer_id or ''}".strip(),
    )
    return user
