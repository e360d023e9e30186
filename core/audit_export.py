"""Reading the audit log back: the export for an auditor and the administrators' page.

The export streams: rows are read in batches of :data:`BATCH` by ascending id (a
keyset, so a year of entries never sits in memory or in one long query) and written
as they come, CSV with a header or one JSON object a line (JSON Lines). Dates are
Guangzhou calendar days, ``since`` included, ``until`` included.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal

from tortoise.expressions import Q

from core import audit
from core.actors import Actor, require_role
from core.db import db_time
from core.errors import DomainError, ErrorCode
from core.models import AuditLog, Role
from core.workdays import TIMEZONE

BATCH = 500
MAX_PAGE = 100
ExportFormat = Literal["csv", "jsonl"]
COLUMNS = (
    "id",
    "created_at",
    "actor_id",
    "action",
    "subject_type",
    "subject_id",
    "reason",
    "request_id",
    "client_address",
)


@dataclass(frozen=True)
class AuditFilter:
    """Which entries: all optional, combined with AND."""

    since: date | None = None
    until: date | None = None
    actor_id: int | None = None
    action: str | None = None  # exact, or a prefix ending in "." ("application.")
    subject_type: str | None = None
    subject_id: str | None = None

    def query(self) -> Q:
        q = Q()
        if self.since is not None:
            q &= Q(created_at__gte=_day_start(self.since))
        if self.until is not None:
            q &= Q(created_at__lt=_day_start(self.until + timedelta(days=1)))
        if self.actor_id is not None:
            q &= Q(actor_id=self.actor_id)
        if self.action:
            prefix = self.action.endswith(".")
            q &= Q(action__startswith=self.action) if prefix else Q(action=self.action)
        if self.subject_type:
            q &= Q(subject_type=self.subject_type)
        if self.subject_id:
            q &= Q(subject_id=self.subject_id)
        return q


def _day_start(day: date) -> datetime:
    return db_time(datetime.combine(day, time(0), tzinfo=TIMEZONE))


def as_dict(row: AuditLog) -> dict[str, object]:
    return {
        "id": row.id,
        "created_at": row.created_at.isoformat(),
        "actor_id": row.actor_id,
        "action": row.action,
        "subject_type": row.subject_type,
        "subject_id": row.subject_id,
        "reason": row.reason,
        "request_id": row.request_id,
        "client_address": row.client_address,
    }


async def entries(filter: AuditFilter, *, batch: int = BATCH) -> AsyncIterator[AuditLog]:
    """Every matching entry, oldest first, fetched ``batch`` at a time."""
    last = 0
    while True:
        rows = await AuditLog.filter(filter.query(), id__gt=last).order_by("id").limit(batch)
        for row in rows:
            yield row
        if len(rows) < batch:
            return
        last = rows[-1].id


# A cell a spreadsheet would run as a formula (CSV injection): a reason or subject may
# carry text a person typed, and auditors open exports in spreadsheets.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(record: dict[str, object]) -> dict[str, object]:
    return {
        key: f"'{value}" if isinstance(value, str) and value.startswith(_FORMULA_START) else value
        for key, value in record.items()
    }


async def export(
    filter: AuditFilter, fmt: ExportFormat = "csv", *, batch: int = BATCH
) -> AsyncIterator[str]:
    """The export as text chunks, one per batch (plus the CSV header first)."""
    if fmt not in ("csv", "jsonl"):
        raise DomainError(ErrorCode.INVALID_INPUT, "导出格式应为 csv 或 jsonl", field="format")
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    if fmt == "csv":
        writer.writeheader()
    count = 0
    async for row in entries(filter, batch=batch):
        if fmt == "csv":
            writer.writerow(spreadsheet_safe(as_dict(row)))
        else:
            buffer.write(json.dumps(as_dict(row), ensure_ascii=False) + "\n")
        count += 1
        if count % batch == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()


@dataclass(frozen=True)
class AuditPage:
    rows: list[AuditLog]
    end_cursor: str | None
    has_next_page: bool


async def audit_page(
    actor: Actor | None,
    filter: AuditFilter,
    *,
    first: int = 50,
    after: str | None = None,
    request: audit.RequestInfo | None = None,
) -> AuditPage:
    """Newest first, for administrators only (查看审计日志); ``after`` is an entry's id.

    Reading the log is itself logged: it holds who did what from which address.
    """
    admin = require_role(actor, Role.ADMIN)
    if not 1 <= first <= MAX_PAGE:
        raise DomainError(
            ErrorCode.INVALID_INPUT, f"每页条数应在 1 到 {MAX_PAGE} 之间", field="first"
        )
    q = filter.query()
    if after:
        try:
            q &= Q(id__lt=int(after))
        except ValueError as exc:
            raise DomainError(ErrorCode.INVALID_INPUT, "分页游标无效", field="after") from exc
    rows = await AuditLog.filter(q).order_by("-id").limit(first + 1)
    more = len(rows) > first
    rows = rows[:first]
    await audit.record(
        "audit.read", actor_id=admin.user_id, subject_type="audit_log", request=request
    )
    return AuditPage(rows=rows, end_cursor=str(rows[-1].id) if rows else None, has_next_page=more)
