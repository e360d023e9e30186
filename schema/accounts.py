"""Accounts over GraphQL: registration, sessions, passwords, recovery, face verification."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Annotated

import strawberry

from core.accounts import IssuedSession
from core.models import FaceVerification as FaceVerificationRow
from core.models import Role as CoreRole
from core.models import User as UserRow
from core.validation import PASSWORD_POLICY
from schema.context import Info
from schema.errors import OperationError, attempt

strawberry.enum(CoreRole, name="Role")


@strawberry.type
class RoleGrant:
    role: CoreRole
    district: str | None
    employer_id: int | None


@strawberry.type(description="A signed-in person's own account.")
class Account:
    id: strawberry.ID
    username: str
    real_name: str
    id_number: str
    mobile: str
    roles: list[RoleGrant]

    @classmethod
    def of(cls, user: UserRow, grants: list[RoleGrant]) -> Account:
        return cls(
            id=strawberry.ID(str(user.id)),
            username=user.username,
            real_name=user.real_name,
            id_number=user.id_number,
            mobile=user.mobile,
            roles=grants,
        )


@strawberry.type(description="Tokens for `Authorization: Bearer <accessToken>`.")
class AuthSession:
    access_token: str
    refresh_token: str
    idle_timeout_seconds: int
    account: Account


@strawberry.type
class Done:
    ok: bool = True


@strawberry.type(description="The account name recovered, shown to the person who proved it.")
class RecoveredAccount:
    username: str


@strawberry.enum
class FaceVerificationPurpose(enum.Enum):
    LOGIN = "login"
    RECOVERY = "recovery"
    SHARED_DATA = "shared_data"


@strawberry.enum
class FaceVerificationStatus(enum.Enum):
    PENDING = "pending"
    PASSED = "passed"
    FAILED = "failed"
    EXPIRED = "expired"


@strawberry.type(description="A face verification (微警认证): show `qrPayload` as a QR code.")
class FaceVerification:
    id: strawberry.ID
    purpose: FaceVerificationPurpose
    status: FaceVerificationStatus
    qr_payload: str
    expires_at: datetime
    seconds_left: int


@strawberry.input
class RegisterInput:
    username: str
    real_name: str
    id_number: str = strawberry.field(description="18-character resident identity number.")
    mobile: str
    password: str = strawberry.field(description=PASSWORD_POLICY)


AccountResult = Annotated[Account | OperationError, strawberry.union("AccountResult")]
SessionResult = Annotated[AuthSession | OperationError, strawberry.union("SessionResult")]
DoneResult = Annotated[Done | OperationError, strawberry.union("DoneResult")]
RecoveredResult = Annotated[
    RecoveredAccount | OperationError, strawberry.union("RecoveredAccountResult")
]
FaceVerificationResult = Annotated[
    FaceVerification | OperationError, strawberry.union("FaceVerificationResult")
]


async def _account(user: UserRow) -> Account:
    await user.fetch_related("roles")
    grants = [
        RoleGrant(role=g.role, district=g.district, employer_id=g.employer_id) for g in user.roles
    ]
    return Account.of(user, grants)


async def _session(info: Info, issued: IssuedSession) -> AuthSession:
    return AuthSession(
        access_token=issued.access_token,
        refresh_token=issued.refresh_token,
        idle_timeout_seconds=info.context.services.settings.session_idle_minutes * 60,
        account=await _account(issued.user),
    )


def _face(info: Info, row: FaceVerificationRow) -> FaceVerification:
    services = info.context.services
    left = int((row.expires_at - services.clock.now()).total_seconds())
    return FaceVerification(
        id=strawberry.ID(str(row.id)),
        purpose=FaceVerificationPurpose(row.purpose),
        status=FaceVerificationStatus(row.status),
        qr_payload=services.faces.qr_payload(row),
        expires_at=row.expires_at,
        seconds_left=max(0, left) if row.status == "pending" else 0,
    )


@strawberry.type
class AccountQuery:
    @strawberry.field(description="The signed-in account.")
    async def me(self, info: Info) -> AccountResult:
        async def run() -> Account:
            return await _account(info.context.require_auth().user)

        return await attempt(run())

    @strawberry.field(description="Poll a face verification's status.")
    async def face_verification(self, info: Info, id: strawberry.ID) -> FaceVerificationResult:
        async def run() -> FaceVerification:
            row = await info.context.services.faces.get(str(id))
            return _face(info, row)

        return await attempt(run())


@strawberry.type
class AccountMutation:
    @strawberry.mutation(description="Register an applicant account (个人用户注册).")
    async def register(self, info: Info, input: RegisterInput) -> AccountResult:
        async def run() -> Account:
            user = await info.context.services.accounts.register(
                username=input.username,
                real_name=input.real_name,
                id_number=input.id_number,
                mobile=input.mobile,
                password=input.password,
            )
            return await _account(user)

        return await attempt(run())

    @strawberry.mutation(description="Sign in with account name (or identity number) and password.")
    async def login(self, info: Info, account: str, password: str) -> SessionResult:
        async def run() -> AuthSession:
            return await _session(
                info,
                await info.context.services.accounts.login(
                    account, password, client_address=info.context.request_info.client_address
                ),
            )

        return await attempt(run())

    @strawberry.mutation(description="Sign in with a passed face verification (刷脸登录).")
    async def login_with_face(self, info: Info, verification_id: strawberry.ID) -> SessionResult:
        async def run() -> AuthSession:
            issued = await info.context.services.accounts.login_with_face(str(verification_id))
            return await _session(info, issued)

        return await attempt(run())

    @strawberry.mutation(description="Exchange a refresh token for new tokens (both rotate).")
    async def refresh_session(self, info: Info, refresh_token: str) -> SessionResult:
        async def run() -> AuthSession:
            return await _session(info, await info.context.services.accounts.refresh(refresh_token))

        return await attempt(run())

    @strawberry.mutation(description="Sign out: the session's tokens stop working.")
    async def logout(self, info: Info) -> DoneResult:
        async def run() -> Done:
            await info.context.services.accounts.revoke(info.context.require_auth().session)
            return Done()

        return await attempt(run())

    @strawberry.mutation(description="Change the password; other sessions are signed out.")
    async def change_password(
        self, info: Info, current_password: str, new_password: str
    ) -> DoneResult:
        async def run() -> Done:
            auth = info.context.require_auth()
            await info.context.services.accounts.change_password(
                auth.user, current_password, new_password, keep=auth.session
            )
            return Done()

        return await attempt(run())

    @strawberry.mutation(
        description="Send a recovery code to the registered mobile (忘记账号/密码). "
        "Always answers ok, so it does not reveal who is registered."
    )
    async def request_recovery_code(self, info: Info, id_number: str, mobile: str) -> DoneResult:
        async def run() -> Done:
            await info.context.services.accounts.request_recovery_code(
                id_number, mobile, client_address=info.context.request_info.client_address
            )
            return Done()

        return await attempt(run())

    @strawberry.mutation(
        description="Set a new password with the SMS code; returns the account name."
    )
    async def recover_with_code(
        self, info: Info, id_number: str, code: str, new_password: str
    ) -> RecoveredResult:
        async def run() -> RecoveredAccount:
            user = await info.context.services.accounts.recover_with_code(
                id_number, code, new_password
            )
            return RecoveredAccount(username=user.username)

        return await attempt(run())

    @strawberry.mutation(description="Set a new password after a face verification for recovery.")
    async def recover_with_face(
        self, info: Info, verification_id: strawberry.ID, new_password: str
    ) -> RecoveredResult:
        async def run() -> RecoveredAccount:
            user = await info.context.services.accounts.recover_with_face(
                str(verification_id), new_password
            )
            return RecoveredAccount(username=user.username)

        return await attempt(run())

    @strawberry.mutation(
        description="Start a face verification; it must be confirmed within `secondsLeft`."
    )
    async def start_face_verification(
        self, info: Info, purpose: FaceVerificationPurpose
    ) -> FaceVerificationResult:
        async def run() -> FaceVerification:
            user = info.context.auth.user if info.context.auth else None
            row = await info.context.services.faces.start(
                purpose.value, user, client_address=info.context.request_info.client_address
            )
            return _face(info, row)

        return await attempt(run())
