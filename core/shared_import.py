"""Loading records into the embedded shared database (``talent shared-data import``)."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from tortoise.transactions import in_transaction

from core.crypto import lookup_hash
from core.errors import DomainError, ErrorCode
from core.models import SharedDataRow
from core.validation import normalise_id_number


def read_records(path: Path) -> list[dict[str, Any]]:
    """JSON: a list of {kind, id_number, certificate_number, data}. CSV: the same
    columns, with ``data`` holding a JSON object."""
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() == ".csv":
        rows: list[dict[str, Any]] = []
        for line, row in enumerate(csv.DictReader(text.splitlines()), start=2):
            try:
                data = json.loads(row.get("data") or "{}")
            except json.JSONDecodeError as exc:
                raise DomainError(
                    ErrorCode.INVALID_INPUT, f"{path}:{line}: data 列不是 JSON"
                ) from exc
            rows.append({**row, "data": data})
        return rows
    loaded = json.loads(text)
    if not isinstance(loaded, list):
        raise DomainError(ErrorCode.INVALID_INPUT, f"{path}: 应为记录列表")
    return loaded


async def import_records(records: list[dict[str, Any]], *, replace: bool = True) -> int:
    """Insert records; with ``replace`` a person's earlier records of the same kind go.

    Importing the same file twice therefore leaves one copy.
    """
    checked = []
    for i, r in enumerate(records):
        try:
            kind = str(r["kind"]).strip()
            id_number = normalise_id_number(str(r["id_number"]))
            data = r.get("data") or {}
        except (KeyError, TypeError) as exc:
            raise DomainError(ErrorCode.INVALID_INPUT, f"第 {i + 1} 条记录缺少字段") from exc
        except DomainError as exc:
            raise DomainError(exc.code, f"第 {i + 1} 条记录：{exc.message}") from exc
        if not isinstance(data, dict):
            raise DomainError(ErrorCode.INVALID_INPUT, f"第 {i + 1} 条记录：data 应为对象")
        number = r.get("certificate_number")
        checked.append((kind, id_number, str(number).strip().upper() if number else None, data))
    async with in_transaction():
        if replace:
            for kind, id_number in {(k, n) for k, n, _, _ in checked}:
                await SharedDataRow.filter(
                    kind=kind, id_number_hash=lookup_hash(id_number)
                ).delete()
        await SharedDataRow.bulk_create(
            [
                SharedDataRow(kind=k, id_number=n, certificate_number=c, data=d)
                for k, n, c, d in checked
            ]
        )
    return len(checked)


async def import_file(path: Path) -> int:
    return await import_records(read_records(path))
