"""Face verifications: start, provider callback, status, and one-time use."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import timedelta

from core.clock import Clock
from core.errors import DomainError, ErrorCode
from core.face import FaceProvider
from core.models import FaceVerification, User
from core.ratelimit import RateLimits

PURPOSES = ("login", "recovery", "shared_data")


class FaceVerificationService:
    def __init__(
        self, provider: FaceProvider, clock: Clock, ttl_seconds: int, rate_limits: RateLimits
    ) -> None:
        self.provider = provider
        self.clock = clock
        self.ttl = timedelta(seconds=ttl_seconds)
        self.rate_limits = rate_limits

    async def start(
        self, purpose: str, user: User | None = None, *, client_address: str | None = None
    ) -> FaceVerification:
        if purpose not in PURPOSES:
            raise DomainError(ErrorCode.INVALID_INPUT, "未知的认证用途", field="purpose")
        if purpose == "shared_data" and user is None:
            raise DomainError(ErrorCode.UNAUTHENTICATED, "请先登录")
        # Each start asks the provider for a QR code (a paid call) and a person's face.
        await self.rate_limits.face_verification(user.id if user else None, client_address)
        now = self.clock.now()
        return await FaceVerification.create(
            id=uuid.uuid4(), purpose=purpose, user=user, expires_at=now + self.ttl
        )

    def qr_payload(self, verification: FaceVerification) -> str:
        return self.provider.qr_payload(str(verification.id), verification.expires_at)

    async def get(self, verification_id: str) -> FaceVerification:
        try:
            key = uuid.UUID(verification_id)
        except ValueError as exc:
            raise DomainError(
                ErrorCode.VERIFICATION_NOT_FOUND, "认证不存在", field="verificationId"
            ) from exc
        verification = await FaceVerification.get_or_none(id=key)
        if verification is None:
            raise DomainError(
                ErrorCode.VERIFICATION_NOT_FOUND, "认证不存在", field="verificationId"
            )
        if verification.status == "pending" and self.clock.now() >= verification.expires_at:
            verification.status = "expired"
            await FaceVerification.filter(id=key, status="pending").update(status="expired")
        return verification

    async def confirm(self, body: bytes, headers: Mapping[str, str]) -> FaceVerification:
        """Apply a provider's signed callback. Expired and replayed callbacks are refused."""
        callback = self.provider.parse_callback(body, headers)
        verification = await self.get(callback.verification_id)
        if verification.status == "expired":
            raise DomainError(ErrorCode.VERIFICATION_EXPIRED, "认证已超过有效期")
        if verification.status != "pending":
            raise DomainError(ErrorCode.VERIFICATION_ALREADY_USED, "该认证已确认，不能重复确认")
        now = self.clock.now()
        status = "passed" if callback.passed else "failed"
        # Conditional update: of two racing callbacks only one changes a pending row.
        changed = await FaceVerification.filter(
            id=verification.id, status="pending", callback_nonce=None
        ).update(
            status=status,
            callback_nonce=callback.nonce,
            verified_id_number=callback.id_number,
            verified_name=callback.name,
            confirmed_at=now,
        )
        if not changed:
            raise DomainError(ErrorCode.VERIFICATION_ALREADY_USED, "该认证已确认，不能重复确认")
        return await self.get(str(verification.id))

    async def consume(self, verification_id: str, purpose: str) -> FaceVerification:
        """Use a passed verification once, within its validity."""
        verification = await self.check_passed(verification_id, purpose)
        used = await FaceVerification.filter(id=verification.id, consumed_at=None).update(
            consumed_at=self.clock.now()
        )
        if not used:
            raise DomainError(ErrorCode.VERIFICATION_ALREADY_USED, "该认证已使用")
        return verification

    async def check_passed(self, verification_id: str, purpose: str) -> FaceVerification:
        """A passed, unused verification for ``purpose`` no older than its validity."""
        verification = await self.get(verification_id)
        if verification.purpose != purpose:
            raise DomainError(
                ErrorCode.VERIFICATION_NOT_FOUND, "认证不存在", field="verificationId"
            )
        if verification.status == "pending":
            raise DomainError(ErrorCode.VERIFICATION_PENDING, "认证尚未完成")
        if verification.status == "failed":
            raise DomainError(ErrorCode.VERIFICATION_FAILED, "人脸识别未通过")
        if verification.status == "expired" or (
            verification.confirmed_at is not None
            and self.clock.now() >= verification.confirmed_at + self.ttl
        ):
            raise DomainError(ErrorCode.VERIFICATION_EXPIRED, "认证已超过有效期，请重新认证")
        if verification.consumed_at is not None:
            raise DomainError(ErrorCode.VERIFICATION_ALREADY_USED, "该认证已使用")
        return verification
