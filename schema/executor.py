"""Execution with a short way through plain fields.

graphql-core spends most of a detail request's execution on fields that only read an
attribute and return a scalar (an application's ``state``, a material's ``size``): each
builds a resolve-info object, a path, goes through strawberry's resolver wrapper and
graphql-core's general value completion. For such a field, a field that strawberry marks
"basic" (no resolver, no extension, no argument) with a scalar or enum type, this executor
reads the attribute and coerces it directly, as graphql-core's completion would.

Anything unusual (a missing value for a non-null field, a value that is an error, an
awaitable, a value the scalar refuses) goes the ordinary way, which re-reads the attribute
and reports the error where and how graphql-core does. The answer is the same either way:
tests/test_executor.py runs the same queries, failures included, through both.

A selection's fields are collected once per operation text, not once per request, when
nothing in the operation depends on variables (``collect_subfields``); and when the
response is built the executor lets go of itself (``build_response``), so
that a request's objects are freed at once and not by the garbage collector.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

from graphql import (
    ExecutionResult,
    FieldNode,
    GraphQLField,
    GraphQLLeafType,
    GraphQLNonNull,
    GraphQLObjectType,
    Undefined,
    is_leaf_type,
)
from graphql.execution.collect_fields import CollectedFields, FieldDetailsList, GroupedFieldSet
from graphql.language import OperationDefinitionNode, SelectionSetNode
from graphql.pyutils import AwaitableOrValue, Path
from strawberry.execution.is_awaitable import optimized_is_awaitable
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField

# A reader's answer when the field must go the ordinary way.
_ORDINARY = object()
# An operation not met before (its entry may be None).
_UNSEEN = object()

Reader = Callable[[Any], Any]

# Per object type, per field name: its reader, or None for a field that is not plain.
# Weak: a test suite builds many schemas.
_readers: weakref.WeakKeyDictionary[GraphQLObjectType, dict[str, Reader | None]] = (
    weakref.WeakKeyDictionary()
)


def _reader(parent_type: GraphQLObjectType, field_name: str) -> Reader | None:
    if field_name == "__typename":
        name = parent_type.name
        return lambda _source: name
    field: GraphQLField | None = parent_type.fields.get(field_name)
    if field is None or field.args:
        return None
    definition = (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    # strawberry gives a basic field its own resolver, marked as the default one; a field
    # with error handlers, extensions or a resolver gets another (schema_converter.py).
    resolve = field.resolve
    if (
        not isinstance(definition, StrawberryField)
        or not definition.is_basic_field
        or getattr(resolve, "__name__", "") != "_get_basic_result"
    ):
        return None
    field_type = field.type
    non_null = isinstance(field_type, GraphQLNonNull)
    leaf = field_type.of_type if isinstance(field_type, GraphQLNonNull) else field_type
    if not is_leaf_type(leaf):
        return None
    return _leaf_reader(definition.python_name, definition.default_resolver, leaf, non_null)


def _leaf_reader(
    attribute: str,
    resolver: Callable[[Any, str], Any],
    leaf: GraphQLLeafType,
    non_null: bool,
) -> Reader:
    coerce = leaf.coerce_output_value

    def read(source: Any) -> Any:
        try:
            value = resolver(source, attribute)
            if value is None or value is Undefined:
                return _ORDINARY if non_null else None
            if isinstance(value, Exception) or optimized_is_awaitable(value):
                return _ORDINARY
            coerced = coerce(value)
        except Exception:
            return _ORDINARY
        if coerced is None or coerced is Undefined:
            return _ORDINARY
        return coerced

    return read


def readers_of(parent_type: GraphQLObjectType) -> dict[str, Reader | None]:
    readers = _readers.get(parent_type)
    if readers is None:
        readers = _readers[parent_type] = {}
    return readers


# Per operation (by id: a node's hash walks its whole tree), then per object type, each
# selection's collected fields, keyed by the nodes of the fields selecting it (kept with
# the entry, so their ids cannot be reused); None for an operation whose collection
# depends on its variables. An operation's entry goes with it, and it lives as long as
# schema/operation.py keeps its document parsed. By type weakly: a test suite builds many
# schemas, and an entry must not keep one alive.
Selections = dict[tuple[int, ...], tuple[list[FieldNode], CollectedFields]]
_collected: dict[int, weakref.WeakKeyDictionary[GraphQLObjectType, Selections] | None] = {}


def _collected_of(
    operation: OperationDefinitionNode, fragments: dict[str, Any]
) -> weakref.WeakKeyDictionary[GraphQLObjectType, Selections] | None:
    key = id(operation)
    known = _collected.get(key, _UNSEEN)
    if known is not _UNSEEN:
        return known  # type: ignore[return-value]
    fixed = _fixed_collection(operation, fragments)
    by_type = _collected[key] = weakref.WeakKeyDictionary() if fixed else None
    weakref.finalize(operation, _collected.pop, key, None)
    return by_type


def _has_directives(selection_set: SelectionSetNode) -> bool:
    for selection in selection_set.selections:
        if selection.directives:
            return True
        inner = getattr(selection, "selection_set", None)
        if inner is not None and _has_directives(inner):
            return True
    return False


def _fixed_collection(operation: OperationDefinitionNode, fragments: dict[str, Any]) -> bool:
    """Whether the operation's fields are the same whatever its variables: no directive
    (``@skip``, ``@include``, ``@defer``, ``@stream``) and no fragment variables."""
    if operation.directives or _has_directives(operation.selection_set):
        return False
    for details in fragments.values():
        definition = details.definition
        if definition.directives or definition.variable_definitions:
            return False
        if _has_directives(definition.selection_set):
            return False
    return True


class PlainFieldExecutor(StrawberryGraphQLCoreExecutionContext):
    """strawberry's executor, reading plain scalar fields without the general machinery."""

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> AwaitableOrValue[dict[str, Any]]:
        if self.middleware_manager and self.middleware_manager.middlewares:
            # A resolve hook must see every field.
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        readers = readers_of(parent_type)
        results: dict[str, Any] = {}
        ordinary: dict[str, Any] = {}
        for response_name, field_details_list in grouped_field_set.items():
            field_name = field_details_list[0].node.name.value
            try:
                read = readers[field_name]
            except KeyError:
                read = readers[field_name] = _reader(parent_type, field_name)
            if read is not None:
                value = read(source_value)
                if value is not _ORDINARY:
                    results[response_name] = value
                    continue
            results[response_name] = None  # keeps the order of the selection
            ordinary[response_name] = field_details_list
        if not ordinary:
            return results
        if len(ordinary) == len(grouped_field_set):
            ordinary = grouped_field_set
        rest = super().execute_fields(parent_type, source_value, path, ordinary, position_context)
        if optimized_is_awaitable(rest):
            return _merge_later(results, ordinary, rest)
        return _merge(results, ordinary, rest)  # type: ignore[arg-type]

    def collect_subfields(
        self, return_type: GraphQLObjectType, field_details_list: FieldDetailsList
    ) -> CollectedFields:
        # graphql-core collects a selection's fields again in every execution: a few
        # per cent of a detail request, and a hundred short-lived objects.
        by_type = _collected_of(self.operation, self.fragments)
        if by_type is None:
            return super().collect_subfields(return_type, field_details_list)
        selections = by_type.get(return_type)
        if selections is None:
            selections = by_type[return_type] = {}
        key = tuple(id(details.node) for details in field_details_list)
        cached = selections.get(key)
        if cached is None:
            nodes = [details.node for details in field_details_list]
            collected = super().collect_subfields(return_type, field_details_list)
            cached = selections[key] = (nodes, collected)
        return cached[1]

    def build_response(self, data: dict[str, Any] | None) -> Any:
        response = super().build_response(data)
        if isinstance(response, ExecutionResult):
            # Execution is over. The executor refers to itself through the bound methods
            # of ``async_helpers``, a cycle that only the garbage collector would free,
            # and with it the request's context, its models and every collected field:
            # a hundred objects a request, most of the collector's work (a young
            # collection every couple of hundred requests, several milliseconds each).
            del self.async_helpers
        return response


def _merge(
    results: dict[str, Any], ordinary: GroupedFieldSet, rest: dict[str, Any]
) -> dict[str, Any]:
    for name in ordinary:
        if name in rest:
            results[name] = rest[name]
        else:  # graphql-core leaves out a field the type does not have
            del results[name]
    return results


async def _merge_later(
    results: dict[str, Any], ordinary: GroupedFieldSet, rest: Any
) -> dict[str, Any]:
    return _merge(results, ordinary, await rest)
