"""``talent keys rotate``: re-encrypt personal data under the current data key.

Rotation (README: Keys and their rotation) adds a key to ``TALENT_DATA_KEYS``, points
``TALENT_DATA_KEY_ID`` at it and restarts the servers: from then on new values are
written under it and old ones still read under their own key id. This command then
walks every encrypted column, batch by batch, and rewrites the values still under
another key; when it reports nothing left, the old key can be removed. It is safe
beside running servers (each batch is its own short transaction, a row is rewritten
through the ORM like any save) and safe to stop and run again.

The lookup hashes do not change: they are keyed by ``TALENT_LOOKUP_KEY``, not by the
data keys.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from tortoise import Tortoise
from tortoise.expressions import Q
from tortoise.models import Model
from tortoise.transactions import in_transaction

from core.crypto import EncryptedTextField, cipher

logger = logging.getLogger("talent.keys")

BATCH = 500


@dataclass(frozen=True)
class Encrypted:
    model: type[Model]
    fields: tuple[str, ...]


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


def _stale(fields: tuple[str, ...], prefix: str) -> Q:
    """Rows with a value under another key (a prefix filter: it compares stored text)."""
    q = Q()
    for name in fields:
        present: dict[str, Any] = {f"{name}__isnull": False}
        current: dict[str, Any] = {f"{name}__startswith": prefix}
        q |= Q(**present) & ~Q(**current)
    return q


async def stale_count() -> dict[str, int]:
    """Per table, how many rows still hold a value under a key other than the current one."""
    prefix = f"{cipher().current}:"
    return {
        e.model._meta.db_table: await e.model.filter(_stale(e.fields, prefix)).count()
        for e in encrypted_models()
    }


async def rotate(*, batch: int = BATCH) -> dict[str, int]:
    """Re-encrypt every stale row under the current key; rows rewritten, per table."""
    prefix = f"{cipher().current}:"
    done: dict[str, int] = {}
    for entry in encrypted_models():
        table = entry.model._meta.db_table
        done[table] = 0
        rewritten: set[object] = set()
        while True:
            rows = await entry.model.filter(_stale(entry.fields, prefix)).limit(batch)
            if not rows:
                break
            if any(row.pk in rewritten for row in rows):
                # Never loop: a rewritten row must have left the stale set.
                raise RuntimeError(f"{table}: a re-encrypted row is still under an old key")
            rewritten.update(row.pk for row in rows)
            async with in_transaction() as conn:
                for row in rows:
                    # Loading decrypted under the old key, saving encrypts under the new.
                    await row.save(using_db=conn, update_fields=list(entry.fields))
            done[table] += len(rows)
            logger.info("re-encrypted %s rows of %s", done[table], table)
    return done
