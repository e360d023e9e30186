"""The short way through plain fields answers exactly as graphql-core's ordinary way.

Each query runs twice on one schema: with :class:`PlainFieldExecutor` and with
strawberry's own executor; data and errors (message, path, locations) must be equal,
including the failures the short way hands back to the ordinary one.
"""

from __future__ import annotations

import asyncio
import enum
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
import strawberry
from strawberry.scalars import JSON
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from schema.executor import PlainFieldExecutor, readers_of
from tests.graphql import GraphQLClient, signed_in


@strawberry.enum
class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


@strawberry.type
class Item:
    id: strawberry.ID
    name: str
    size: int
    colour: Colour
    born: date | None
    extra: JSON | None
    required_but_missing: str

    @strawberry.field
    def shout(self) -> str:
        return self.name.upper()


@strawberry.type
class Broken:
    # An int the GraphQL Int cannot hold, and a value that is not a string.
    too_big: int
    not_text: str
    maybe_too_big: int | None


@dataclass
class BrokenRow:
    too_big: int = 2**40
    not_text: Any = b"\xff"  # bytes: the String scalar refuses them
    maybe_too_big: int = 2**40


@dataclass
class ItemRow:
    id: int
    name: str
    size: int
    colour: Colour
    born: date | None
    extra: Any
    required_but_missing: str | None


async def _later(value: Any) -> Any:
    await asyncio.sleep(0)
    return value


@strawberry.type
class Query:
    @strawberry.field
    def items(self) -> list[Item]:
        rows = [
            ItemRow(1, "甲", 3, Colour.RED, date(2026, 1, 2), {"a": [1, 2]}, "x"),
            ItemRow(2, "乙", 4, Colour.BLUE, None, None, "y"),
        ]
        return rows  # type: ignore[return-value]

    @strawberry.field
    def missing(self) -> list[Item]:
        row = ItemRow(3, "丙", 5, Colour.RED, None, None, None)
        return [row]  # type: ignore[list-item]

    @strawberry.field
    def broken(self) -> Broken | None:
        return BrokenRow()  # type: ignore[return-value]

    @strawberry.field
    async def later(self) -> list[Item]:
        row = ItemRow(4, "丁", 6, Colour.BLUE, None, None, "z")
        return [await _later(row)]  # type: ignore[list-item]


def _schema(executor: type[StrawberryGraphQLCoreExecutionContext]) -> strawberry.Schema:
    return strawberry.Schema(query=Query, execution_context_class=executor)


QUERIES = {
    "plain and resolved fields, aliases, typename": """{
        items { __typename id name size colour born extra shout again: name }
        later { id name colour }
    }""",
    "a non-null field without a value": "{ missing { id requiredButMissing name } }",
    "values the scalars refuse": "{ broken { maybeTooBig notText } }",
    "a refused non-null value nulls its parent": "{ broken { tooBig } }",
    "fragments and directives": """query($skip: Boolean = true) {
        items { ...bits size @skip(if: $skip) name @include(if: $skip) }
    } fragment bits on Item { id colour }""",
}


def _shape(result: Any) -> dict[str, Any]:
    return {
        "data": result.data,
        "errors": sorted(
            (
                e.message,
                tuple(e.path or ()),
                tuple((at.line, at.column) for at in e.locations or ()),
            )
            for e in result.errors or ()
        ),
    }


@pytest.mark.parametrize("query", list(QUERIES.values()), ids=list(QUERIES))
async def test_the_short_way_answers_as_the_ordinary_one(query: str) -> None:
    short = await _schema(PlainFieldExecutor).execute(query)
    ordinary = await _schema(StrawberryGraphQLCoreExecutionContext).execute(query)
    assert _shape(short) == _shape(ordinary)


