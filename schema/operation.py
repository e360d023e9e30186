"""What every GraphQL operation goes through around its resolvers, in one extension.

Before: the document is parsed with the token limit and validated with the query-limit
rules (schema/limits.py), both cached by the query's text, so a client's repeated
operation is neither parsed nor validated again; strawberry then finds both done.
After: errors raised by resolvers are masked (``Unexpected error.``; typed
``DomainError`` and parse/validation errors stay readable, schema/errors.py) and the
operation's latency is recorded by name and type.

Why one extension and not strawberry's ``ParserCache``, ``ValidationCache``,
``AddValidationRules`` and ``MaskErrors`` side by side: strawberry enters and leaves
every extension's hooks on every operation, and five of them cost about as much as
executing ``{ __typename }`` (docs/performance.md). ``ValidationCache`` also keys on the
parsed document, whose hash walks the whole tree on every request; the text is hashed
once.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from functools import lru_cache

from graphql import DocumentNode, GraphQLError, GraphQLSchema, ValidationRule, parse
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document
from strawberry.types import ExecutionContext

from core.metrics import OPERATION_SECONDS, operation_label
from schema.limits import MASKED_MESSAGE, Limits, NoIntrospectionRule, limits_rule

# Distinct query texts kept parsed and validated. Bounded: a public endpoint must not
# grow memory with every new text a client invents.
CACHED_OPERATIONS = 256


@lru_cache(maxsize=CACHED_OPERATIONS)
def _parsed(query: str, max_tokens: int) -> DocumentNode:
    # A syntax error is raised again on each request: lru_cache keeps only results.
    return parse(query, max_tokens=max_tokens)


@lru_cache(maxsize=CACHED_OPERATIONS)
def _validated(
    schema: GraphQLSchema,
    query: str,
    max_tokens: int,
    rules: tuple[type[ValidationRule], ...],
) -> list[GraphQLError]:
    return validate_document(schema, _parsed(query, max_tokens), rules)


class OperationPipeline(SchemaExtension):
    """Cached parse and validation with the query limits, error masking, latency."""

    def __init__(
        self,
        limits: Limits,
        rules: tuple[type[ValidationRule], ...],
        should_mask: Callable[[GraphQLError], bool],
    ) -> None:
        self.limits = limits
        self.rules = rules
        self.should_mask = should_mask

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        context.validation_rules = (*context.validation_rules, *self.rules)
        self._prepare(context)
        started = time.perf_counter()
        try:
            yield
        finally:
            result = context.result
            errors = getattr(result, "errors", None)
            if errors:
                result.errors = [self._masked(e) for e in errors]  # type: ignore[union-attr]
            label, kind = "-", "invalid"
            if not errors or getattr(result, "data", None):
                label, kind = operation_label(context.operation_name), _operation_kind(context)
            OPERATION_SECONDS.labels(operation=label, type=kind).observe(
                time.perf_counter() - started
            )

    def _prepare(self, context: ExecutionContext) -> None:
        """Parse and validate from the caches before strawberry would: it skips both
        for a context that holds a document and its validation errors. Done here, and
        not in ``on_parse`` and ``on_validate``, because strawberry wraps every hook an
        extension has in new context managers on every operation."""
        # A document that does not parse is parsed again by strawberry, with the same
        # token limit, which reports the error as it reports its own.
        context.parse_options = {"max_tokens": self.limits.max_tokens}
        if context.graphql_document is not None or not context.query:
            return
        try:
            context.graphql_document = _parsed(context.query, self.limits.max_tokens)
        except GraphQLError:
            return
        if context.pre_execution_errors is None:
            context.pre_execution_errors = _validated(
                context.schema._schema,
                context.query,
                self.limits.max_tokens,
                tuple(context.validation_rules),
            )

    def _masked(self, error: GraphQLError) -> GraphQLError:
        if not self.should_mask(error):
            return error
        return GraphQLError(
            MASKED_MESSAGE,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            original_error=None,
        )


def _operation_kind(context: object) -> str:
    try:
        kind = context.operation_type  # type: ignore[attr-defined]
    except Exception:  # no document, or no such operation in it
        return "invalid"
    return str(getattr(kind, "value", kind))


def operation_extensions(
    limits: Limits, should_mask: Callable[[GraphQLError], bool]
) -> list[Callable[[], SchemaExtension]]:
    """The schema's extension factory. The rule classes are built here, once: the
    validation cache keys on them, and classes made per request would miss it."""
    rules: tuple[type[ValidationRule], ...] = (limits_rule(limits),)
    if not limits.introspection:
        rules += (NoIntrospectionRule,)
    return [lambda: OperationPipeline(limits, rules, should_mask)]
