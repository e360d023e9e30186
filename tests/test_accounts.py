"""Accounts over GraphQL: registration, sign-in, lockout, sessions, passwords, recovery."""

from __future__ import annotations

import asyncio
import re

import pytest

from core.models import SmsMessage
from tests.graphql import (
    STRONG_PASSWORD,
    GraphQLClient,
    login,
    register,
    signed_in,
)

ME = "{ me { __typename ... on Account { username idNumber roles { role } } ... on OperationError { code } } }"


async def test_register_and_sign_in(client: GraphQLClient) -> None:
    account = await register(client, id_number="440111 19990317 5213")
    assert account["__typename"] == "Account"
    assert account["idNumber"] == "440111199903175213"
    assert account["roles"] == [{"role": "APPLICANT", "district": None}]
    session = await login(client)
    assert session["__typename"] == "AuthSession"
    assert session["idleTimeoutSeconds"] == 30 * 60
    me = await client.as_user(session["accessToken"]).execute(ME)
    assert me["me"] == {
        "__typename": "Account",
        "username": "zhangsan",
        "idNumber": "440111199903175213",
        "roles": [{"role": "APPLICANT"}],
    }


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("id_number", "440111199903175214", "INVALID_ID_NUMBER"),  # wrong check digit
        ("id_number", "44011119990317521", "INVALID_ID_NUMBER"),  # 17 characters
        ("id_number", "440111199902305217", "INVALID_ID_NUMBER"),  # 30 February
        ("mobile", "12345", "INVALID_MOBILE"),
        ("password", "short1A", "WEAK_PASSWORD"),
        ("password", "alllowercaseletters", "WEAK_PASSWORD"),
        ("password", "Zhangsan#2026", "WEAK_PASSWORD"),  # contains the account name
    ],
)
async def test_register_refuses_bad_input(
    client: GraphQLClient, field: str, value: str, code: str
) -> None:
    account = await register(client, **{field: value})
    assert account["__typename"] == "OperationError"
    assert account["code"] == code
    # Nothing was stored: the same person can register with good input.
    assert (await register(client))["__typename"] == "Account"


async def test_an_identity_number_registers_once(client: GraphQLClient) -> None:
    await register(client)
    again = await register(client, username="zhangsan2")
    assert (again["__typename"], again["code"]) == ("OperationError", "ID_NUMBER_TAKEN")
    same_name = await register(client, id_number="440106199001011235")
    assert same_name["code"] == "USERNAME_TAKEN"


async def test_five_failures_lock_the_account(client: GraphQLClient, clock) -> None:
    await register(client)
    for attempt in range(1, 5):
        result = await login(client, password="Wrong#Pass1")
        assert result["code"] == "INVALID_CREDENTIALS"
        assert result["details"] == {"attemptsLeft": 5 - attempt}
    locked = await login(client, password="Wrong#Pass1")
    assert locked["code"] == "ACCOUNT_LOCKED"
    assert 0 < locked["retryAfterSeconds"] <= 15 * 60
    # The right password does not open a locked account...
    assert (await login(client))["code"] == "ACCOUNT_LOCKED"
    # ...until the lock has passed.
    clock.advance(minutes=15, seconds=1)
    assert (await login(client))["__typename"] == "AuthSession"


async def test_sign_in_by_identity_number(client: GraphQLClient) -> None:
    await register(client)
    assert (await login(client, "440111199903175213"))["__typename"] == "AuthSession"


async def test_unknown_account_gets_the_same_answer(client: GraphQLClient) -> None:
    result = await login(client, "nobody", STRONG_PASSWORD)
    assert result["code"] == "INVALID_CREDENTIALS"


