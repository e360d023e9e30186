"""Fixed SQL for the reads on every request's path, turned into model instances.

Why: the session behind a signed-in request and the application detail an applicant
reloads are read on nearly every request. Built as querysets, tortoise-orm spent about
three times longer composing each statement (pypika), joining ``select_related`` rows
and converting them than the database spent answering it (docs/performance.md). Here
such a read is SQL text written once per dialect, sent through the ORM's own connection
(its pool, the current transaction and the statement log still apply), and its rows
become model instances as tortoise's ``Model._init_from_db`` makes them (:func:`instance`).

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
    return _builder_of(model)(row)  # type: ignore[return-value]


def instances(model: type[M], rows: Iterable[Mapping[str, Any]]) -> list[M]:
    build = _builder_of(model)
    return [build(row) for row in rows]  # type: ignore[misc]


# Per model, made on first use after the database is opened: tortoise sorts a model's
# columns by what the driver of the database opened converts itself (``Tortoise.init``).
_builders: dict[type[Model], Callable[[Mapping[str, Any]], Model]] = {}


def forget_builders() -> None:
    """Called when a database is opened (core/db.py), which re-sorts every model's columns."""
    _builders.clear()


def _builder_of(model: type[Model]) -> Callable[[Mapping[str, Any]], Model]:
    build = _builders.get(model)
    if build is None:
        build = _builders[model] = _builder(model)
    return build


def _builder(model: type[Model]) -> Callable[[Mapping[str, Any]], Model]:
    """What ``model._init_from_db(**row)`` does, with its per-row work done once.

    ``_init_from_db`` takes the row as keyword arguments, and spreading an asyncpg
    record into them costs as much as building the instance; the detail builds a dozen
    per request. The same attributes are set the same way, which
    tests/test_fixed_sql.py checks against ``_init_from_db`` for every model, so a
    tortoise-orm release that changes them fails there. A row without one of the
    columns goes the ORM's own way.
    """
    meta = model._meta
    native = tuple((key, name) for key, name, _ in meta.db_native_fields)
    typed = tuple((key, name, field.field_type) for key, name, field in meta.db_default_fields)
    converted = tuple(
        (key, name, field.to_python_value) for key, name, field in meta.db_complex_fields
    )
    state = {
        "_partial": False,
        "_saved_in_db": True,
        "_custom_generated_pk": meta.db_pk_column not in meta.generated_db_fields,
    }
    new = object.__new__

    def build(row: Mapping[str, Any]) -> Model:
        made = new(model)
        # Set as _init_from_db sets them: past Model.__setattr__, which only matters
        # for changes after loading.
        attributes = made.__dict__
        attributes.update(state)
        attributes["_await_when_save"] = {}
        try:
            for key, name in native:
                attributes[name] = row[key]
            for key, name, kind in typed:
                value = row[key]
                attributes[name] = value if value is None else kind(value)
            for key, name, convert in converted:
                attributes[name] = convert(row[key])
        except (KeyError, IndexError):  # asyncpg's records raise the one, sqlite3's the other
            return model._init_from_db(**row)
        return made

    return build


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
        return instances(child, json.loads(value))
    return instances(child, value)  # PostgreSQL: records decoded with their columns' types
