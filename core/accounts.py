"""Accounts: registration, sign-in with lockout, sessions, passwords and recovery."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from tortoise.expressions import F
from tortoise.transactions import in_transaction

from core import audit
from core.actors import Actor
from core.clock import Clock
from core.crypto import lookup_hash
from core.errors import DomainError, ErrorCode
from core.fixed_sql import Statement, children, children_column, fetch, instance
from core.models import RecoveryCode, Role, RoleGrant, Session, User
from core.ratelimit import RateLimits
from core.security import (
    hash_password,
    needs_rehash,
    new_numeric_code,
    new_token,
    token_hash,
    verify_for_unknown_account,
    verify_password,
)
from core.settings import Settings
from core.sms import SmsOutbox
from core.validation import check_password, normalise_id_number, normalise_mobile
from core.verifications import FaceVerificationService

# Touching last_seen_at on every request would make every read a write.
_SEEN_GRANULARITY = timedelta(seconds=60)


def _session_read(kind: str) -> str:
    user = children_column(User, "id", "s.user_id", kind)
    grants = children_column(RoleGrant, "user_id", "s.user_id", kind)
    return (
        f"SELECT s.*, {user} AS user_rows, {grants} AS grant_rows "
        "FROM sessions s WHERE s.access_hash = $1"
    )


_SESSION_READ = Statement(_session_read)


@dataclass(frozen=True)
class IssuedSession:
    session: Session
    user: User
    access_token: str
    refresh_token: str


@dataclass(frozen=True)
class Authenticated:
    session: Session
    user: User
    actor: Actor


class AccountService:
    def __init__(
        self,
        settings: Settings,
        clock: Clock,
        outbox: SmsOutbox,
        faces: FaceVerificationService,
        rate_limits: RateLimits,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.outbox = outbox
        self.faces = faces
        self.rate_limits = rate_limits

    def _hash(self, token: str) -> str:
        return token_hash(self.settings.secret_key, token)

    # Registration -------------------------------------------------------------------

    async def register(
        self,
        *,
        username: str,
        real_name: str,
        id_number: str,
        mobile: str,
        password: str,
        roles: tuple[RoleGrant, ...] = (),
    ) -> User:
        username = username.strip()
        real_name = real_name.strip()
        if not 4 <= len(username) <= 32 or not username.isprintable() or " " in username:
            raise DomainError(
                ErrorCode.INVALID_INPUT, "账号应为 4 至 32 个字符，不含空格", field="username"
            )
        if not real_name:
            raise DomainError(ErrorCode.INVALID_INPUT, "请填写真实姓名", field="realName")
        id_number = normalise_id_number(id_number)
        mobile = normalise_mobile(mobile)
        check_password(password, forbidden=(username, id_number))
        if await User.filter(username=username).exists():
            raise DomainError(ErrorCode.USERNAME_TAKEN, "该账号已被注册", field="username")
        if await User.filter(id_number_hash=lookup_hash(id_number)).exists():
            raise DomainError(
                ErrorCode.ID_NUMBER_TAKEN,
                "该身份证号码已注册，可通过找回账号登录",
                field="idNumber",
            )
        # Hashed before the transaction: a write transaction is not held open meanwhile.
        password_hash = await hash_password(password)
        async with in_transaction():
            user = await User.create(
                username=username,
                real_name=real_name,
                id_number=id_number,
                mobile=mobile,
                password_hash=password_hash,
            )
            await RoleGrant.create(user=user, role=Role.APPLICANT)
            await audit.record(
                "account.registered", actor_id=user.id, subject_type="user", subject_id=user.id
            )
        return user

    # Sessions -----------------------------------------------------------------------

    async def login(
        self, account: str, password: str, *, client_address: str | None = None
    ) -> IssuedSession:
        account = account.strip()
        # Before the lookup: unknown account names are counted like known ones.
        await self.rate_limits.login(account, client_address)
        user = await User.filter(username=account).first()
        if user is None and len(account) == 18:
            user = await User.filter(id_number_hash=lookup_hash(account)).first()
        if user is None:
            await verify_for_unknown_account(password)
            raise DomainError(ErrorCode.INVALID_CREDENTIALS, "账号或密码错误")
        now = self.clock.now()
        if user.locked_until is not None and user.locked_until > now:
            raise self._locked(user)
        if not await verify_password(user.password_hash, password):
            # 身份鉴别失败 is an audit event (MLPS 2.0), by the account it was aimed at.
            await audit.record(
                "account.login_failed",
                actor_id=None,
                subject_type="user",
                subject_id=user.id,
                request=audit.RequestInfo(client_address=client_address),
            )
            await User.filter(id=user.id).update(failed_logins=F("failed_logins") + 1)
            await user.refresh_from_db(fields=["failed_logins"])
            if user.failed_logins >= self.settings.lockout_threshold:
                user.locked_until = now + timedelta(minutes=self.settings.lockout_minutes)
                user.failed_logins = 0
                await user.save(update_fields=["locked_until", "failed_logins"])
                raise self._locked(user)
            left = self.settings.lockout_threshold - user.failed_logins
            raise DomainError(
                ErrorCode.INVALID_CREDENTIALS,
                f"账号或密码错误，再错 {left} 次账号将被锁定",
                details={"attemptsLeft": left},
            )
        user.failed_logins = 0
        user.locked_until = None
        fields = ["failed_logins", "locked_until"]
        if needs_rehash(user.password_hash):
            user.password_hash = await hash_password(password)
            fields.append("password_hash")
        await user.save(update_fields=fields)
        return await self._issue(user, method="password")

    def _locked(self, user: User) -> DomainError:
        assert user.locked_until is not None
        seconds = max(1, int((user.locked_until - self.clock.now()).total_seconds()))
        return DomainError(
            ErrorCode.ACCOUNT_LOCKED,
            f"连续 {self.settings.lockout_threshold} 次密码错误，账号已锁定，"
            f"请 {seconds // 60 + 1} 分钟后再试，或通过找回密码解锁",
            retry_after_seconds=seconds,
        )

    async def login_with_face(self, verification_id: str) -> IssuedSession:
        verification = await self.faces.consume(verification_id, "login")
        user = await User.filter(
            id_number_hash=lookup_hash(verification.verified_id_number or "")
        ).first()
        if user is None:
            raise DomainError(ErrorCode.NOT_FOUND, "该身份尚未注册账号，请先注册")
        return await self._issue(user, method="face")

    async def _issue(self, user: User, *, method: str) -> IssuedSession:
        access, refresh = new_token(), new_token()
        now = self.clock.now()
        session = await Session.create(
            id=uuid.uuid4(),
            user=user,
            access_hash=self._hash(access),
            refresh_hash=self._hash(refresh),
            method=method,
            last_seen_at=now,
            refresh_expires_at=now + timedelta(days=self.settings.refresh_token_days),
        )
        await audit.record(
            "account.login", actor_id=user.id, subject_type="user", subject_id=user.id,
            reason=method,
        )  # fmt: skip
        return IssuedSession(session, user, access, refresh)

    async def authenticate(self, access_token: str) -> Authenticated:
        # Every signed-in request pays for this read: one fixed statement (core/fixed_sql.py)
        # with the session, its user and the user's role grants. Nothing is cached, so a
        # revoked session or a withdrawn role is refused on the next request.
        rows = await fetch(Session, _SESSION_READ, self._hash(access_token))
        if not rows or rows[0]["revoked_at"] is not None:
            raise DomainError(ErrorCode.INVALID_TOKEN, "登录凭证无效，请重新登录")
        row = rows[0]
        session = instance(Session, row)
        now = self.clock.now()
        idle = timedelta(minutes=self.settings.session_idle_minutes)
        if now - session.last_seen_at > idle:
            raise DomainError(ErrorCode.SESSION_EXPIRED, "长时间未操作，登录已过期，请重新登录")
        if now - session.last_seen_at > _SEEN_GRANULARITY:
            await Session.filter(id=session.id).update(last_seen_at=now)
        user = children(User, row["user_rows"])[0]
        object.__setattr__(session, "_user", user)  # as select_related leaves it
        grants = children(RoleGrant, row["grant_rows"])
        return Authenticated(session, user, Actor.of(user, grants))

    async def refresh(self, refresh_token: str) -> IssuedSession:
        """Rotate both tokens; the old refresh token stops working."""
        session = (
            await Session.filter(refresh_hash=self._hash(refresh_token))
            .select_related("user")
            .first()
        )
        now = self.clock.now()
        if session is None or session.revoked_at is not None:
            raise DomainError(ErrorCode.INVALID_TOKEN, "登录凭证无效，请重新登录")
        if now > session.refresh_expires_at:
            raise DomainError(ErrorCode.SESSION_EXPIRED, "登录已过期，请重新登录")
        access, refresh = new_token(), new_token()
        rotated = await Session.filter(
            id=session.id, refresh_hash=self._hash(refresh_token), revoked_at=None
        ).update(
            access_hash=self._hash(access),
            refresh_hash=self._hash(refresh),
            last_seen_at=now,
        )
        if not rotated:
            raise DomainError(ErrorCode.INVALID_TOKEN, "登录凭证无效，请重新登录")
        await session.refresh_from_db()
        return IssuedSession(session, session.user, access, refresh)

    async def revoke(self, session: Session) -> None:
        await Session.filter(id=session.id, revoked_at=None).update(revoked_at=self.clock.now())
        await audit.record(
            "account.logout",
            actor_id=session.user_id,  # type: ignore[attr-defined]
            subject_type="session",
            subject_id=session.id,
        )

    async def _revoke_all(self, user: User) -> None:
        await Session.filter(user_id=user.id, revoked_at=None).update(revoked_at=self.clock.now())

    # Passwords and recovery ----------------------------------------------------------

    async def change_password(
        self, user: User, current: str, new: str, *, keep: Session | None = None
    ) -> None:
        if not await verify_password(user.password_hash, current):
            raise DomainError(ErrorCode.INVALID_CREDENTIALS, "原密码错误", field="currentPassword")
        await self._set_password(user, new)
        # Other devices must sign in again; the session that changed it stays.
        query = Session.filter(user_id=user.id, revoked_at=None)
        if keep is not None:
            query = query.exclude(id=keep.id)
        await query.update(revoked_at=self.clock.now())

    async def _set_password(self, user: User, password: str) -> None:
        check_password(password, forbidden=(user.username, user.id_number))
        user.password_hash = await hash_password(password)
        user.password_changed_at = self.clock.now()
        user.failed_logins = 0
        user.locked_until = None
        await user.save(
            update_fields=["password_hash", "password_changed_at", "failed_logins", "locked_until"]
        )
        await audit.record(
            "account.password_set", actor_id=user.id, subject_type="user", subject_id=user.id
        )

    async def request_recovery_code(
        self, id_number: str, mobile: str, *, client_address: str | None = None
    ) -> None:
        """Send a code to the registered mobile. The answer never says whether they matched."""
        id_number = normalise_id_number(id_number)
        mobile = normalise_mobile(mobile)
        # Counted whether or not they match, so the limit does not tell either.
        await self.rate_limits.sms_code(id_number, mobile, client_address)
        user = await User.filter(
            id_number_hash=lookup_hash(id_number), mobile_hash=lookup_hash(mobile)
        ).first()
        if user is None:
            return
        code = new_numeric_code()
        now = self.clock.now()
        await RecoveryCode.filter(user_id=user.id, consumed_at=None).update(consumed_at=now)
        await RecoveryCode.create(
            user=user,
            code_hash=self._hash(code),
            expires_at=now + timedelta(minutes=self.settings.recovery_code_minutes),
        )
        await self.outbox.send(
            mobile=user.mobile,
            purpose="recovery",
            user=user,
            text=(
                f"【广州人才引进】您的找回验证码为 {code}，"
                f"{self.settings.recovery_code_minutes} 分钟内有效。您的账号为 {user.username}。"
            ),
        )

    async def recover_with_code(self, id_number: str, code: str, new_password: str) -> User:
        id_number = normalise_id_number(id_number)
        user = await User.filter(id_number_hash=lookup_hash(id_number)).first()
        wrong = DomainError(ErrorCode.INVALID_RECOVERY_CODE, "验证码错误或已过期", field="code")
        if user is None:
            raise wrong
        now = self.clock.now()
        record = (
            await RecoveryCode.filter(user_id=user.id, consumed_at=None)
            .order_by("-created_at")
            .first()
        )
        if (
            record is None
            or record.expires_at <= now
            or record.attempts >= self.settings.recovery_code_attempts
        ):
            raise wrong
        if record.code_hash != self._hash(code.strip()):
            await RecoveryCode.filter(id=record.id).update(attempts=F("attempts") + 1)
            raise wrong
        check_password(new_password, forbidden=(user.username, user.id_number))
        used = await RecoveryCode.filter(id=record.id, consumed_at=None).update(consumed_at=now)
        if not used:
            raise wrong
        await self._set_password(user, new_password)
        await self._revoke_all(user)
        return user

    async def recover_with_face(self, verification_id: str, new_password: str) -> User:
        verification = await self.faces.check_passed(verification_id, "recovery")
        user = await User.filter(
            id_number_hash=lookup_hash(verification.verified_id_number or "")
        ).first()
        if user is None:
            raise DomainError(ErrorCode.NOT_FOUND, "该身份尚未注册账号，请先注册")
        check_password(new_password, forbidden=(user.username, user.id_number))
        await self.faces.consume(verification_id, "recovery")
        await self._set_password(user, new_password)
        await self._revoke_all(user)
        return user
