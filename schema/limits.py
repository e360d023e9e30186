"""Query limits, checked while the document is parsed and validated, before any resolver.

One validation rule measures each operation once (depth, aliases, estimated cost);
schema/operation.py adds it to every operation's validation, with the parser's token
limit and, in production, the rule that refuses introspection.

Every refusal carries ``extensions.code`` (``QUERY_TOO_DEEP``, ``TOO_MANY_ALIASES``,
``QUERY_TOO_COMPLEX``, ``QUERY_TOO_LARGE``, ``INTROSPECTION_DISABLED``); the extension
also gives the other errors a code, so a client can always act on one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLSyntaxError,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
    VariableNode,
)
from graphql.type.definition import GraphQLInterfaceType, GraphQLNamedType, GraphQLOutputType
from graphql.validation import NoSchemaIntrospectionCustomRule

from core.errors import DomainError, ErrorCode
from core.metrics import count_error
from core.settings import Settings

# The standard introspection query (graphql-js 16, graphql-core 3.3, so GraphiQL's) nests
# 15 fields deep through ``ofType``; its subtree is held to this depth, not the data's.
INTROSPECTION_DEPTH = 15
INTROSPECTION_FIELDS = frozenset({"__schema", "__type"})
# Arguments that size a page of a list field (core/paging.py uses ``first``).
PAGE_ARGUMENTS = ("first", "last", "limit", "pageSize")
MASKED_MESSAGE = "Unexpected error."
_SUGGESTION = re.compile(r"\s*Did you mean .*$", re.DOTALL)


@dataclass(frozen=True)
class Limits:
    max_depth: int
    max_aliases: int
    max_tokens: int
    max_cost: int
    default_list_size: int
    max_list_size: int
    introspection: bool
    field_suggestions: bool

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        return cls(
            max_depth=settings.query_max_depth,
            max_aliases=settings.query_max_aliases,
            max_tokens=settings.query_max_tokens,
            max_cost=settings.query_max_cost,
            default_list_size=settings.query_default_list_size,
            max_list_size=settings.query_max_list_size,
            introspection=settings.introspection_enabled,
            field_suggestions=settings.field_suggestions_enabled,
        )


@dataclass
class Measure:
    """Of a selection set: how deep it nests, its aliases, and its estimated cost (the
    objects it may return: an object field counts 1, a list field its size, each times
    what the object selects)."""

    depth: int = 0
    introspection_depth: int = 0
    aliases: int = 0
    cost: int = 0


def _coded(message: str, node: Any, code: ErrorCode, **details: Any) -> GraphQLError:
    return GraphQLError(message, node, extensions={"code": code.value, **details})


class _Measurer:
    """Walks one operation with the schema's types. Fragments are measured once each
    (a fragment spread a thousand times is not walked a thousand times), and a
    fragment cycle counts as nothing (graphql-core's own rule reports it)."""

    def __init__(self, context: ValidationContext, limits: Limits) -> None:
        self.schema: GraphQLSchema = context.schema
        self.context = context
        self.limits = limits
        self.fragments: dict[str, Measure] = {}
        self.in_progress: set[str] = set()
        self.variable_defaults: dict[str, int] = {}

    def operation(self, node: OperationDefinitionNode) -> Measure:
        for definition in node.variable_definitions or ():
            if isinstance(definition.default_value, IntValueNode):
                self.variable_defaults[definition.variable.name.value] = int(
                    definition.default_value.value
                )
        root = self.schema.get_root_type(node.operation)
        return self.selection_set(node.selection_set, root, top=True)

    def list_size(self, field: FieldNode) -> int:
        for argument in field.arguments or ():
            if argument.name.value not in PAGE_ARGUMENTS:
                continue
            value = argument.value
            if isinstance(value, IntValueNode):
                return max(0, int(value.value))
            if isinstance(value, VariableNode):
                # Unknown until execution: the default, else the largest page allowed.
                return self.variable_defaults.get(value.name.value, self.limits.max_list_size)
        return self.limits.default_list_size

    def multiplier(self, field: FieldNode, output: GraphQLOutputType) -> int:
        factor = 1
        kind: Any = output
        while isinstance(kind, GraphQLNonNull | GraphQLList):
            if isinstance(kind, GraphQLList):
                factor *= self.list_size(field)
            kind = kind.of_type
        return factor

    def selection_set(
        self, node: SelectionSetNode, parent: GraphQLNamedType | None, *, top: bool = False
    ) -> Measure:
        total = Measure()
        for selection in node.selections:
            if isinstance(selection, FieldNode):
                self.field(selection, parent, total, top=top)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                scope = self.schema.get_type(condition.name.value) if condition else parent
                self.merge(total, self.selection_set(selection.selection_set, scope, top=top))
            elif isinstance(selection, FragmentSpreadNode):
                self.merge(total, self.fragment(selection.name.value))
        return total

    @staticmethod
    def merge(total: Measure, part: Measure) -> None:
        total.depth = max(total.depth, part.depth)
        total.introspection_depth = max(total.introspection_depth, part.introspection_depth)
        total.aliases += part.aliases
        total.cost += part.cost

    def field(
        self, node: FieldNode, parent: GraphQLNamedType | None, total: Measure, *, top: bool
    ) -> None:
        total.aliases += 1 if node.alias else 0
        name = node.name.value
        definition = None
        if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
            definition = parent.fields.get(name)
        if name in INTROSPECTION_FIELDS:
            # Bounded by the schema's size and refused in production: its depth is
            # checked against INTROSPECTION_DEPTH, its cost is not estimated.
            inner = self.selection_set(node.selection_set, None) if node.selection_set else None
            depth = 1 + (max(inner.depth, inner.introspection_depth) if inner else 0)
            total.aliases += inner.aliases if inner else 0
            if top:
                total.introspection_depth = max(total.introspection_depth, depth)
            else:
                total.depth = max(total.depth, depth)
            return
        if node.selection_set is None:
            total.depth = max(total.depth, 1)  # a leaf: returns no object, costs nothing
            return
        child: GraphQLNamedType | None = None
        factor = 1
        if definition is not None:
            factor = self.multiplier(node, definition.type)
            child = _named(definition.type)
        inner = self.selection_set(node.selection_set, child)
        total.depth = max(total.depth, 1 + inner.depth)
        total.introspection_depth = max(total.introspection_depth, inner.introspection_depth)
        total.aliases += inner.aliases
        # Each of the ``factor`` objects, and what each of them selects.
        total.cost += factor * (1 + inner.cost)

    def fragment(self, name: str) -> Measure:
        if name in self.fragments:
            return self.fragments[name]
        definition: FragmentDefinitionNode | None = self.context.get_fragment(name)
        if definition is None or name in self.in_progress:
            return Measure()
        self.in_progress.add(name)
        scope = self.schema.get_type(definition.type_condition.name.value)
        measure = self.selection_set(definition.selection_set, scope)
        self.in_progress.discard(name)
        self.fragments[name] = measure
        return measure


def _named(output: GraphQLOutputType) -> GraphQLNamedType | None:
    kind: Any = output
    while isinstance(kind, GraphQLNonNull | GraphQLList):
        kind = kind.of_type
    return kind if isinstance(kind, GraphQLNamedType) else None


def limits_rule(limits: Limits) -> type[ValidationRule]:
    """The rule measuring each operation against ``limits``; build it once."""

    class QueryLimitsRule(ValidationRule):
        def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
            measure = _Measurer(self.context, limits).operation(node)
            introspection_limit = max(limits.max_depth, INTROSPECTION_DEPTH)
            if measure.depth > limits.max_depth or (
                measure.introspection_depth > introspection_limit
            ):
                self.report_error(
                    _coded(
                        f"查询嵌套过深（上限 {limits.max_depth} 层）",
                        node,
                        ErrorCode.QUERY_TOO_DEEP,
                        limit=limits.max_depth,
                    )
                )
            if measure.aliases > limits.max_aliases:
                self.report_error(
                    _coded(
                        f"查询使用了 {measure.aliases} 个别名（上限 {limits.max_aliases} 个）",
                        node,
                        ErrorCode.TOO_MANY_ALIASES,
                        limit=limits.max_aliases,
                    )
                )
            if measure.cost > limits.max_cost:
                self.report_error(
                    _coded(
                        f"查询过于复杂（估算 {measure.cost}，上限 {limits.max_cost}）",
                        node,
                        ErrorCode.QUERY_TOO_COMPLEX,
                        cost=measure.cost,
                        limit=limits.max_cost,
                    )
                )

    return QueryLimitsRule


class NoIntrospectionRule(NoSchemaIntrospectionCustomRule):
    """graphql-core's rule, with a code on its error."""

    def report_error(self, error: GraphQLError) -> None:
        super().report_error(
            _coded("此环境已关闭内省查询", error.nodes, ErrorCode.INTROSPECTION_DISABLED)
        )


def _code_of(error: GraphQLError, executed: bool) -> str:
    """The ``extensions.code`` for an error that has none yet."""
    original = error.original_error
    if isinstance(original, DomainError):
        return original.code.value
    if isinstance(error, GraphQLSyntaxError):
        if "tokens" in error.message and "Parsing aborted" in error.message:
            return ErrorCode.QUERY_TOO_LARGE.value
        return ErrorCode.GRAPHQL_PARSE_FAILED.value
    if error.path is None and not executed:
        # Validation, an unknown operation, or variables that do not coerce.
        return ErrorCode.GRAPHQL_VALIDATION_FAILED.value
    return ErrorCode.INTERNAL_SERVER_ERROR.value


def finish_errors(errors: list[GraphQLError], executed: bool, *, field_suggestions: bool) -> None:
    """Give every error of a result its ``extensions.code`` and count it; drop the
    "Did you mean" suggestions when they are off.

    Called by the HTTP view on the final result: a parse error of a cached parse is
    answered outside the extensions' ``on_operation``, so no extension sees them all.
    """
    for error in errors:
        extensions = dict(error.extensions or {})
        if "code" not in extensions:
            extensions["code"] = _code_of(error, executed)
            original = error.original_error
            if isinstance(original, DomainError):
                if original.field:
                    extensions["field"] = original.field
                if original.retry_after_seconds is not None:
                    extensions["retryAfterSeconds"] = original.retry_after_seconds
            error.extensions = extensions
        if not field_suggestions and "Did you mean" in error.message:
            error.message = _SUGGESTION.sub("", error.message)
        count_error(str(extensions["code"]), "graphql")
