"""Hostile requests, as an attacker sends them: each gets its typed error and stores nothing.

Every case runs against a service holding one applicant with a draft application
(``owner``) and a second signed-in applicant (``stranger``). The rows of every table a
request could write, the users' failed-login counters and the stored files are counted
before and after the hostile request: nothing may change.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from tortoise.functions import Sum

from core.app import create_app
from core.clock import ManualClock
from core.models import (
    Application,
    AuditLog,
    EligibilityAnalysis,
    FaceVerification,
    FamilyMember,
    Material,
    Session,
    SmsMessage,
    User,
)
from core.settings import Settings
from tests.database import empty_tables
from tests.graphql import LOGIN, GraphQLClient
from tests.people import applicant, load_shared_data, person
from tests.uploads import UPLOAD, tiny_png

NOON_2026_11_22 = datetime(2026, 11, 22, 4, 0, tzinfo=UTC)
PREFLIGHT = {"Apollo-Require-Preflight": "true"}
STORED = (
    User,
    Session,
    FaceVerification,
    SmsMessage,
    EligibilityAnalysis,
    Application,
    FamilyMember,
    Material,
    AuditLog,
)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOON_2026_11_22)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # Small body limits, so the oversized bodies stay small too.
    return settings.model_copy(
        update={"max_upload_bytes": 64 * 1024, "max_request_bytes": 32 * 1024}
    )


@dataclass
class Scene:
    app: Any
    http: httpx.AsyncClient
    settings: Settings
    clock: ManualClock
    owner: GraphQLClient
    stranger: GraphQLClient
    application_id: str


@pytest.fixture
async def scene(app: Any, client: GraphQLClient, settings: Settings, clock: ManualClock) -> Scene:
    await load_shared_data()
    owner = await applicant(client, person("seed case 2"), 1)
    analysis = await owner.test(app)
    started = await owner.start(analysis["id"], "skill", "technician")
    assert started["__typename"] == "Application", started
    stranger = await applicant(client, person("seed case 1"), 2)
    return Scene(app, client.http, settings, clock, owner.client, stranger.client, started["id"])


async def snapshot(settings: Settings) -> dict[str, Any]:
    counts: dict[str, Any] = {m.__name__: await m.all().count() for m in STORED}
    failed = await User.annotate(n=Sum("failed_logins")).first().values("n")
    counts["failed_logins"] = failed["n"] if failed else None
    counts["verifications_pending"] = await FaceVerification.filter(status="pending").count()
    files = settings.storage_dir
    counts["files"] = sum(1 for p in files.rglob("*") if p.is_file()) if files.exists() else 0
    return counts


def bearer(client: GraphQLClient) -> dict[str, str]:
    return {"Authorization": f"Bearer {client.token}"}


def nested(depth: int) -> str:
    """``{ a { a { ... } } }``: fields need not exist for the depth to be refused."""
    return "{ " + "a { " * (depth - 1) + "b" + " }" * depth


def introspection_bomb(hops: int) -> str:
    inner = "name"
    for _ in range(hops):
        inner = f"fields {{ type {{ {inner} }} }}"
    return f"{{ __schema {{ types {{ {inner} }} }} }}"


def graphql(query: str, variables: dict[str, Any] | None = None) -> Callable[[Scene], Any]:
    async def send(s: Scene) -> httpx.Response:
        body = {"query": query, "variables": variables or {}}
        return await s.http.post("/graphql", json=body, headers=bearer(s.owner))

    return send


def aliases(n: int) -> str:
    return "{ " + " ".join(f"a{i}: __typename" for i in range(n)) + " }"


COSTLY = "{ " + " ".join(
    f"c{i}: categories {{ conditions {{ parameters {{ name }} materials {{ kind }} }} }}"
    for i in range(14)
) + " }"  # fmt: skip


async def batched_logins(s: Scene) -> httpx.Response:
    attempt = {"query": LOGIN, "variables": {"account": "person1", "password": "Wrong#Pass1"}}
    return await s.http.post("/graphql", json=[attempt] * 20)


async def alias_logins(s: Scene) -> httpx.Response:
    fields = " ".join(
        f'l{i}: login(account: "person1", password: "Wrong#Pass{i}") {{ __typename }}'
        for i in range(s.settings.query_max_aliases + 1)
    )
    return await s.http.post("/graphql", json={"query": f"mutation {{ {fields} }}"})


async def oversized_json(s: Scene) -> httpx.Response:
    padding = "x" * (s.settings.max_request_bytes + 1)
    body = {"query": "{ __typename }", "variables": {"padding": padding}}
    return await s.http.post("/graphql", json=body, headers=bearer(s.owner))


async def oversized_json_chunked(s: Scene) -> httpx.Response:
    """No Content-Length to trust: the bytes are counted as they arrive."""

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"query": "{ __typename }", "variables": {"padding": "'
        for _ in range(s.settings.max_request_bytes // 4096 + 2):
            yield b"x" * 4096
        yield b'"}}'

    headers = {"Content-Type": "application/json", **bearer(s.owner)}
    return await s.http.post("/graphql", content=chunks(), headers=headers)


def upload_form(s: Scene) -> dict[str, str]:
    operations = {
        "query": UPLOAD,
        "variables": {"a": s.application_id, "kind": "id_card_front", "file": None},
    }
    return {"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.file"]})}


async def oversized_upload(s: Scene) -> httpx.Response:
    limit = s.settings.max_upload_bytes * s.settings.max_upload_files
    big = tiny_png() + b"\0" * (limit + s.settings.max_request_bytes)
    return await s.http.post(
        "/graphql",
        data=upload_form(s),
        files={"0": ("photo.png", big, "image/png")},
        headers={**bearer(s.owner), **PREFLIGHT},
    )


async def too_many_files(s: Scene) -> httpx.Response:
    files = {str(i): (f"{i}.png", tiny_png(), "image/png") for i in range(6)}
    form = upload_form(s)
    form["map"] = json.dumps({str(i): ["variables.file"] for i in range(6)})
    return await s.http.post(
        "/graphql", data=form, files=files, headers={**bearer(s.owner), **PREFLIGHT}
    )


async def garbage_multipart(s: Scene) -> httpx.Response:
    headers = {
        "Content-Type": "multipart/form-data; boundary=xyz",
        **bearer(s.owner),
        **PREFLIGHT,
    }
    return await s.http.post("/graphql", content=b"--xyz\r\nnot a part at all", headers=headers)


async def multipart_map_to_missing_file(s: Scene) -> httpx.Response:
    form = upload_form(s)
    form["map"] = json.dumps({"7": ["variables.file"]})
    return await s.http.post(
        "/graphql",
        data=form,
        files={"0": ("photo.png", tiny_png(), "image/png")},
        headers={**bearer(s.owner), **PREFLIGHT},
    )


async def multipart_without_preflight(s: Scene) -> httpx.Response:
    return await s.http.post(
        "/graphql",
        data=upload_form(s),
        files={"0": ("photo.png", tiny_png(), "image/png")},
        headers=bearer(s.owner),
    )


ME = "{ me { __typename ... on OperationError { code } } }"


async def expired_token(s: Scene) -> httpx.Response:
    s.clock.advance(minutes=s.settings.session_idle_minutes + 1)
    return await s.http.post("/graphql", json={"query": ME}, headers=bearer(s.owner))


async def forged_token(s: Scene) -> httpx.Response:
    headers = {"Authorization": "Bearer " + "A" * 43}
    return await s.http.post("/graphql", json={"query": ME}, headers=headers)


async def forged_face_callback(s: Scene) -> httpx.Response:
    started = await s.stranger.execute(
        "mutation { startFaceVerification(purpose: SHARED_DATA) { ... on FaceVerification { id } } }"
    )
    verification_id = started["startFaceVerification"]["id"]
    body = json.dumps(
        {
            "verificationId": verification_id,
            "nonce": "n-1",
            "result": "passed",
            "idNumber": person("seed case 1")["id_number"],
            "name": person("seed case 1")["name"],
            "verifiedAt": NOON_2026_11_22.isoformat(),
        }
    ).encode()
    headers = {"X-Face-Signature": "sha256=" + "0" * 64, "Content-Type": "application/json"}
    return await s.http.post("/callbacks/face-verification", content=body, headers=headers)


async def someone_elses_application(s: Scene) -> httpx.Response:
    query = """query($id: ID!) { application(id: $id) {
      __typename ... on Application { id } ... on OperationError { code } } }"""
    body = {"query": query, "variables": {"id": s.application_id}}
    return await s.http.post("/graphql", json=body, headers=bearer(s.stranger))


async def upload_to_someone_elses_application(s: Scene) -> httpx.Response:
    return await s.http.post(
        "/graphql",
        data=upload_form(s),
        files={"0": ("photo.png", tiny_png(), "image/png")},
        headers={**bearer(s.stranger), **PREFLIGHT},
    )


async def ids_past_the_columns_range(s: Scene) -> httpx.Response:
    """Ids are 32-bit columns: PostgreSQL would refuse these with an error of its own."""
    query = """query($a: ID!, $m: ID!) {
      application(id: $a) { __typename ... on OperationError { code } }
      material(id: $m) { __typename ... on OperationError { code } } }"""
    body = {"query": query, "variables": {"a": str(2**31), "m": "9" * 30}}
    return await s.http.post("/graphql", json=body, headers=bearer(s.owner))


async def mutation_by_get(s: Scene) -> httpx.Response:
    return await s.http.get(
        "/graphql",
        params={"query": "mutation { logout { __typename } }"},
        headers={**bearer(s.owner), "Accept": "application/graphql-response+json"},
    )


Send = Callable[[Scene], Awaitable[httpx.Response]]
# (name, request, HTTP status, code); the first snapshot is taken after any set-up
# the request itself needs (forged_face_callback starts a verification first).
CASES: list[tuple[str, Send, int, str]] = [
    ("deep query", graphql(nested(11)), 200, "QUERY_TOO_DEEP"),
    ("introspection bomb", graphql(introspection_bomb(8)), 200, "QUERY_TOO_DEEP"),
    ("alias flood", graphql(aliases(16)), 200, "TOO_MANY_ALIASES"),
    ("costly wide query", graphql(COSTLY), 200, "QUERY_TOO_COMPLEX"),
    ("token flood", graphql("{ " + "__typename " * 2001 + "}"), 200, "QUERY_TOO_LARGE"),
    ("batched login attempts", batched_logins, 400, "BATCH_NOT_ALLOWED"),
    ("aliased login attempts", alias_logins, 200, "TOO_MANY_ALIASES"),
    ("oversized JSON body", oversized_json, 413, "REQUEST_TOO_LARGE"),
    ("oversized chunked JSON body", oversized_json_chunked, 413, "REQUEST_TOO_LARGE"),
    ("oversized multipart", oversized_upload, 413, "REQUEST_TOO_LARGE"),
    ("too many files", too_many_files, 413, "REQUEST_TOO_LARGE"),
    ("malformed multipart", garbage_multipart, 400, "MALFORMED_MULTIPART"),
    ("multipart map names a missing file", multipart_map_to_missing_file, 400, "MALFORMED_MULTIPART"),
    ("multipart without the CSRF header", multipart_without_preflight, 400, "CSRF_PREFLIGHT_REQUIRED"),
    ("expired token", expired_token, 200, "SESSION_EXPIRED"),
    ("forged token", forged_token, 200, "INVALID_TOKEN"),
    ("forged face-verification callback", forged_face_callback, 401, "INVALID_SIGNATURE"),
    ("another user's application id", someone_elses_application, 200, "NOT_FOUND"),
    ("upload to another user's application", upload_to_someone_elses_application, 200, "NOT_FOUND"),
    ("ids past the id columns' range", ids_past_the_columns_range, 200, "NOT_FOUND"),
    ("mutation by GET", mutation_by_get, 405, "METHOD_NOT_ALLOWED"),
    ("a mutation and a query, neither named", graphql("mutation A { logout { __typename } } query B { __typename }"), 200, "GRAPHQL_VALIDATION_FAILED"),
    ("subscription over HTTP", graphql("subscription { applicationChanges { state } }"), 400, "BAD_REQUEST"),
]  # fmt: skip


def codes(body: Any) -> set[str]:
    """Every ``code`` in a response: errors' extensions, typed results, callback bodies."""
    found: set[str] = set()
    if isinstance(body, dict):
        for key, value in body.items():
            if key == "code" and isinstance(value, str):
                found.add(value)
            else:
                found |= codes(value)
    elif isinstance(body, list):
        for item in body:
            found |= codes(item)
    return found


