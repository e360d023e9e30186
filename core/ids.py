"""Record ids as clients send them (GraphQL ``ID``: text).

Every table's id is a 32-bit integer column. A text that is not a whole number in
1..2^31-1 names nothing: it is answered like an unknown id, never sent to the database,
where PostgreSQL refuses a number past the column's range with an error of its own.
"""

from __future__ import annotations

from core.errors import DomainError, ErrorCode

MAX_ID = 2**31 - 1


def parse_id(value: object) -> int | None:
    """The id ``value`` names, or None when no row can have it."""
    if isinstance(value, bool):
        return None
    try:
        key = int(str(value).strip())
    except ValueError:
        return None
    return key if 1 <= key <= MAX_ID else None


def known_id(value: object, message: str, *, field: str) -> int:
    """The id ``value`` names; NOT_FOUND (``message``, ``field``) when none can be."""
    key = parse_id(value)
    if key is None:
        raise DomainError(ErrorCode.NOT_FOUND, message, field=field)
    return key
