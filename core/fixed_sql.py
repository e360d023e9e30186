"""Fixed SQL for the reads on every request's path, turned into model instances.

Why: the session behind a signed-in request and the application detail an applicant
reloads are read on nearly every request. Built as querysets, tortoise-orm spent about
three times longer composing each statement (pypika), joining ``select_related`` rows
and converting them than the database spent answering it (docs/performance.md). Here
such a read is SQL text written once per dialect, sent through the ORM's own connection
(its pool, the current transaction and the statement log still apply), and its rows
become model instances through ``Model._init_from_db``, as tortoise turns its own rows.

Child rows travel inside their parent's row, so a detail costs one statement however
many children it has (:func:`children_column`): on PostgreSQL as an array of the child
table's row type, which asyncpg decodes column by column with each column's own type;
on SQLite as a JSON array of objects holding the stored values as a row would (text,
numbers, null), converted as tortoise converts a row (:func:`children`). A ``TEXT``
column, an encrypted field's ciphertext included, arrives as text on both.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from tortoise.models import Model

M = TypeVar("M", bound=Model)
_PLACEHOLDER = re.compile(r"\$\d+")


class Statement:
    """One read's SQL, written by ``build(dialect)`` with ``$1, $2, ...`` placeholders in
    order of use (SQLite's text gets ``?`` for each).

    Built on first use, not at import: tortoise-orm completes a model's columns with its
    foreign keys (``application_id``, ...) only in ``Tortoise.init``. A list argument is
    a set to match: PostgreSQL binds it whole (``= ANY($1)``); on SQLite write
    ``IN ({in})``, which becomes one ``?`` per value.
    """

    def __init__(self, build: Callable[[str], str]) -> None:
        self._build = build
        self._texts: dict[str, str] = {}

    def text(self, dialect: str, *, list_length: int = 0) -> str:
        text = self._texts.get(dialect)
        if text is None:
            text = self._build(dialect)
            if dialect != "postgres":
                text = _PLACEHOLDER.sub("?", text)
            self._texts[dialect] = text
        if "{in}" in text:
            return text.replace("{in}", ", ".join("?" * list_length))
        return text


async def fetch(
    model: type[Model], statement: Statement, *values: Any
) -> Sequence[Mapping[str, Any]]:
    """The rows ``statement`` answers, read through ``model``'s connection.

    A list value (at most one) is a set to match: bound whole on PostgreSQL, spread
    over ``{in}`` on SQLite.
    """
    # Looked up once: tortoise finds the connection (or the current transaction's)
    # through context variables on every access.
    connection = model._meta.db
    kind = str(connection.capabilities.dialect)
    sizes = [len(v) for v in values if isinstance(v, list)]
    sql = statement.text(kind, list_length=sizes[0] if sizes else 0)
    if kind != "postgres":
        values = tuple(x for v in values for x in (v if isinstance(v, list) else [v]))
    _, rows = await connection.execute_query(sql, list(values))
    return rows


def instance(model: type[M], row: Mapping[str, Any]) -> M:
    """A model instance from a row holding every column of ``model``'s table (other
    columns, such as a :func:`children_column`, are ignored)."""
    return model._init_from_db(**row)


def instances(model: type[M], rows: Iterable[Mapping[str, Any]]) -> list[M]:
    return [instance(model, row) for row in rows]


def children_column(child: type[Model], foreign_key: str, parent: str, kind: str) -> str:
    """A subquery for a select list: ``child``'s rows whose ``foreign_key`` column equals
    ``parent`` (a column of the outer query, e.g. ``a.id``), oldest first, as one value
    that :func:`children` reads."""
    table = child._meta.db_table
    if kind == "postgres":
        return f'ARRAY(SELECT c FROM "{table}" c WHERE c."{foreign_key}" = {parent} ORDER BY c.id)'
    pairs = ", ".join(f"'{c}', c.\"{c}\"" for c in child._meta.fields_db_projection.values())
    return (
        f"(SELECT json_group_array(json_object({pairs})) FROM "
        f'(SELECT * FROM "{table}" WHERE "{foreign_key}" = {parent} ORDER BY id) c)'
    )


def children(child: type[M], value: Any) -> list[M]:
    """Model instances from a :func:`children_column` value of either dialect."""
    if value is None:
        return []
    if isinstance(value, str):
        # SQLite: each object holds the stored values as a row of the table would, so
        # they are converted as tortoise converts such a row.
        return [child._init_from_db(**raw) for raw in json.loads(value)]
    return instances(child, value)  # PostgreSQL: records decoded with their columns' types
