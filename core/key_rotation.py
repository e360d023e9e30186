"""``talent keys rotate``: re-encrypt personal data under the current data key.

Rotation (README: Keys and their rotation) adds a key to ``TALENT_DATA_KEYS``, points
``TALENT_DATA_KEY_ID`` at it and restarts the servers: from then on new values are
written under it and old ones still read under their own key id. This command then
walks every encrypted column (:class:`~core.crypto.EncryptedTextField` and
:class:`~core.crypto.EncryptedJSONField` alike), batch by batch, and rewrites the
values still under another key, and the plain JSON of a column written before it was
encrypted; when it reports nothing left, the old key can be removed.

It is safe beside running servers: each batch is its own short transaction, and a
value is replaced only if the column still holds exactly the text this command read
(compare-and-set). A dossier saved or a recognition finished in between is never
overwritten with the older value; it was written under the current key anyway. It is
safe to stop and run again.

The lookup hashes do not change: they are keyed by ``TALENT_LOOKUP_KEY``, not by the
data keys.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tortoise import Tortoise
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.models import Model
from tortoise.transactions import in_transaction

from core.crypto import EncryptedTextField, cipher

logger = logging.getLogger("talent.keys")

BATCH = 500


@dataclass(frozen=True)
class Encrypted:
    model: type[Model]
    fields: tuple[str, ...]

    @property
    def table(self) -> str:
        return self.model._meta.db_table

    @property
    def pk(self) -> str:
        return self.model._meta.db_pk_column

    def column(self, name: str) -> str:
        return self.model._meta.fields_db_projection[name]

    def reseal(self, name: str, stored: str) -> str:
        """``stored`` opened by its field and encrypted again under the current key."""
        field = self.model._meta.fields_map[name]
        assert isinstance(field, EncryptedTextField)  # encrypted_models() chose it
        return str(field.to_db_value(field.to_python_value(stored), None))


def encrypted_models() -> list[Encrypted]:
    """Every model of the ``core`` app with encrypted fields, in a stable order."""
    found = []
    for _, model in sorted(Tortoise.apps["core"].items()):
        names = tuple(
            n for n, f in model._meta.fields_map.items() if isinstance(f, EncryptedTextField)
        )
        if names:
            found.append(Encrypted(model, names))
    return found


class _Sql:
    """Statements on one table in the connection's placeholder style.

    Raw SQL rather than the ORM: the compare-and-set compares stored text, which the
    encrypted fields refuse to filter on, and the stale test compares a prefix exactly
    (SQLite's ``LIKE`` ignores case, so key ids ``k1`` and ``K1`` would look alike).
    """

    def __init__(self, entry: Encrypted, conn: BaseDBAsyncClient) -> None:
        self.entry = entry
        self.postgres = conn.capabilities.dialect == "postgres"

    def mark(self, n: int) -> str:
        return f"${n}" if self.postgres else "?"

    def stale(self, prefix: str, first: int) -> tuple[str, list[Any]]:
        """A condition true for rows with a value not under ``prefix``, and its values."""
        terms, values = [], []
        for n, name in enumerate(self.entry.fields):
            column = self.entry.column(name)
            mark = self.mark(first + n)
            terms.append(
                f'("{column}" IS NOT NULL AND substr("{column}", 1, {len(prefix)}) <> {mark})'
            )
            values.append(prefix)
        return " OR ".join(terms), values

    def count(self, prefix: str) -> tuple[str, list[Any]]:
        where, values = self.stale(prefix, 1)
        return f'SELECT COUNT(*) AS "n" FROM "{self.entry.table}" WHERE {where}', values

    def page(self, prefix: str, after: Any, batch: int) -> tuple[str, list[Any]]:
        """The next ``batch`` stale rows by primary key, after ``after`` (None: from the start)."""
        e = self.entry
        columns = ", ".join(f'"{e.column(n)}"' for n in e.fields)
        where, values = self.stale(prefix, 1)
        if after is not None:
            where = f'({where}) AND "{e.pk}" > {self.mark(len(values) + 1)}'
            values.append(after)
        sql = (
            f'SELECT "{e.pk}" AS "pk", {columns} FROM "{e.table}" '
            f'WHERE {where} ORDER BY "{e.pk}" LIMIT {int(batch)}'
        )
        return sql, values

    def swap(self, column: str) -> str:
        """Set ``column`` to a new value where the row still holds the value read."""
        return (
            f'UPDATE "{self.entry.table}" SET "{column}" = {self.mark(1)} '
            f'WHERE "{self.entry.pk}" = {self.mark(2)} AND "{column}" = {self.mark(3)}'
        )


def _current_prefix() -> str:
    return f"{cipher().current}:"


async def stale_count() -> dict[str, int]:
    """Per table, how many rows still hold a value under a key other than the current one
    (or plain JSON)."""
    prefix = _current_prefix()
    counts = {}
    for entry in encrypted_models():
        conn = entry.model._meta.db
        sql, values = _Sql(entry, conn).count(prefix)
        rows = await conn.execute_query_dict(sql, values)
        counts[entry.table] = int(rows[0]["n"])
    return counts


async def stale_rows(
    entry: Encrypted, *, after: Any = None, batch: int = BATCH
) -> list[dict[str, Any]]:
    """Up to ``batch`` rows with a value not under the current key, by primary key after
    ``after``: ``{"pk": ..., <column>: <stored text>, ...}``."""
    conn = entry.model._meta.db
    query, values = _Sql(entry, conn).page(_current_prefix(), after, batch)
    return list(await conn.execute_query_dict(query, values))


async def rewrite(entry: Encrypted, rows: Sequence[dict[str, Any]]) -> int:
    """Re-encrypt ``rows``' stale values (as :func:`stale_rows` read them) in one
    transaction; how many rows changed. A value no longer as read is left alone."""
    prefix = _current_prefix()
    changed = 0
    async with in_transaction() as conn:
        sql = _Sql(entry, conn)
        for row in rows:
            touched = False
            for name in entry.fields:
                column = entry.column(name)
                stored = row[column]
                if stored is None or stored.startswith(prefix):
                    continue
                new = entry.reseal(name, stored)
                # Not as read: written since, under the current key (servers restarted
                # with it before the rotation), so there is nothing to do.
                updated, _ = await conn.execute_query(sql.swap(column), [new, row["pk"], stored])
                touched = touched or bool(updated)
            changed += touched
    return changed


async def rotate(*, batch: int = BATCH) -> dict[str, int]:
    """Re-encrypt every stale row under the current key; rows rewritten, per table."""
    done: dict[str, int] = {}
    for entry in encrypted_models():
        done[entry.table] = 0
        # Forwards by primary key: each row is visited once, so a value that a server
        # still running with the old key writes again is left for the next run
        # (``talent keys status`` shows it) instead of being chased forever.
        after: Any = None
        while rows := await stale_rows(entry, after=after, batch=batch):
            after = rows[-1]["pk"]
            done[entry.table] += await rewrite(entry, rows)
            logger.info("re-encrypted %s rows of %s", done[entry.table], entry.table)
    return done
