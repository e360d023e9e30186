"""What every GraphQL operation goes through around its resolvers.

Before: the document is parsed with the token limit and validated with the query-limit
rules (schema/limits.py), both cached by the query's text, so a client's repeated
operation is neither parsed nor validated again. After: errors raised by resolvers are
masked (``Unexpected error.``; typed ``DomainError`` and parse/validation errors stay
readable, schema/errors.py) and the operation's latency is recorded by name and type.

:class:`Pipeline` holds these steps. Queries and mutations run them from
:class:`TalentSchema`'s ``execute``, with no strawberry extension at all;
subscriptions, which strawberry runs its own way, through :class:`OperationPipeline`.
Why not strawberry's ``ParserCache``, ``ValidationCache``, ``AddValidationRules`` and
``MaskErrors``: strawberry enters and leaves every extension's hooks on every
operation (docs/performance.md), and ``ValidationCache`` keys on the parsed document,
whose hash walks the whole tree on every request; the text is hashed once.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterable, Iterator
from functools import lru_cache
from typing import Any, cast

import strawberry
from graphql import (
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    ValidationRule,
    execute,
    parse,
)
from graphql import ExecutionResult as GraphQLExecutionResult
from strawberry.exceptions import MissingQueryError
from strawberry.execution.is_awaitable import optimized_is_awaitable
from strawberry.extensions import SchemaExtension
from strawberry.schema._graphql_core import execution_context_class_kwargs
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.schema.schema import (
    DEFAULT_ALLOWED_OPERATION_TYPES,
    _coerce_error,
    validate_document,
)
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.graphql import OperationType

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


class Pipeline:
    """The steps every operation takes, for the two ways operations run:
    :class:`TalentSchema` for queries and mutations, :class:`OperationPipeline` (an
    extension) for subscriptions. The rule classes are built here, once: the validation
    cache keys on them, and classes made per request would miss it."""

    def __init__(self, limits: Limits, should_mask: Callable[[GraphQLError], bool]) -> None:
        self.limits = limits
        self.should_mask = should_mask
        rules: tuple[type[ValidationRule], ...] = (limits_rule(limits),)
        if not limits.introspection:
            rules += (NoIntrospectionRule,)
        self.rules = rules

    def prepare(self, context: ExecutionContext) -> None:
        """Parse and validate from the caches, leaving the document and its validation
        errors on the context (strawberry skips both steps for a context that has them).
        A document that does not parse is left to strawberry's own parse, with the same
        token limit, which reports the error as it reports its own."""
        context.validation_rules = (*context.validation_rules, *self.rules)
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

    def finish(self, context: ExecutionContext, result: Any, started: float) -> None:
        """Mask the result's unexpected errors and record the operation's latency."""
        errors = getattr(result, "errors", None)
        if errors:
            result.errors = [self._masked(e) for e in errors]
        label, kind = "-", "invalid"
        if not errors or getattr(result, "data", None):
            label, kind = operation_label(context.operation_name), _operation_kind(context)
        OPERATION_SECONDS.labels(operation=label, type=kind).observe(time.perf_counter() - started)

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


class OperationPipeline(SchemaExtension):
    """The pipeline as strawberry's extension, around each subscription."""

    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        self.pipeline.prepare(context)
        started = time.perf_counter()
        try:
            yield
        finally:
            self.pipeline.finish(context, context.result, started)


