"""Child rows read inside their parent's statement, as one JSON array per parent row.

Why: a detail view (an application with its materials, a session with its role grants)
would otherwise cost one SQL statement per relation, and a request's statements are
counted (docs/performance.md). A correlated subquery aggregates the children into a
JSON array (PostgreSQL ``json_agg``, SQLite ``json_group_array``) and :func:`rows_from_json`
turns it back into model instances through each field's own ``to_python_value``, so they
read like rows the ORM loaded. Only for models whose columns the database stores as they
are read (no field that decrypts or decodes on the way out beyond the ORM's own types).
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

from tortoise.expressions import RawSQL
from tortoise.models import Model

M = TypeVar("M", bound=Model)


def _dialect(model: type[Model]) -> str:
    return str(model._meta.db.capabilities.dialect)


def children_json(child: type[Model], foreign_key: str, parent: str) -> RawSQL:
    """A subquery: ``child``'s rows whose ``foreign_key`` column equals ``parent``
    (a qualified column of the outer query, e.g. ``"sessions"."user_id"``), oldest first,
    as JSON text (``[]`` when there are none)."""
    table = child._meta.db_table
    where = f'"{foreign_key}" = {parent}'
    if _dialect(child) == "postgres":
        return RawSQL(
            f"(SELECT COALESCE(json_agg(c ORDER BY c.\"id\"), '[]'::json)::text "
            f'FROM "{table}" c WHERE c.{where})'
        )
    columns = ", ".join(f"'{c}', c.\"{c}\"" for c in child._meta.fields_db_projection.values())
    return RawSQL(
        f"(SELECT json_group_array(json_object({columns})) "
        f'FROM (SELECT * FROM "{table}" WHERE {where} ORDER BY "id") c)'
    )


def rows_from_json(child: type[M], text: str | None) -> list[M]:
    """Model instances from :func:`children_json`'s text, each value converted by its field."""
    meta = child._meta
    rows: list[M] = []
    for raw in json.loads(text or "[]"):
        values: dict[str, Any] = {}
        for name, column in meta.fields_db_projection.items():
            value = raw.get(column)
            values[column] = meta.fields_map[name].to_python_value(value)
        rows.append(child._init_from_db(**values))
    return rows
