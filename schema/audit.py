"""The audit log (审计日志) for administrators: who read or changed what, when, from where."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import strawberry

from core.audit_export import AuditFilter, audit_page
from core.models import AuditLog
from schema.context import Info
from schema.errors import OperationError, attempt


@strawberry.type(description="One audit-log entry; entries are never changed or removed early.")
class AuditEntry:
    id: strawberry.ID
    created_at: datetime
    actor_id: int | None = strawberry.field(description="The user; 0 the operator, null a timer.")
    action: str = strawberry.field(description="e.g. application.read, application.approve")
    subject_type: str
    subject_id: str | None
    reason: str
    request_id: str | None
    client_address: str | None

    @classmethod
    def of(cls, row: AuditLog) -> AuditEntry:
        return cls(
            id=strawberry.ID(str(row.id)),
            created_at=row.created_at,
            actor_id=row.actor_id,
            action=row.action,
            subject_type=row.subject_type,
            subject_id=row.subject_id,
            reason=row.reason,
            request_id=row.request_id,
            client_address=row.client_address,
        )


@strawberry.input(description="Audit-log filters, all optional; days are Guangzhou dates.")
class AuditLogFilter:
    since: date | None = None
    until: date | None = strawberry.field(default=None, description="Included.")
    actor_id: int | None = None
    action: str | None = strawberry.field(
        default=None, description='An action, or a prefix ending in "." ("application.").'
    )
    subject_type: str | None = None
    subject_id: str | None = None

    def to_core(self) -> AuditFilter:
        return AuditFilter(
            since=self.since,
            until=self.until,
            actor_id=self.actor_id,
            action=self.action,
            subject_type=self.subject_type,
            subject_id=self.subject_id,
        )


@strawberry.type(description="A page of the audit log, newest first.")
class AuditLogPage:
    entries: list[AuditEntry]
    end_cursor: str | None
    has_next_page: bool


AuditLogResult = Annotated[AuditLogPage | OperationError, strawberry.union("AuditLogResult")]


@strawberry.type
class AuditQuery:
    @strawberry.field(description="审计日志, administrators only; the read is itself logged.")
    async def audit_log(
        self,
        info: Info,
        filter: AuditLogFilter | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> AuditLogResult:
        async def run() -> AuditLogPage:
            page = await audit_page(
                info.context.actor,
                (filter or AuditLogFilter()).to_core(),
                first=first,
                after=after,
                request=info.context.request_info,
            )
            return AuditLogPage(
                entries=[AuditEntry.of(r) for r in page.rows],
                end_cursor=page.end_cursor,
                has_next_page=page.has_next_page,
            )

        return await attempt(run())