class TalentSchema(strawberry.Schema):
    """strawberry's schema, whose queries and mutations run the pipeline directly.

    Why not through the extension: strawberry builds an extension runner for every
    operation, with a context manager and an exit stack for each of its four stages;
    for ``{ __typename }`` that was a sixth of the request, for the application detail
    a twentieth (docs/performance.md). This ``execute`` takes strawberry's own steps, in
    its order, with its errors (schema/schema.py, ``Schema.execute``), and no extension
    runs for it: a schema given extensions (``extensions=``) is refused, since they would
    silently not run. Subscriptions still go through strawberry's pipeline, with
    :class:`OperationPipeline`.
    """

    def __init__(self, *args: Any, pipeline: Pipeline, **kwargs: Any) -> None:
        if kwargs.pop("extensions", None):
            raise ValueError("TalentSchema runs no extension for queries and mutations")

        def for_subscriptions() -> SchemaExtension:
            return OperationPipeline(pipeline)

        kwargs["extensions"] = [for_subscriptions]
        super().__init__(*args, **kwargs)
        self.pipeline = pipeline

    async def execute(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionResult:
        started = time.perf_counter()
        # strawberry lets a transport ask for subscriptions here (its multipart protocol);
        # ``execute`` cannot run one, and ours come over the websocket (``subscribe``).
        allowed = set(allowed_operation_types or DEFAULT_ALLOWED_OPERATION_TYPES)
        context = self._create_execution_context(
            query=query,
            allowed_operation_types=allowed - {OperationType.SUBSCRIPTION},
            variable_values=variable_values,
            context_value=context_value,
            root_value=root_value,
            operation_name=operation_name,
            operation_extensions=operation_extensions,
        )
        try:
            result = await self._run(context, operation_name, operation_extensions)
        except (MissingQueryError, CannotGetOperationTypeError, InvalidOperationTypeError):
            raise  # the HTTP view answers these with a 4xx
        except Exception as error:  # as strawberry does: an error result, then masked
            result = ExecutionResult(data=None, errors=[_coerce_error(error)])
            self._process_errors(result.errors or [], context)
        context.result = result
        self.pipeline.finish(context, result, started)
        return result

    async def _run(
        self,
        context: ExecutionContext,
        operation_name: str | None,
        operation_extensions: dict[str, Any] | None,
    ) -> ExecutionResult:
        if not context.query:
            raise MissingQueryError
        self.pipeline.prepare(context)
        if context.graphql_document is None:
            try:
                context.graphql_document = parse(context.query, **context.parse_options)
            except GraphQLError as error:
                self._process_errors([error], context)
                return ExecutionResult(data=None, errors=[error])
        if operation_name is None and _operation_count(context.graphql_document) > 1:
            # The GraphQL specification's rule (GetOperation); strawberry would pick the
            # first operation, so a document of a mutation and a query sent without a
            # name ran the mutation.
            unnamed = GraphQLError(
                "Must provide operation name if query contains multiple operations."
            )
            self._process_errors([unnamed], context)
            return ExecutionResult(data=None, errors=[unnamed])
        try:
            operation_type = context.operation_type
        except RuntimeError as error:
            raise CannotGetOperationTypeError(context.operation_name) from error
        if operation_type not in context.allowed_operations:
            raise InvalidOperationTypeError(operation_type)
        if context.pre_execution_errors:
            self._process_errors(context.pre_execution_errors, context)
            return ExecutionResult(data=None, errors=context.pre_execution_errors)
        outcome = execute(
            self._schema,
            context.graphql_document,
            root_value=context.root_value,
            variable_values=context.variables,
            operation_name=context.operation_name,
            context_value=context.context,
            # strawberry's faster test, typed as a plain predicate
            is_awaitable=optimized_is_awaitable,  # type: ignore[arg-type]
            **execution_context_class_kwargs(self.execution_context_class),
            **self._get_custom_context_kwargs(operation_extensions),
        )
        if optimized_is_awaitable(outcome):
            outcome = await cast("Awaitable[GraphQLExecutionResult]", outcome)
        done = cast("GraphQLExecutionResult", outcome)
        if done.errors:
            self._process_errors(done.errors, context)
        return ExecutionResult(data=done.data, errors=done.errors)


def _operation_count(document: DocumentNode) -> int:
    return sum(isinstance(d, OperationDefinitionNode) for d in document.definitions)


def _operation_kind(context: object) -> str:
    try:
        kind = context.operation_type  # type: ignore[attr-defined]
    except Exception:  # no document, or no such operation in it
        return "invalid"
    return str(getattr(kind, "value", kind))