@pytest.mark.parametrize(
    ("send", "status", "code"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
async def test_hostile_request_gets_its_typed_error_and_stores_nothing(
    scene: Scene, send: Send, status: int, code: str
) -> None:
    if send is forged_face_callback:
        # Its own set-up (starting the verification) stores a row: count from inside.
        response = await send(scene)
        before = after = None
    else:
        before = await snapshot(scene.settings)
        response = await send(scene)
        after = await snapshot(scene.settings)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].split(";")[0].endswith("json"), response.headers
    assert code in codes(response.json()), response.text
    assert before == after
    if send is forged_face_callback:
        assert await FaceVerification.filter(status="pending").count() == 1
    # The service still answers the owner normally afterwards.
    if send not in (expired_token,):
        me = await scene.owner.execute("{ me { __typename } }")
        assert me["me"]["__typename"] == "Account"


async def test_http_level_refusals_name_their_limit(scene: Scene) -> None:
    response = await oversized_json(scene)
    error = response.json()["errors"][0]
    assert error["extensions"] == {
        "code": "REQUEST_TOO_LARGE",
        "limitBytes": scene.settings.max_request_bytes,
    }
    assert "X-Request-ID" in response.headers


async def test_an_upload_over_the_file_limit_but_within_the_body_is_a_typed_result(
    scene: Scene,
) -> None:
    """One file larger than max_upload_bytes, the body within its cap: the service
    refuses it by content (IMAGE_TOO_LARGE), and stores nothing."""
    before = await snapshot(scene.settings)
    data = tiny_png() + b"\0" * scene.settings.max_upload_bytes
    response = await scene.http.post(
        "/graphql",
        data=upload_form(scene),
        files={"0": ("photo.png", data, "image/png")},
        headers={**bearer(scene.owner), **PREFLIGHT},
    )
    result = response.json()["data"]["uploadMaterial"]
    assert (result["__typename"], result["code"]) == ("OperationError", "IMAGE_TOO_LARGE")
    assert await snapshot(scene.settings) == before


async def test_the_same_upload_with_the_preflight_header_is_stored(scene: Scene) -> None:
    """The control for the CSRF case: the header is what makes the difference."""
    response = await scene.http.post(
        "/graphql",
        data=upload_form(scene),
        files={"0": ("photo.png", tiny_png(), "image/png")},
        headers={**bearer(scene.owner), **PREFLIGHT},
    )
    assert response.json()["data"]["uploadMaterial"]["__typename"] == "Material", response.text
    assert await Material.all().count() == 1
    await scene.app.state.services.materials.settle()


async def test_legitimate_limits_pass(scene: Scene) -> None:
    """Just under every limit: answered, not refused."""
    settings = scene.settings
    under = [
        nested(settings.query_max_depth),
        aliases(settings.query_max_aliases),
        "{ categories { id tab labelZh labelEn conditions { id title "
        "parameters { name label value unit } materials { kind label proves required } } } }",
    ]
    for query in under:
        body = await scene.owner.raw(query)
        found = codes(body)
        assert not found & {"QUERY_TOO_DEEP", "TOO_MANY_ALIASES", "QUERY_TOO_COMPLEX"}, body


async def test_production_profile_turns_off_introspection_suggestions_and_graphiql(
    settings: Settings,
) -> None:
    production = settings.model_copy(update={"profile": "production"})
    await empty_tables(production.database_url)
    application = create_app(production)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            introspection = await http.post(
                "/graphql", json={"query": "{ __schema { types { name } } }"}
            )
            typo = await http.post("/graphql", json={"query": "{ categorie { id } }"})
            ide = await http.get("/graphql", headers={"Accept": "text/html"})
            typename = await http.post("/graphql", json={"query": "{ __typename }"})
    assert codes(introspection.json()) == {"INTROSPECTION_DISABLED"}
    [error] = typo.json()["errors"]
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "categorie" in error["message"] and "Did you mean" not in error["message"]
    assert ide.status_code == 404 and codes(ide.json()) == {"NOT_FOUND"}
    assert typename.json() == {"data": {"__typename": "Query"}}


async def test_development_serves_graphiql_and_its_introspection_query(
    scene: Scene,
) -> None:
    from graphql import get_introspection_query

    ide = await scene.http.get("/graphql", headers={"Accept": "text/html"})
    assert ide.status_code == 200 and "graphiql" in ide.text.lower()
    query = get_introspection_query(
        descriptions=True,
        specified_by_url=True,
        directive_is_repeatable=True,
        schema_description=True,
        input_value_deprecation=True,
    )
    body = await scene.owner.raw(query)
    assert "errors" not in body, body["errors"]
    assert body["data"]["__schema"]["queryType"]["name"] == "Query"
    typo = await scene.owner.raw("{ categorie { id } }")
    assert "Did you mean" in typo["errors"][0]["message"]
