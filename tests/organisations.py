"""Helpers for the employer, school and major tests: the demo lists, multipart requests."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from core.demo import demo_file
from core.reference_import import import_employers, import_majors, import_schools
from tests.graphql import GraphQLClient, signed_in
from tests.staff import staff_client
from tests.uploads import tiny_png

REQUEST = """id kind kindLabel status statusLabel name previousName employerId
    creditCode organisationCode nature level catalogueCode discipline dueOn overdue opinion
    resultId createdAt decidedAt requester { username realName }
    attachments { id filename contentType size }"""

REQUEST_FIELDS = (
    "\n  __typename\n  ... on ReferenceRequest { "
    + REQUEST
    + " }\n  ... on OperationError { code message field details }\n"
)

DECIDE = (
    """mutation($id: ID!, $approve: Boolean!, $opinion: String! = "") {
  decideReferenceRequest(id: $id, approve: $approve, opinion: $opinion) {"""
    + REQUEST_FIELDS
    + "} }"
)

MINE = (
    """{ myReferenceRequests { __typename
  ... on ReferenceRequestPage { total hasMore items {"""
    + REQUEST
    + "} } ... on OperationError { code } } }"
)

PENDING = (
    """query($kind: ReferenceRequestKind) { pendingReferenceRequests(kind: $kind) { __typename
  ... on ReferenceRequestPage { total items {"""
    + REQUEST
    + "} } ... on OperationError { code } } }"
)


async def load_reference_data() -> None:
    """The demo's employers, schools and majors, loaded as ``talent demo`` loads them."""
    await import_employers(demo_file("employers.json"))
    await import_schools(demo_file("schools.json"))
    await import_majors(demo_file("majors.json"))


def demo_employer(nature: str | None = None, *, nine_only: bool = False) -> dict[str, Any]:
    for record in demo_file("employers.json"):
        if nine_only and record["credit_code"] is None:
            return dict(record)
        if not nine_only and record["credit_code"] and record["nature"] == (nature or "enterprise"):
            return dict(record)
    raise LookupError(nature)


async def applicant(client: GraphQLClient, n: int = 1) -> GraphQLClient:
    ids = ["440111199903175213", "440106199403150318", "350102199006010226"]
    return await signed_in(
        client,
        username=f"person{n}",
        real_name="张三",
        id_number=ids[n - 1],
        mobile=f"1391234567{n}",
    )


async def admin(app: Any, client: GraphQLClient) -> GraphQLClient:
    return await staff_client(app, client)


async def multipart(
    client: GraphQLClient,
    query: str,
    variables: dict[str, Any],
    files: list[tuple[str, bytes]],
    *,
    variable: str = "attachments",
) -> dict[str, Any]:
    """A GraphQL multipart request whose ``variable`` is a list of uploaded files."""
    if not files:
        # Nothing to upload: an ordinary JSON request, as a client sends it.
        return await client.execute(query, {**variables, variable: []})
    variables = {**variables, variable: [None] * len(files)}
    mapping = {str(i): [f"variables.{variable}.{i}"] for i in range(len(files))}
    response = await client.http.post(
        "/graphql",
        data={"operations": json.dumps({"query": query, "variables": variables}),
              "map": json.dumps(mapping)},
        files={str(i): (name, data, "application/octet-stream")
               for i, (name, data) in enumerate(files)},
        # The CSRF-proof header core/http.py requires of every multipart request.
        headers={"Apollo-Require-Preflight": "true",
                 **({"Authorization": f"Bearer {client.token}"} if client.token else {})},
    )  # fmt: skip
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


def licence() -> tuple[str, bytes]:
    return ("营业执照.png", tiny_png(80, 60))


class _Counter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


@contextmanager
def counting_queries() -> Iterator[_Counter]:
    """Counts the statements tortoise-orm sends (it logs each at DEBUG)."""
    logger = logging.getLogger("tortoise.db_client")
    counter = _Counter()
    level = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(counter)
    try:
        yield counter
    finally:
        logger.removeHandler(counter)
        logger.setLevel(level)
