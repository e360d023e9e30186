"""The government shared database (政府共享数据库) as the service reads it.

:class:`SharedDataSource` is the interface; a deployment replaces the embedded
implementation (:class:`DatabaseSharedData`, backed by this service's own table and
loaded with ``talent shared-data import``) with a client of the real platform.

Records are ``kind``-tagged dictionaries. Core reads the kinds every category shares
(``identity``, ``social_insurance``, ``settlement``); each category plugin reads its own
kinds (for example ``education``) in its ``read_shared_data`` hook.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from core.crypto import lookup_hash
from core.models import SharedDataRow


@dataclass(frozen=True)
class SharedRecord:
    kind: str
    id_number: str
    certificate_number: str | None
    data: Mapping[str, Any]


class SharedDataSource(Protocol):
    async def records(self, id_number: str, kind: str) -> list[SharedRecord]:
        """Every record of ``kind`` held for the person."""
        ...

    async def by_certificate(self, kind: str, certificate_number: str) -> SharedRecord | None:
        """The record of ``kind`` with this certificate number, whoever it belongs to."""
        ...


def _record(row: SharedDataRow) -> SharedRecord:
    return SharedRecord(row.kind, row.id_number, row.certificate_number, row.data)


class DatabaseSharedData:
    async def records(self, id_number: str, kind: str) -> list[SharedRecord]:
        rows = await SharedDataRow.filter(
            id_number_hash=lookup_hash(id_number), kind=kind
        ).order_by("id")
        return [_record(r) for r in rows]

    async def by_certificate(self, kind: str, certificate_number: str) -> SharedRecord | None:
        row = await SharedDataRow.filter(
            kind=kind, certificate_number=certificate_number.strip().upper()
        ).first()
        return _record(row) if row else None
