"""Rate limits over GraphQL: login, face verification, SMS codes, shared data, uploads.

Each limit is driven past its count as a client would, per account (identity, mobile,
user) and per client address separately; the refused request stores nothing, and the
operation works again once the window the answer named has passed (ManualClock).
Client addresses come from ``X-Forwarded-For``, which the app believes because these
tests make the ASGI transport's peer (127.0.0.1) a trusted proxy; a class below shows
that without that trust the header changes nothing.
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest

from core.clock import ManualClock
from core.models import (
    AuditLog,
    EligibilityAnalysis,
    FaceVerification,
    Material,
    RateCounter,
    Session,
    SmsMessage,
)
from core.ratelimit import client_address
from core.settings import RateRule, Settings
from tests.graphql import LOGIN, STRONG_PASSWORD, GraphQLClient, register
from tests.lifecycle_flow import made_up_person
from tests.people import Applicant, applicant
from tests.uploads import tiny_png

LIMITS = {
    "login.account": RateRule(limit=3, window_seconds=60),
    "login.address": RateRule(limit=5, window_seconds=60),
    "face.user": RateRule(limit=3, window_seconds=60),
    "face.address": RateRule(limit=4, window_seconds=60),
    "sms.identity": RateRule(limit=2, window_seconds=300),
    "sms.mobile": RateRule(limit=2, window_seconds=300),
    "sms.address": RateRule(limit=3, window_seconds=300),
    "shared_data.user": RateRule(limit=2, window_seconds=3600),
    "upload.user": RateRule(limit=4, window_seconds=60),
    "upload.address": RateRule(limit=2, window_seconds=60),
}

FACE = """mutation($p: FaceVerificationPurpose!) { startFaceVerification(purpose: $p) {
  __typename ... on FaceVerification { id }
  ... on OperationError { code message retryAfterSeconds details } } }"""
REQUEST_CODE = """mutation($i: String!, $m: String!) { requestRecoveryCode(idNumber: $i, mobile: $m) {
  __typename ... on OperationError { code message retryAfterSeconds details } } }"""
TEST = """mutation($v: ID!) { runEligibilityTest(input: {verificationId: $v, noticeAccepted: true,
  certificateNumbers: []}) {
  __typename ... on EligibilityAnalysis { id }
  ... on OperationError { code message retryAfterSeconds details } } }"""
UPLOAD = """mutation($a: ID!, $kind: String!, $file: Upload!) {
  uploadMaterial(applicationId: $a, kind: $kind, file: $file) {
  __typename ... on Material { id }
  ... on OperationError { code message retryAfterSeconds details } } }"""
REFETCH = """mutation($a: ID!, $v: ID!) { refetchQualification(applicationId: $a, verificationId: $v) {
  __typename ... on OperationError { code message retryAfterSeconds details } } }"""


@pytest.fixture
def trusted_proxies() -> list[str]:
    return ["127.0.0.1"]


@pytest.fixture
def redis_url() -> str | None:
    """Counters in the database unless a test class asks for Redis."""
    return None


@pytest.fixture
def settings(settings: Settings, trusted_proxies: list[str], redis_url: str | None) -> Settings:
    return settings.model_copy(
        update={
            "rate_limit_redis_url": redis_url,
            "rate_limits": {**settings.rate_limits, **LIMITS},
            "trusted_proxies": trusted_proxies,
            "ocr_enabled": False,
            # Windows of an hour pass on the ManualClock; sessions must outlast them.
            "session_idle_minutes": 24 * 60,
        }
    )


Address = Callable[[str], GraphQLClient]


@pytest.fixture
async def at(app: Any) -> AsyncIterator[Address]:
    """``at("203.0.113.7")``: a client whose requests come from that address."""
    async with AsyncExitStack() as stack:

        def make(address: str) -> GraphQLClient:
            http = httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app),
                base_url="http://testserver",
                headers={"X-Forwarded-For": f"198.51.100.250, {address}"},
            )
            stack.push_async_callback(http.aclose)
            return GraphQLClient(http)

        yield make


def refused(result: dict[str, Any], scope: str, window: int) -> int:
    """The retry delay of a RATE_LIMITED answer for ``scope``."""
    assert result["__typename"] == "OperationError", result
    assert result["code"] == "RATE_LIMITED", result
    assert result["details"] == {"scope": scope}, result
    retry = result["retryAfterSeconds"]
    assert isinstance(retry, int) and 0 < retry <= window, result
    return retry


async def login(client: GraphQLClient, account: str, password: str) -> dict[str, Any]:
    result: dict[str, Any] = (
        await client.execute(LOGIN, {"account": account, "password": password})
    )["login"]
    return result


# Login -------------------------------------------------------------------------------


async def test_login_is_limited_per_account(at: Address, clock: ManualClock) -> None:
    a, b = at("203.0.113.1"), at("203.0.113.2")
    await register(a)
    for _ in range(3):
        assert (await login(a, "zhangsan", "wrong-Password1"))["code"] == "INVALID_CREDENTIALS"
    sessions = await Session.all().count()
    # The fourth attempt, even with the right password and from elsewhere, is refused
    # before the password is looked at, and no session is issued.
    retry = refused(await login(b, "zhangsan", STRONG_PASSWORD), "login.account", 60)
    refused(await login(b, " ZhangSan ", STRONG_PASSWORD), "login.account", 60)
    assert await Session.all().count() == sessions
    # The address b is not limited: another account signs in from it.
    assert (await login(b, "nobody-here", "x"))["code"] == "INVALID_CREDENTIALS"
    clock.advance(seconds=retry - 1)
    refused(await login(a, "zhangsan", STRONG_PASSWORD), "login.account", 60)
    clock.advance(seconds=1)
    assert (await login(a, "zhangsan", STRONG_PASSWORD))["__typename"] == "AuthSession"


async def test_login_is_limited_per_address(at: Address, clock: ManualClock) -> None:
    a, b = at("203.0.113.1"), at("2001:db8::5")
    await register(b)
    for n in range(5):
        assert (await login(a, f"guess{n}", "x"))["code"] == "INVALID_CREDENTIALS"
    retry = refused(await login(a, "zhangsan", STRONG_PASSWORD), "login.address", 60)
    assert await Session.all().count() == 0
    assert (await login(b, "zhangsan", STRONG_PASSWORD))["__typename"] == "AuthSession"
    clock.advance(seconds=retry)
    assert (await login(a, "zhangsan", STRONG_PASSWORD))["__typename"] == "AuthSession"


async def test_counters_hold_no_personal_data_and_ended_windows_are_purged(
    at: Address, clock: ManualClock
) -> None:
    a = at("203.0.113.9")
    await login(a, "zhangsan", "x")
    rows = await RateCounter.all().values()
    assert {r["scope"] for r in rows} == {"login.account", "login.address"}
    stored = " ".join(str(value) for row in rows for value in row.values())
    assert "zhangsan" not in stored and "203.0.113.9" not in stored
    clock.advance(seconds=120)
    await login(a, "lisi", "x")
    now = int(clock.now().timestamp())
    assert not await RateCounter.filter(expires_at__lte=now).exists()
    assert await RateCounter.all().count() == 2


# Face verification -------------------------------------------------------------------


async def test_face_verification_is_limited_per_user_and_per_address(
    app: Any, at: Address, clock: ManualClock
) -> None:
    a, b, c = at("203.0.113.1"), at("203.0.113.2"), at("203.0.113.3")
    who = await applicant(a, made_up_person(1))
    user = who.client
    for client in (user, user, at("203.0.113.2").as_user(user.token or "")):
        started = (await client.execute(FACE, {"p": "SHARED_DATA"}))["startFaceVerification"]
        assert started["__typename"] == "FaceVerification", started
    # A fourth for the same user, from an address that has started none, is refused.
    retry = refused(
        (await c.as_user(user.token or "").execute(FACE, {"p": "SHARED_DATA"}))[
            "startFaceVerification"
        ],
        "face.user",
        60,
    )
    assert await FaceVerification.all().count() == 3
    # Per address: anonymous starts (刷脸登录) from b, which already started one.
    for _ in range(3):
        started = (await b.execute(FACE, {"p": "LOGIN"}))["startFaceVerification"]
        assert started["__typename"] == "FaceVerification", started
    refused((await b.execute(FACE, {"p": "LOGIN"}))["startFaceVerification"], "face.address", 60)
    assert await FaceVerification.all().count() == 6
    started = (await c.execute(FACE, {"p": "LOGIN"}))["startFaceVerification"]
    assert started["__typename"] == "FaceVerification", started
    clock.advance(seconds=retry)
    started = (await user.execute(FACE, {"p": "SHARED_DATA"}))["startFaceVerification"]
    assert started["__typename"] == "FaceVerification", started
    started = (await b.execute(FACE, {"p": "LOGIN"}))["startFaceVerification"]
    assert started["__typename"] == "FaceVerification", started


# SMS recovery codes ------------------------------------------------------------------


async def _request_code(client: GraphQLClient, id_number: str, mobile: str) -> dict[str, Any]:
    result: dict[str, Any] = (await client.execute(REQUEST_CODE, {"i": id_number, "m": mobile}))[
        "requestRecoveryCode"
    ]
    return result


async def test_sms_codes_are_limited_per_identity_mobile_and_address(
    at: Address, clock: ManualClock
) -> None:
    person = made_up_person(3)
    mobile = "13912345678"
    a = at("203.0.113.1")
    await register(a, id_number=person["id_number"], mobile=mobile)
    for address in ("203.0.113.1", "203.0.113.2"):
        assert (await _request_code(at(address), person["id_number"], mobile))[
            "__typename"
        ] == "Done"
    assert await SmsMessage.filter(purpose="recovery").count() == 2
    # Per identity: a third code for the registered person is refused and not sent.
    retry = refused(
        await _request_code(at("203.0.113.3"), person["id_number"], mobile), "sms.identity", 300
    )
    assert await SmsMessage.filter(purpose="recovery").count() == 2
    # Per mobile: another identity number aimed at the same mobile (SMS bombing).
    other = made_up_person(4)["id_number"]
    refused(await _request_code(at("203.0.113.4"), other, mobile), "sms.mobile", 300)
    # Per address: three different people from one address, then a fourth.
    e = at("203.0.113.5")
    for n in (6, 7, 8):
        done = await _request_code(e, made_up_person(n)["id_number"], f"1380000000{n}")
        assert done["__typename"] == "Done", done
    refused(
        await _request_code(e, made_up_person(9)["id_number"], "13800000009"), "sms.address", 300
    )
    assert await SmsMessage.filter(purpose="recovery").count() == 2
    clock.advance(seconds=retry)
    assert (await _request_code(e, person["id_number"], mobile))["__typename"] == "Done"
    assert await SmsMessage.filter(purpose="recovery").count() == 3


# Shared-data reads -------------------------------------------------------------------


async def _tested(app: Any, who: Applicant) -> dict[str, Any]:
    verification = await who.verify_face(app)
    result: dict[str, Any] = (await who.client.execute(TEST, {"v": verification}))[
        "runEligibilityTest"
    ]
    return result


async def test_shared_data_reads_are_limited_per_user(
    app: Any, at: Address, clock: ManualClock
) -> None:
    who = await applicant(at("203.0.113.1"), made_up_person(1))
    first = await _tested(app, who)
    assert first["__typename"] == "EligibilityAnalysis", first
    started = await who.start(first["id"], "education", "bachelor")
    assert started["__typename"] == "Application", started
    # 重新获取 counts against the same limit as the one-click test.
    verification = await who.verify_face(app)
    again = (await who.client.execute(REFETCH, {"a": started["id"], "v": verification}))[
        "refetchQualification"
    ]
    assert again["__typename"] == "OperationError" and again["code"] == "NO_SHARED_DATA", again
    reads = await AuditLog.filter(action="shared_data.read").count()
    assert reads == 2
    verification = await who.verify_face(app)
    retry = refused(
        (await who.client.execute(TEST, {"v": verification}))["runEligibilityTest"],
        "shared_data.user",
        3600,
    )
    refused(
        (await who.client.execute(REFETCH, {"a": started["id"], "v": verification}))[
            "refetchQualification"
        ],
        "shared_data.user",
        3600,
    )
    # Refused before anything was read, kept or used up.
    assert await AuditLog.filter(action="shared_data.read").count() == reads
    assert await EligibilityAnalysis.all().count() == 1
    row = await FaceVerification.get(id=verification)
    assert row.consumed_at is None
    # Another applicant is not affected.
    other = await applicant(at("203.0.113.2"), made_up_person(2), 2)
    assert (await _tested(app, other))["__typename"] == "EligibilityAnalysis"
    clock.advance(seconds=retry)
    assert (await _tested(app, who))["__typename"] == "EligibilityAnalysis"


# Uploads -----------------------------------------------------------------------------


async def _upload(client: GraphQLClient, application_id: str, n: int) -> dict[str, Any]:
    operations = {
        "query": UPLOAD,
        "variables": {"a": application_id, "kind": "id_card_front", "file": None},
    }
    response = await client.http.post(
        "/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.file"]})},
        files={"0": ("photo.png", tiny_png(64 + n, 48), "application/octet-stream")},
        headers={"Authorization": f"Bearer {client.token}", "Apollo-Require-Preflight": "true"},
    )
    body = response.json()
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]["uploadMaterial"]
    return result


def _stored_files(settings: Settings) -> int:
    root = Path(settings.storage_dir)
    return sum(1 for p in root.rglob("*") if p.is_file()) if root.exists() else 0


async def test_uploads_are_limited_per_user_and_per_address(
    app: Any, at: Address, clock: ManualClock, settings: Settings
) -> None:
    who = await applicant(at("203.0.113.1"), made_up_person(1))
    analysis = await _tested(app, who)
    started = await who.start(analysis["id"], "education", "bachelor")
    application_id = started["id"]
    token = who.client.token or ""
    a, b, c = (at(f"203.0.113.{n}").as_user(token) for n in (1, 2, 3))
    for n in range(2):
        assert (await _upload(a, application_id, n))["__typename"] == "Material"
    files = _stored_files(settings)
    retry = refused(await _upload(a, application_id, 2), "upload.address", 60)
    assert await Material.all().count() == 2
    assert _stored_files(settings) == files
    assert (await _upload(b, application_id, 3))["__typename"] == "Material"
    # The attempt refused by address counted for the user too: this is the fifth.
    refused(await _upload(c, application_id, 4), "upload.user", 60)
    assert await Material.all().count() == 3
    clock.advance(seconds=retry)
    assert (await _upload(c, application_id, 5))["__typename"] == "Material"


# Counters in Redis ---------------------------------------------------------------------

REDIS_URL = os.environ.get("TALENT_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


class TestRedisCounters:
    """The same limits with ``TALENT_RATE_LIMIT_REDIS_URL``: skipped without a Redis
    server on a laptop, failed when ``TALENT_TEST_REQUIRE_REDIS=1``."""

    @pytest.fixture
    async def redis_url(self) -> AsyncIterator[str]:
        import redis.asyncio

        client = redis.asyncio.Redis.from_url(REDIS_URL)
        try:
            stale = [key async for key in client.scan_iter("talent:rate:*")]
            if stale:
                await client.delete(*stale)
        except (OSError, redis.exceptions.ConnectionError) as exc:
            await client.aclose()
            if os.environ.get("TALENT_TEST_REQUIRE_REDIS") == "1":
                pytest.fail(f"Redis is required (TALENT_TEST_REQUIRE_REDIS=1): {exc}")
            pytest.skip(f"Redis not reachable: {exc}")
        try:
            yield REDIS_URL
        finally:
            await client.aclose()

    async def test_login_per_account(self, at: Address, clock: ManualClock) -> None:
        await test_login_is_limited_per_account(at, clock)
        assert not await RateCounter.exists()

    async def test_login_per_address(self, at: Address, clock: ManualClock) -> None:
        await test_login_is_limited_per_address(at, clock)
        assert not await RateCounter.exists()

    async def test_sms_codes(self, at: Address, clock: ManualClock) -> None:
        await test_sms_codes_are_limited_per_identity_mobile_and_address(at, clock)


# The client address ------------------------------------------------------------------


class TestUntrustedPeer:
    @pytest.fixture
    def trusted_proxies(self) -> list[str]:
        return []

    async def test_forwarded_for_from_an_untrusted_peer_is_ignored(self, at: Address) -> None:
        for n in range(5):
            result = await login(at(f"203.0.113.{n}"), f"guess{n}", "x")
            assert result["code"] == "INVALID_CREDENTIALS"
        # Every request came from the peer 127.0.0.1, whatever the header claimed.
        refused(await login(at("203.0.113.99"), "guess", "x"), "login.address", 60)


@pytest.mark.parametrize(
    ("peer", "forwarded", "trusted", "expected"),
    [
        ("10.0.0.2", "203.0.113.7", [], "10.0.0.2"),
        ("10.0.0.2", "203.0.113.7", ["10.0.0.0/8"], "203.0.113.7"),
        ("10.0.0.2", "1.1.1.1, 203.0.113.7", ["10.0.0.2"], "203.0.113.7"),
        ("10.0.0.2", "203.0.113.7, not-an-address", ["10.0.0.0/8"], "10.0.0.2"),
        ("192.0.2.1", "203.0.113.7", ["10.0.0.0/8"], "192.0.2.1"),
        ("10.0.0.2", None, ["10.0.0.0/8"], "10.0.0.2"),
        ("::1", "2001:db8::1", ["::1"], "2001:db8::1"),
        (None, "203.0.113.7", ["10.0.0.0/8"], None),
    ],
)
def test_client_address(
    peer: str | None, forwarded: str | None, trusted: list[str], expected: str | None
) -> None:
    assert client_address(peer, forwarded, trusted) == expected


def test_settings_refuse_unknown_scopes_and_bad_proxies() -> None:
    with pytest.raises(ValueError, match="unknown rate-limit scopes"):
        Settings(rate_limits={"login.acount": RateRule(limit=1, window_seconds=1)})
    with pytest.raises(ValueError):
        Settings(trusted_proxies="10.0.0.0/8, not-a-network")
    assert Settings(trusted_proxies="10.0.0.0/8, ::1").trusted_proxies == ["10.0.0.0/8", "::1"]
