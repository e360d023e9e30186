"""Expected failures in the schema: one ``OperationError`` type with a stable code."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TypeVar

import strawberry
from graphql import GraphQLError
from strawberry.scalars import JSON

from core.errors import DomainError
from core.errors import ErrorCode as CoreErrorCode
from core.metrics import count_error

# Registers the core enum with strawberry; fields are annotated with the core type.
strawberry.enum(CoreErrorCode, name="ErrorCode", description="Machine-readable error codes.")


@strawberry.type(description="An expected failure: show `message`, act on `code`.")
class OperationError:
    code: CoreErrorCode
    message: str
    field: str | None = strawberry.field(description="The input field at fault, if one is.")
    retry_after_seconds: int | None = strawberry.field(
        description="When to try again (locked account, rate limit)."
    )
    details: JSON | None

    @classmethod
    def of(cls, error: DomainError) -> OperationError:
        count_error(error.code.value, "operation")
        return cls(
            code=error.code,
            message=error.message,
            field=error.field,
            retry_after_seconds=error.retry_after_seconds,
            details=JSON(error.details) if error.details else None,
        )


T = TypeVar("T")


async def attempt(work: Awaitable[T]) -> T | OperationError:
    """Await ``work``; an expected failure becomes an ``OperationError`` result."""
    try:
        return await work
    except DomainError as error:
        return OperationError.of(error)


def is_unexpected(error: GraphQLError) -> bool:
    """Mask errors raised by resolvers; keep parse and validation errors readable, and
    a ``DomainError`` that escaped a resolver (it is typed: schema/limits.py gives it
    its code in ``extensions``)."""
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError | DomainError)
