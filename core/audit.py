"""Writing the audit log. Every personal-data read and every administrative change goes here."""

from __future__ import annotations

from dataclasses import dataclass

from core.models import AuditLog


@dataclass(frozen=True)
class RequestInfo:
    """Where a request came from, for the audit log."""

    request_id: str | None = None
    client_address: str | None = None


async def record(
    action: str,
    *,
    actor_id: int | None,
    subject_type: str,
    subject_id: object = None,
    reason: str = "",
    request: RequestInfo | None = None,
) -> None:
    request = request or RequestInfo()
    await AuditLog.create(
        actor_id=actor_id,
        action=action,
        subject_type=subject_type,
        subject_id=None if subject_id is None else str(subject_id),
        reason=reason[:255],
        request_id=request.request_id,
        client_address=request.client_address,
    )
