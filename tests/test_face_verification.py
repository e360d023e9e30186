"""Face verification (微警认证): start, signed callback, expiry, replay, sign-in by face."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from core.face import SimulatedFaceProvider
from tests.graphql import GraphQLClient, register

START = """mutation($p: FaceVerificationPurpose!) { startFaceVerification(purpose: $p) {
  __typename ... on FaceVerification { id status qrPayload secondsLeft expiresAt }
  ... on OperationError { code } } }"""
STATUS = """query($id: ID!) { faceVerification(id: $id) {
  __typename ... on FaceVerification { status secondsLeft } ... on OperationError { code } } }"""
FACE_LOGIN = """mutation($id: ID!) { loginWithFace(verificationId: $id) {
  __typename ... on AuthSession { accessToken account { username } }
  ... on OperationError { code } } }"""


async def start(client: GraphQLClient, purpose: str = "LOGIN") -> dict[str, Any]:
    result: dict[str, Any] = (await client.execute(START, {"p": purpose}))["startFaceVerification"]
    assert result["__typename"] == "FaceVerification", result
    return result


async def callback(
    client: GraphQLClient,
    provider: SimulatedFaceProvider,
    verification_id: str,
    *,
    clock: Any,
    id_number: str = "440111199903175213",
    name: str = "张三",
    nonce: str | None = None,
    passed: bool = True,
    forge: bool = False,
) -> httpx.Response:
    body, headers = provider.confirmation(
        verification_id,
        id_number=id_number,
        name=name,
        nonce=nonce or uuid.uuid4().hex,
        verified_at=clock.now(),
        passed=passed,
    )
    if forge:
        body = body.replace(id_number.encode(), b"440106199001011235")
    return await client.http.post("/callbacks/face-verification", content=body, headers=headers)


async def test_start_returns_qr_valid_for_179_seconds(client: GraphQLClient) -> None:
    started = await start(client)
    assert started["status"] == "PENDING"
    assert started["secondsLeft"] == 179
    assert started["id"] in started["qrPayload"]


async def test_signed_callback_passes_and_face_signs_in(
    client: GraphQLClient, face_provider: SimulatedFaceProvider, clock: Any
) -> None:
    await register(client)
    started = await start(client)
    response = await callback(client, face_provider, started["id"], clock=clock)
    assert response.status_code == 200, response.text
    status = (await client.execute(STATUS, {"id": started["id"]}))["faceVerification"]
    assert status["status"] == "PASSED"
    signed = (await client.execute(FACE_LOGIN, {"id": started["id"]}))["loginWithFace"]
    assert signed["__typename"] == "AuthSession"
    assert signed["account"]["username"] == "zhangsan"
    # One verification signs in once.
    again = (await client.execute(FACE_LOGIN, {"id": started["id"]}))["loginWithFace"]
    assert again["code"] == "VERIFICATION_ALREADY_USED"


async def test_forged_callback_is_refused(
    client: GraphQLClient, face_provider: SimulatedFaceProvider, clock: Any
) -> None:
    started = await start(client)
    response = await callback(client, face_provider, started["id"], clock=clock, forge=True)
    assert response.status_code == 401
    assert response.json()["code"] == "INVALID_SIGNATURE"
    other_key = SimulatedFaceProvider("somebody-else's-key")
    response = await callback(client, other_key, started["id"], clock=clock)
    assert response.json()["code"] == "INVALID_SIGNATURE"
    status = (await client.execute(STATUS, {"id": started["id"]}))["faceVerification"]
    assert status["status"] == "PENDING"


async def test_replayed_callback_is_refused(
    client: GraphQLClient, face_provider: SimulatedFaceProvider, clock: Any
) -> None:
    started = await start(client)
    first = await callback(client, face_provider, started["id"], clock=clock, nonce="n-1")
    assert first.status_code == 200
    replay = await callback(client, face_provider, started["id"], clock=clock, nonce="n-1")
    assert (replay.status_code, replay.json()["code"]) == (409, "VERIFICATION_ALREADY_USED")
    # A second, different confirmation (say, a failure) cannot overwrite the first.
    other = await callback(client, face_provider, started["id"], clock=clock, passed=False)
    assert other.status_code == 409
    status = (await client.execute(STATUS, {"id": started["id"]}))["faceVerification"]
    assert status["status"] == "PASSED"


async def test_expired_verification_is_refused(
    client: GraphQLClient, face_provider: SimulatedFaceProvider, clock: Any
) -> None:
    await register(client)
    started = await start(client)
    clock.advance(seconds=179)
    late = await callback(client, face_provider, started["id"], clock=clock)
    assert (late.status_code, late.json()["code"]) == (410, "VERIFICATION_EXPIRED")
    status = (await client.execute(STATUS, {"id": started["id"]}))["faceVerification"]
    assert status == {"__typename": "FaceVerification", "status": "EXPIRED", "secondsLeft": 0}
    signed = (await client.execute(FACE_LOGIN, {"id": started["id"]}))["loginWithFace"]
    assert signed["code"] == "VERIFICATION_EXPIRED"


async def test_a_passed_verification_is_only_good_for_its_validity(
    client: GraphQLClient, face_provider: SimulatedFaceProvider, clock: Any
) -> None:
    await register(client)
    started = await start(client)
    await callback(client, face_provider, started["id"], clock=clock)
    clock.advance(seconds=180)
    signed = (await client.execute(FACE_LOGIN, {"id": started["id"]}))["loginWithFace"]
    assert signed["code"] == "VERIFICATION_EXPIRED"


async def test_failed_and_pending_verifications_do_not_sign_in(
    client: GraphQLClient, face_provider: SimulatedFaceProvider, clock: Any
) -> None:
    await register(client)
    pending = await start(client)
    assert (await client.execute(FACE_LOGIN, {"id": pending["id"]}))["loginWithFace"][
        "code"
    ] == "VERIFICATION_PENDING"
    failed = await start(client)
    await callback(client, face_provider, failed["id"], clock=clock, passed=False)
    assert (await client.execute(FACE_LOGIN, {"id": failed["id"]}))["loginWithFace"][
        "code"
    ] == "VERIFICATION_FAILED"


async def test_face_of_an_unregistered_person_does_not_sign_in(
    client: GraphQLClient, face_provider: SimulatedFaceProvider, clock: Any
) -> None:
    started = await start(client)
    await callback(client, face_provider, started["id"], clock=clock)
    signed = (await client.execute(FACE_LOGIN, {"id": started["id"]}))["loginWithFace"]
    assert signed["code"] == "NOT_FOUND"


async def test_unknown_verification(client: GraphQLClient) -> None:
    for bad in ("not-a-uuid", str(uuid.uuid4())):
        result = (await client.execute(STATUS, {"id": bad}))["faceVerification"]
        assert result["code"] == "VERIFICATION_NOT_FOUND"


async def test_recover_password_by_face(
    client: GraphQLClient, face_provider: SimulatedFaceProvider, clock: Any
) -> None:
    await register(client)
    started = await start(client, "RECOVERY")
    await callback(client, face_provider, started["id"], clock=clock)
    recover = """mutation($id: ID!, $p: String!) { recoverWithFace(verificationId: $id, newPassword: $p) {
        __typename ... on RecoveredAccount { username } ... on OperationError { code } } }"""
    weak = (await client.execute(recover, {"id": started["id"], "p": "weak"}))["recoverWithFace"]
    assert weak["code"] == "WEAK_PASSWORD"
    ok = (await client.execute(recover, {"id": started["id"], "p": "Face#Pass2026"}))[
        "recoverWithFace"
    ]
    assert ok == {"__typename": "RecoveredAccount", "username": "zhangsan"}
    # A login verification cannot be used for recovery, and vice versa.
    login_kind = await start(client, "LOGIN")
    await callback(client, face_provider, login_kind["id"], clock=clock)
    wrong = (await client.execute(recover, {"id": login_kind["id"], "p": "Face#Pass2027"}))[
        "recoverWithFace"
    ]
    assert wrong["code"] == "VERIFICATION_NOT_FOUND"