async def test_refresh_rotates_and_logout_revokes(client: GraphQLClient) -> None:
    await register(client)
    session = await login(client)
    refresh = """mutation($t: String!) { refreshSession(refreshToken: $t) {
        __typename ... on AuthSession { accessToken refreshToken } ... on OperationError { code } } }"""
    renewed = (await client.execute(refresh, {"t": session["refreshToken"]}))["refreshSession"]
    assert renewed["__typename"] == "AuthSession"
    assert renewed["accessToken"] != session["accessToken"]
    # The old tokens stopped working.
    reused = (await client.execute(refresh, {"t": session["refreshToken"]}))["refreshSession"]
    assert reused["code"] == "INVALID_TOKEN"
    assert (await client.as_user(session["accessToken"]).execute(ME))["me"][
        "code"
    ] == "INVALID_TOKEN"

    user = client.as_user(renewed["accessToken"])
    out = await user.execute("mutation { logout { __typename } }")
    assert out["logout"]["__typename"] == "Done"
    assert (await user.execute(ME))["me"]["code"] == "INVALID_TOKEN"
    again = (await client.execute(refresh, {"t": renewed["refreshToken"]}))["refreshSession"]
    assert again["code"] == "INVALID_TOKEN"


async def test_session_expires_after_30_idle_minutes(client: GraphQLClient, clock) -> None:
    user = await signed_in(client)
    clock.advance(minutes=29)
    assert (await user.execute(ME))["me"]["__typename"] == "Account"
    # Activity moved the idle window on.
    clock.advance(minutes=29)
    assert (await user.execute(ME))["me"]["__typename"] == "Account"
    clock.advance(minutes=31)
    assert (await user.execute(ME))["me"]["code"] == "SESSION_EXPIRED"


async def test_anonymous_me_is_unauthenticated(client: GraphQLClient) -> None:
    assert (await client.execute(ME))["me"]["code"] == "UNAUTHENTICATED"


async def test_signed_out_lists_are_an_error_not_an_empty_list(client: GraphQLClient) -> None:
    # An empty list would tell a frontend "no applications"; it must ask to sign in.
    body = await client.raw("{ myApplications { id } }")
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]
    stale = await client.raw("{ myApplications { id } }", token="not-a-token")
    assert stale["data"] is None
    assert stale["errors"][0]["extensions"]["code"] in {"INVALID_TOKEN", "SESSION_EXPIRED"}


CHANGE = """mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) {
    __typename ... on OperationError { code } } }"""


async def test_change_password(client: GraphQLClient) -> None:
    user = await signed_in(client)
    other_device = client.as_user((await login(client))["accessToken"])
    wrong = await user.execute(CHANGE, {"c": "Nope#12345", "n": "New#Pass2026"})
    assert wrong["changePassword"]["code"] == "INVALID_CREDENTIALS"
    weak = await user.execute(CHANGE, {"c": STRONG_PASSWORD, "n": "weak"})
    assert weak["changePassword"]["code"] == "WEAK_PASSWORD"
    done = await user.execute(CHANGE, {"c": STRONG_PASSWORD, "n": "New#Pass2026"})
    assert done["changePassword"]["__typename"] == "Done"
    assert (await user.execute(ME))["me"]["__typename"] == "Account"
    assert (await other_device.execute(ME))["me"]["code"] == "INVALID_TOKEN"
    assert (await login(client))["code"] == "INVALID_CREDENTIALS"
    assert (await login(client, password="New#Pass2026"))["__typename"] == "AuthSession"


REQUEST_CODE = """mutation($i: String!, $m: String!) { requestRecoveryCode(idNumber: $i, mobile: $m) {
    __typename ... on OperationError { code } } }"""
RECOVER = """mutation($i: String!, $c: String!, $p: String!) {
  recoverWithCode(idNumber: $i, code: $c, newPassword: $p) {
    __typename ... on RecoveredAccount { username } ... on OperationError { code } } }"""


async def _sent_code() -> str:
    message = await SmsMessage.filter(purpose="recovery").order_by("-id").first()
    assert message is not None and message.status == "sent"
    match = re.search(r"验证码为 (\d{6})", message.text)
    assert match
    return match.group(1)