async def test_failures_are_reported_where_graphql_core_reports_them() -> None:
    missing = await _schema(PlainFieldExecutor).execute(QUERIES["a non-null field without a value"])
    # ``missing: [Item!]!``: the null travels up to the root.
    assert missing.data is None
    assert [e.path for e in missing.errors or []] == [["missing", 0, "requiredButMissing"]]
    refused = await _schema(PlainFieldExecutor).execute(QUERIES["values the scalars refuse"])
    # notText is non-null: its refused value nulls ``broken``, which is nullable.
    assert refused.data == {"broken": None}
    assert ("broken", "notText") in {tuple(e.path or ()) for e in refused.errors or []}


async def test_plain_fields_take_the_short_way_and_resolvers_do_not() -> None:
    schema = _schema(PlainFieldExecutor)
    result = await schema.execute("{ items { id name colour born extra shout } }")
    assert result.errors is None
    item_type = schema._schema.get_type("Item")
    readers = readers_of(item_type)  # type: ignore[arg-type]
    assert {name for name, read in readers.items() if read is not None} == {
        "id",
        "name",
        "colour",
        "born",
        "extra",
    }
    assert readers["shout"] is None


async def test_the_served_schema_reads_plain_fields_the_short_way(
    app: Any, client: GraphQLClient
) -> None:
    # Driven over HTTP as a client would: the app's schema is built with the executor.
    data = await client.execute("{ districtOffices { district office hours phones } }")
    assert data["districtOffices"] and all(o["district"] for o in data["districtOffices"])
    office_type = app.state.schema._schema.get_type("DistrictOffice")
    readers = readers_of(office_type)
    assert readers["district"] is not None and readers["hours"] is not None
    assert readers["phones"] is None  # a list: the ordinary way


async def test_a_request_leaves_nothing_for_the_garbage_collector(
    app: Any, client: GraphQLClient
) -> None:
    """The executor, and through it the request's context and models, is freed when the
    response is built, not left in a reference cycle for the collector to find."""
    import gc

    from schema.context import Context

    user = await signed_in(client)
    query = (
        "{ me { __typename ... on Account { username idNumber } } districtOffices { district } }"
    )
    await user.execute(query)  # warm: caches filled on first use are not garbage
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        data = await user.execute(query)
        gc.collect()
        left = [o for o in gc.garbage if isinstance(o, PlainFieldExecutor | Context)]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    assert data["me"]["__typename"] == "Account" and data["districtOffices"]
    assert left == []


async def test_collected_fields_are_reused_only_when_variables_cannot_change_them(
    client: GraphQLClient,
) -> None:
    """Over HTTP, where a repeated query text is parsed once (schema/operation.py): the
    fields of a selection are collected once for an operation without directives, and
    every time for one whose ``@include`` depends on a variable."""
    from schema.executor import _collected

    query = "query($full: Boolean!) { districtOffices { district hours @include(if: $full) } }"
    full = await client.execute(query, {"full": True})
    short = await client.execute(query, {"full": False})
    assert full["districtOffices"] and all("hours" in o for o in full["districtOffices"])
    assert short["districtOffices"] and all("hours" not in o for o in short["districtOffices"])

    def kept() -> int:
        return sum(len(s) for by_type in _collected.values() for s in (by_type or {}).values())

    before = kept()
    plain = "{ districtOffices { district office } }"
    first = await client.execute(plain)
    after_first = kept()
    again = await client.execute(plain)
    after_again = kept()
    assert first == again and first["districtOffices"][0]["office"]
    assert after_first == before + 1  # the offices' selection, kept
    assert after_again == after_first  # and found the second time


def test_the_schema_refuses_extensions_it_would_not_run() -> None:
    """Queries and mutations run no strawberry extension (schema/operation.py): one given
    to the schema would silently do nothing, so it is refused."""
    from strawberry.extensions import SchemaExtension

    from core.settings import Settings
    from schema.errors import is_unexpected
    from schema.limits import Limits
    from schema.operation import Pipeline, TalentSchema

    pipeline = Pipeline(Limits.from_settings(Settings()), is_unexpected)
    with pytest.raises(ValueError, match="no extension"):
        TalentSchema(query=Query, pipeline=pipeline, extensions=[SchemaExtension])
    assert TalentSchema(query=Query, pipeline=pipeline).pipeline is pipeline
