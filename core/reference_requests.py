"""Requests to add or rename reference data, and an administrator's decision on them.

新增/修改单位信息, 增加院校 and 增加专业 share one life: a signed-in person asks, with
attachments where the seed requires them (营业执照 and 准予变更通知书 for a rename, the
certificate for a school or major); an administrator approves, which creates or renames
the row, or rejects with an opinion; the requester is told by SMS and can look the
request up ("查询"). What approval does to the data is the business of the directory
that owns the kind (``core/employers.py``, ``core/schools.py``), registered here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from tortoise.transactions import in_transaction

from core import audit
from core.actors import Actor, require_actor, require_role
from core.clock import Clock
from core.errors import DomainError, ErrorCode
from core.ids import parse_id
from core.imaging import ImageRejected, load_image
from core.models import (
    ReferenceAttachment,
    ReferenceRequest,
    ReferenceRequestKind,
    ReferenceRequestStatus,
    Role,
    User,
)
from core.paging import Page, PageRequest
from core.settings import Settings
from core.sms import SmsOutbox
from core.storage import FileStorage
from core.workdays import add_working_days, local_date

KIND_LABELS: dict[ReferenceRequestKind, str] = {
    ReferenceRequestKind.EMPLOYER_NEW: "新增单位信息",
    ReferenceRequestKind.EMPLOYER_RENAME: "修改单位信息",
    ReferenceRequestKind.SCHOOL: "增加院校",
    ReferenceRequestKind.MAJOR: "增加专业",
}
STATUS_LABELS: dict[ReferenceRequestStatus, str] = {
    ReferenceRequestStatus.PENDING: "待审核",
    ReferenceRequestStatus.APPROVED: "审核通过",
    ReferenceRequestStatus.REJECTED: "审核不通过",
}
MAX_ATTACHMENTS = 5
MAX_OPINION = 500
PDF = "application/pdf"
_IMAGE_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png"}
# What creating or renaming the row for an approved request does; returns the row's id.
Approver = Callable[[ReferenceRequest], Awaitable[int]]


@dataclass(frozen=True)
class UploadedFile:
    """An attachment as received, before it is checked and stored."""

    filename: str
    data: bytes


@dataclass(frozen=True)
class StoredFile:
    content_hash: str
    content_type: str
    size: int
    filename: str


class ReferenceRequests:
    def __init__(
        self, settings: Settings, clock: Clock, storage: FileStorage, outbox: SmsOutbox
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.storage = storage
        self.outbox = outbox
        self._approvers: dict[ReferenceRequestKind, Approver] = {}

    def register(self, kinds: Iterable[ReferenceRequestKind], approver: Approver) -> None:
        for kind in kinds:
            if kind in self._approvers:
                raise RuntimeError(f"reference request kind {kind} has two approvers")
            self._approvers[kind] = approver

    def due_on(self, working_days: int) -> date:
        return add_working_days(local_date(self.clock.now()), working_days)

    # Asking -------------------------------------------------------------------------

    async def store(self, files: list[UploadedFile], *, required: str | None) -> list[StoredFile]:
        """Check and store attachments; ``required`` is the message when there are none."""
        if required and not files:
            raise DomainError(ErrorCode.INVALID_INPUT, required, field="attachments")
        if len(files) > MAX_ATTACHMENTS:
            raise DomainError(
                ErrorCode.INVALID_INPUT, f"附件不能超过 {MAX_ATTACHMENTS} 个", field="attachments"
            )
        stored = []
        for file in files:
            content_type = await asyncio.to_thread(self._content_type, file.data)
            content_hash = await asyncio.to_thread(self.storage.put, file.data)
            stored.append(
                StoredFile(content_hash, content_type, len(file.data), file.filename[:255])
            )
        return stored

    def _content_type(self, data: bytes) -> str:
        """JPEG, PNG or PDF, decided by content; run off the event loop (it decodes)."""
        if len(data) > self.settings.max_upload_bytes:
            raise DomainError(
                ErrorCode.IMAGE_TOO_LARGE,
                f"附件不能超过 {self.settings.max_upload_bytes // (1024 * 1024)} MB",
                field="attachments",
            )
        if data.startswith(b"%PDF-") and b"%%EOF" in data[-2048:]:
            return PDF
        try:
            loaded = load_image(
                data,
                max_bytes=self.settings.max_upload_bytes,
                max_pixels=self.settings.max_image_pixels,
            )
        except ImageRejected as rejected:
            raise DomainError(
                ErrorCode(rejected.code),
                f"{rejected.message}（附件仅支持 JPEG、PNG 图片或 PDF）",
                field="attachments",
            ) from None
        return _IMAGE_TYPES[loaded.format]

    async def ensure_not_pending(
        self, actor: Actor, kind: ReferenceRequestKind, *, name_key: str, **match: Any
    ) -> None:
        """One pending request per person for the same thing: a second click is refused."""
        existing = await ReferenceRequest.filter(
            requester_id=actor.user_id,
            kind=kind,
            status=ReferenceRequestStatus.PENDING,
            name_key=name_key,
            **match,
        ).first()
        if existing is not None:
            raise DomainError(
                ErrorCode.REFERENCE_REQUEST_PENDING,
                f"您已提交过相同的{KIND_LABELS[kind]}申请，正在审核中",
                details={
                    "requestId": str(existing.id),
                    "dueOn": existing.due_on.isoformat() if existing.due_on else None,
                },
            )

    async def create(
        self,
        actor: Actor,
        kind: ReferenceRequestKind,
        attachments: list[StoredFile],
        *,
        request: audit.RequestInfo | None = None,
        **values: Any,
    ) -> ReferenceRequest:
        async with in_transaction():
            row = await ReferenceRequest.create(kind=kind, requester_id=actor.user_id, **values)
            if attachments:
                await ReferenceAttachment.bulk_create(
                    [
                        ReferenceAttachment(
                            request_id=row.id,
                            content_hash=a.content_hash,
                            content_type=a.content_type,
                            size=a.size,
                            filename=a.filename,
                        )
                        for a in attachments
                    ]
                )
            await audit.record(
                f"reference_request.{kind.value}",
                actor_id=actor.user_id,
                subject_type="reference_request",
                subject_id=row.id,
                request=request,
            )
        return await self._load_one(row.id)

    # Reading ------------------------------------------------------------------------

    async def mine(self, actor: Actor, page: PageRequest) -> Page[ReferenceRequest]:
        """The requester's own requests, newest first (查询信息注册情况及进度)."""
        actor = require_actor(actor)
        query = ReferenceRequest.filter(requester_id=actor.user_id)
        return await self._page(query, page, newest_first=True)

    async def pending(
        self,
        actor: Actor,
        page: PageRequest,
        *,
        kind: ReferenceRequestKind | None = None,
        request: audit.RequestInfo | None = None,
    ) -> Page[ReferenceRequest]:
        """For administrators: the requests awaiting a decision, the soonest due first."""
        require_role(actor, Role.ADMIN)
        query = ReferenceRequest.filter(status=ReferenceRequestStatus.PENDING)
        if kind is not None:
            query = query.filter(kind=kind)
        result = await self._page(query, page, newest_first=False)
        # The rows name their requesters: a read of personal data.
        await audit.record(
            "reference_request.list_pending",
            actor_id=actor.user_id,
            subject_type="reference_request",
            reason="ids " + ",".join(str(r.id) for r in result.items),
            request=request,
        )
        return result

    async def get(
        self, actor: Actor, request_id: str | int, *, request: audit.RequestInfo | None = None
    ) -> ReferenceRequest:
        """The requester's own request, or any for an administrator; else NOT_FOUND."""
        actor = require_actor(actor)
        row = await self._visible(actor, request_id)
        if row.requester_id != actor.user_id:  # type: ignore[attr-defined]
            await audit.record(
                "reference_request.read",
                actor_id=actor.user_id,
                subject_type="reference_request",
                subject_id=row.id,
                request=request,
            )
        return row

    async def attachment(
        self, actor: Actor, attachment_id: str | int, *, request: audit.RequestInfo | None = None
    ) -> tuple[ReferenceAttachment, bytes]:
        """An attachment's content, for its requester and for administrators."""
        actor = require_actor(actor)
        missing = DomainError(ErrorCode.NOT_FOUND, "附件不存在", field="id")
        key = _int(attachment_id, missing)
        row = await ReferenceAttachment.get_or_none(id=key).select_related("request")
        if row is None or not (
            actor.has(Role.ADMIN) or row.request.requester_id == actor.user_id  # type: ignore[attr-defined]
        ):
            raise missing
        data = await asyncio.to_thread(self.storage.get, row.content_hash)
        await audit.record(
            "reference_request.attachment_read",
            actor_id=actor.user_id,
            subject_type="reference_attachment",
            subject_id=row.id,
            request=request,
        )
        return row, data

    # Deciding -----------------------------------------------------------------------

    async def decide(
        self,
        actor: Actor,
        request_id: str | int,
        *,
        approve: bool,
        opinion: str = "",
        request: audit.RequestInfo | None = None,
    ) -> ReferenceRequest:
        """Approve (create or rename the row) or reject with an opinion; tell the requester."""
        require_role(actor, Role.ADMIN)
        opinion = opinion.strip()
        if not approve and not opinion:
            raise DomainError(ErrorCode.INVALID_INPUT, "不予通过时请填写审核意见", field="opinion")
        if len(opinion) > MAX_OPINION:
            raise DomainError(
                ErrorCode.INVALID_INPUT, f"审核意见不能超过 {MAX_OPINION} 个字", field="opinion"
            )
        missing = DomainError(ErrorCode.NOT_FOUND, "申请不存在", field="id")
        key = _int(request_id, missing)
        status = ReferenceRequestStatus.APPROVED if approve else ReferenceRequestStatus.REJECTED
        async with in_transaction():
            row = await ReferenceRequest.get_or_none(id=key)
            if row is None:
                raise missing
            # The conditional update is the claim: of two administrators deciding at
            # once, one updates the row and the other finds it decided.
            claimed = await ReferenceRequest.filter(
                id=key, status=ReferenceRequestStatus.PENDING
            ).update(
                status=status,
                decided_by_id=actor.user_id,
                decided_at=self.clock.now(),
                opinion=opinion,
            )
            if not claimed:
                raise DomainError(
                    ErrorCode.REQUEST_ALREADY_DECIDED,
                    f"该申请已{STATUS_LABELS[ReferenceRequestStatus(row.status)]}",
                    field="id",
                )
            if approve:
                result_id = await self._approvers[ReferenceRequestKind(row.kind)](row)
                await ReferenceRequest.filter(id=key).update(result_id=result_id)
            await audit.record(
                f"reference_request.{status.value}",
                actor_id=actor.user_id,
                subject_type="reference_request",
                subject_id=key,
                reason=opinion,
                request=request,
            )
        decided = await self._load_one(key)
        await self._notify(decided)
        return decided

    async def _notify(self, row: ReferenceRequest) -> None:
        requester: User = row.requester  # type: ignore[assignment]
        label = KIND_LABELS[ReferenceRequestKind(row.kind)]
        if row.status == ReferenceRequestStatus.APPROVED:
            text = f"【广州人才引进】您提交的{label}申请（{row.name}）已审核通过，现可搜索选用。"
        else:
            text = (
                f"【广州人才引进】您提交的{label}申请（{row.name}）审核不通过，"
                f"意见：{row.opinion}。可登录系统查询详情。"
            )
        await self.outbox.send(
            mobile=requester.mobile, purpose="reference_request", text=text, user=requester
        )

    # Helpers ------------------------------------------------------------------------

    async def _visible(self, actor: Actor, request_id: str | int) -> ReferenceRequest:
        missing = DomainError(ErrorCode.NOT_FOUND, "申请不存在", field="id")
        row = await self._load_one(_int(request_id, missing), missing)
        if not actor.has(Role.ADMIN) and row.requester_id != actor.user_id:  # type: ignore[attr-defined]
            raise missing
        return row

    async def _load_one(self, key: int, missing: DomainError | None = None) -> ReferenceRequest:
        row = (
            await ReferenceRequest.filter(id=key)
            .select_related("requester", "decided_by")
            .prefetch_related("attachments")
            .first()
        )
        if row is None:
            raise missing or DomainError(ErrorCode.NOT_FOUND, "申请不存在", field="id")
        return row

    async def _page(
        self, query: Any, page: PageRequest, *, newest_first: bool
    ) -> Page[ReferenceRequest]:
        total = await query.count()
        order = ("-created_at", "-id") if newest_first else ("due_on", "created_at", "id")
        rows = (
            await query.select_related("requester", "decided_by")
            .prefetch_related("attachments")
            .order_by(*order)
            .offset(page.offset)
            .limit(page.first)
        )
        return Page(items=list(rows), total=total, offset=page.offset)


def _int(value: str | int, missing: DomainError) -> int:
    key = parse_id(value)
    if key is None:
        raise missing
    return key