async def test_recover_account_and_password_by_sms_code(client: GraphQLClient, clock) -> None:
    await register(client)
    # Lock the account first: recovery unlocks it.
    for _ in range(5):
        await login(client, password="Wrong#Pass1")
    variables = {"i": "440111199903175213", "m": "13912345678"}
    assert (await client.execute(REQUEST_CODE, variables))["requestRecoveryCode"][
        "__typename"
    ] == "Done"
    code = await _sent_code()
    wrong = await client.execute(
        RECOVER,
        {
            "i": variables["i"],
            "c": "000000" if code != "000000" else "111111",
            "p": "Fresh#Pass2026",
        },
    )
    assert wrong["recoverWithCode"]["code"] == "INVALID_RECOVERY_CODE"
    ok = await client.execute(RECOVER, {"i": variables["i"], "c": code, "p": "Fresh#Pass2026"})
    assert ok["recoverWithCode"] == {"__typename": "RecoveredAccount", "username": "zhangsan"}
    assert (await login(client, password="Fresh#Pass2026"))["__typename"] == "AuthSession"
    # A code works once.
    reused = await client.execute(RECOVER, {"i": variables["i"], "c": code, "p": "Other#Pass2026"})
    assert reused["recoverWithCode"]["code"] == "INVALID_RECOVERY_CODE"


async def test_recovery_code_expires(client: GraphQLClient, clock) -> None:
    await register(client)
    await client.execute(REQUEST_CODE, {"i": "440111199903175213", "m": "13912345678"})
    code = await _sent_code()
    clock.advance(minutes=11)
    late = await client.execute(
        RECOVER, {"i": "440111199903175213", "c": code, "p": "Fresh#Pass2026"}
    )
    assert late["recoverWithCode"]["code"] == "INVALID_RECOVERY_CODE"


async def test_recovery_code_request_does_not_reveal_accounts(client: GraphQLClient) -> None:
    result = await client.execute(REQUEST_CODE, {"i": "440111199903175213", "m": "13912345678"})
    assert result["requestRecoveryCode"]["__typename"] == "Done"
    assert await SmsMessage.all().count() == 0
    bad = await client.execute(REQUEST_CODE, {"i": "123", "m": "13912345678"})
    assert bad["requestRecoveryCode"]["code"] == "INVALID_ID_NUMBER"


async def test_password_hashing_leaves_the_event_loop_free() -> None:
    # Not a timing: a hash run on the loop itself would be finished before the loop
    # could run anything else; off the loop, this task is still waiting for it.
    from core.security import hash_password, verify_password

    hashed: list[str] = []

    async def hashing() -> None:
        hashed.append(await hash_password("Gz#Talent2026"))

    task = asyncio.create_task(hashing())
    await asyncio.sleep(0)  # the task starts and hands the hash to its thread
    assert not task.done() and hashed == []
    await task
    assert await verify_password(hashed[0], "Gz#Talent2026")
    assert not await verify_password(hashed[0], "Gz#Talent2027")


async def test_an_unknown_account_costs_a_password_verification(
    client: GraphQLClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Answering an unknown name without verifying would be faster than a wrong password
    for a known one, and the time would tell which names are registered."""
    from core import security

    verified: list[str] = []
    real_verify = security._verify

    def counting_verify(password_hash: str, password: str) -> bool:
        verified.append(password)
        return real_verify(password_hash, password)

    monkeypatch.setattr(security, "_verify", counting_verify)
    await register(client)
    unknown = await login(client, account="nobody", password="Wrong#Pass1")
    assert unknown["code"] == "INVALID_CREDENTIALS"
    wrong = await login(client, password="Wrong#Pass2")
    assert wrong["code"] == "INVALID_CREDENTIALS"
    assert verified == ["Wrong#Pass1", "Wrong#Pass2"]
