"""The household-registration card: issued once, a PDF whose QR code verifies, public
verification (genuine, tampered, revoked, expired, unknown), the owner's download only.

The application is put in the state after publicity directly with the models; the
lifecycle tests drive the real path to it.
"""

from __future__ import annotations

import asyncio
import io
from datetime import timedelta
from typing import Any

import pytest
from pypdf import PdfReader

from core.cards import card_number_for, mask_name, sign_reference
from core.errors import DomainError, ErrorCode
from core.models import Application, AuditLog, FamilyMember, HouseholdCard, PolicyYear, User
from core.states import State
from core.workdays import local_date
from tests.conftest import SECRET
from tests.graphql import GraphQLClient, signed_in
from tests.staff import staff_client

VERIFY = """query($code: String!) { verifyHouseholdCard(code: $code) {
  status valid cardNumber issueDate validUntil holderName } }"""

REVOKE = """mutation($a: ID!, $r: String!) { revokeHouseholdCard(applicationId: $a, reason: $r) {
  __typename ... on ApplicationCard { number revoked downloadUrl }
  ... on OperationError { code message } } }"""

APPLICANT = {"username": "chensiyuan", "real_name": "陈思远", "id_number": "440106199403150318"}
OTHER = {
    "username": "linxiaoyan",
    "real_name": "林晓燕",
    "id_number": "350102199006010226",
    "mobile": "13900000002",
}


async def application_after_publicity(
    username: str, *, state: State = State.PUBLICITY_PASSED
) -> int:
    user = await User.get(username=username)
    year = await PolicyYear.get(is_current=True)
    row = await Application.create(
        applicant_id=user.id,
        policy_year=year,
        category_id="education",
        condition_id="bachelor",
        state=state,
        district="天河区",
        reached_district=True,
        sections={
            "personal": {"values": {"gender": "男", "ethnicity": "汉族"}},
            "settlement": {
                "values": {
                    "address_type": "own_property",
                    "district": "天河区",
                    "address": "广州市天河区天河路385号1201房",
                }
            },
        },
    )
    await FamilyMember.create(
        application=row, relationship="spouse", real_name="周美玲", id_number="44010419890930046X"
    )
    return row.id


@pytest.fixture
async def applicant(client: GraphQLClient) -> GraphQLClient:
    return await signed_in(client, **APPLICANT)


def codes_in(pdf: bytes) -> tuple[str, str]:
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    code = next(
        line.split("：", 1)[1].strip() for line in text.splitlines() if line.startswith("核验码")
    )
    return text, code


async def test_issuing_twice_gives_one_card(app: Any, applicant: GraphQLClient, clock: Any) -> None:
    application_id = await application_after_publicity("chensiyuan")
    cards = app.state.services.cards
    first = await cards.issue(application_id, actor_id=None)
    again = await cards.issue(application_id, actor_id=None)
    assert again.id == first.id
    assert await HouseholdCard.filter(application_id=application_id).count() == 1
    assert first.card_number == card_number_for(application_id, local_date(clock.now()))
    assert first.valid_until == first.issue_date + timedelta(days=180)
    assert await AuditLog.filter(action="card.issue", subject_id=str(first.id)).count() == 1


async def test_concurrent_issues_give_one_card(app: Any, applicant: GraphQLClient) -> None:
    application_id = await application_after_publicity("chensiyuan")
    cards = app.state.services.cards
    one, two = await asyncio.gather(
        cards.issue(application_id, actor_id=None), cards.issue(application_id, actor_id=None)
    )
    assert one.id == two.id
    assert await HouseholdCard.filter(application_id=application_id).count() == 1


async def test_no_card_before_publicity_passed(app: Any, applicant: GraphQLClient) -> None:
    application_id = await application_after_publicity("chensiyuan", state=State.PUBLICITY)
    with pytest.raises(DomainError) as raised:
        await app.state.services.cards.issue(application_id, actor_id=None)
    assert raised.value.code == ErrorCode.CONFLICT
    assert await HouseholdCard.all().count() == 0


async def test_pdf_download_and_its_code_verifies(
    app: Any, client: GraphQLClient, applicant: GraphQLClient
) -> None:
    application_id = await application_after_publicity("chensiyuan")
    card = await app.state.services.cards.issue(application_id, actor_id=None)

    response = await client.http.get(
        f"/cards/{application_id}.pdf", headers={"Authorization": f"Bearer {applicant.token}"}
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["cache-control"] == "no-store"
    pdf = response.content
    assert pdf.startswith(b"%PDF")
    text, code = codes_in(pdf)
    assert card.card_number in text
    for printed in (
        "广州市入户人员信息卡",
        "陈思远",
        "440106199403150318",
        "天河区",
        "广州市天河区天河路385号1201房",
        "本人合法产权房屋",
        "配偶",
        "周美玲",
        "44010419890930046X",
        "男",
    ):
        assert printed in text, printed
    assert code == sign_reference(SECRET, card.card_number, application_id, card.issue_date)

    # Anyone holding the code, without signing in:
    result = (await client.execute(VERIFY, {"code": code}))["verifyHouseholdCard"]
    assert result == {
        "status": "GENUINE",
        "valid": True,
        "cardNumber": card.card_number,
        "issueDate": card.issue_date.isoformat(),
        "validUntil": card.valid_until.isoformat(),
        "holderName": "陈**",
    }
    downloads = await AuditLog.filter(action="card.download").values("actor_id", "subject_id")
    owner = await User.get(username="chensiyuan")
    assert downloads == [{"actor_id": owner.id, "subject_id": str(card.id)}]


async def test_tampered_and_unknown_codes(
    app: Any, client: GraphQLClient, applicant: GraphQLClient
) -> None:
    application_id = await application_after_publicity("chensiyuan")
    card = await app.state.services.cards.issue(application_id, actor_id=None)
    code = sign_reference(SECRET, card.card_number, application_id, card.issue_date)
    prefix, mac = code.rsplit(".", 1)
    flipped = prefix + "." + ("A" if mac[0] != "A" else "B") + mac[1:]
    other_application = code.replace(f".{application_id}.", f".{application_id + 1}.")
    other_date = code.replace(f"{card.issue_date:%Y%m%d}", "20200101")
    forged = sign_reference("someone-else's-key", card.card_number, application_id, card.issue_date)
    for tampered in (flipped, other_application, other_date, forged, code[:-1]):
        result = (await client.execute(VERIFY, {"code": tampered}))["verifyHouseholdCard"]
        assert result == {
            "status": "TAMPERED",
            "valid": False,
            "cardNumber": None,
            "issueDate": None,
            "validUntil": None,
            "holderName": None,
        }, tampered
    # Signed with our key but never issued; and not a card code at all.
    never = sign_reference(SECRET, card_number_for(999, card.issue_date), 999, card.issue_date)
    for unknown in (never, "https://example.com/", ""):
        result = (await client.execute(VERIFY, {"code": unknown}))["verifyHouseholdCard"]
        assert (result["status"], result["cardNumber"]) == ("UNKNOWN", None), unknown


async def test_revoked_card(app: Any, client: GraphQLClient, applicant: GraphQLClient) -> None:
    application_id = await application_after_publicity("chensiyuan")
    card = await app.state.services.cards.issue(application_id, actor_id=None)
    code = sign_reference(SECRET, card.card_number, application_id, card.issue_date)

    elsewhere = await staff_client(
        app,
        client,
        username="haizhu",
        role="reviewer",
        district="海珠区",
        id_number="440105198303030019",
    )
    refused = await elsewhere.execute(REVOKE, {"a": str(application_id), "r": "信息有误"})
    assert refused["revokeHouseholdCard"]["code"] == "NOT_FOUND"
    refused = await applicant.execute(REVOKE, {"a": str(application_id), "r": "信息有误"})
    assert refused["revokeHouseholdCard"]["code"] == "FORBIDDEN"

    reviewer = await staff_client(
        app,
        client,
        username="tianhe",
        role="reviewer",
        district="天河区",
        id_number="430121198002100157",
    )
    empty = await reviewer.execute(REVOKE, {"a": str(application_id), "r": "  "})
    assert empty["revokeHouseholdCard"]["code"] == "INVALID_INPUT"
    revoked = (await reviewer.execute(REVOKE, {"a": str(application_id), "r": "材料虚假"}))[
        "revokeHouseholdCard"
    ]
    assert revoked == {
        "__typename": "ApplicationCard",
        "number": card.card_number,
        "revoked": True,
        "downloadUrl": f"/cards/{application_id}.pdf",
    }
    assert await AuditLog.filter(action="card.revoke", reason="材料虚假").count() == 1

    result = (await client.execute(VERIFY, {"code": code}))["verifyHouseholdCard"]
    assert (result["status"], result["valid"], result["cardNumber"]) == (
        "REVOKED",
        False,
        card.card_number,
    )
    response = await client.http.get(
        f"/cards/{application_id}.pdf", headers={"Authorization": f"Bearer {applicant.token}"}
    )
    assert response.status_code == 410
    assert response.json()["code"] == "CARD_REVOKED"


async def test_expired_card(
    app: Any, client: GraphQLClient, applicant: GraphQLClient, clock: Any
) -> None:
    application_id = await application_after_publicity("chensiyuan")
    card = await app.state.services.cards.issue(application_id, actor_id=None)
    code = sign_reference(SECRET, card.card_number, application_id, card.issue_date)
    clock.advance(days=181)
    result = (await client.execute(VERIFY, {"code": code}))["verifyHouseholdCard"]
    assert (result["status"], result["valid"], result["holderName"]) == ("EXPIRED", False, "陈**")


async def test_only_the_owner_downloads(
    app: Any, client: GraphQLClient, applicant: GraphQLClient
) -> None:
    application_id = await application_after_publicity("chensiyuan")
    await app.state.services.cards.issue(application_id, actor_id=None)
    other = await signed_in(client, **OTHER)
    path = f"/cards/{application_id}.pdf"

    response = await client.http.get(path, headers={"Authorization": f"Bearer {other.token}"})
    assert response.status_code == 404
    assert response.json()["code"] == "NOT_FOUND"
    assert b"%PDF" not in response.content

    assert (await client.http.get(path)).status_code == 401
    bad = await client.http.get(path, headers={"Authorization": "Bearer not-a-token"})
    assert bad.status_code == 401
    missing = await client.http.get(
        "/cards/999999.pdf", headers={"Authorization": f"Bearer {applicant.token}"}
    )
    assert missing.status_code == 404
    assert await AuditLog.filter(action="card.download").count() == 0


async def test_no_card_yet_is_not_found(
    app: Any, client: GraphQLClient, applicant: GraphQLClient
) -> None:
    application_id = await application_after_publicity("chensiyuan")
    response = await client.http.get(
        f"/cards/{application_id}.pdf", headers={"Authorization": f"Bearer {applicant.token}"}
    )
    assert response.status_code == 404


def test_masked_names() -> None:
    assert mask_name("陈思远") == "陈**"
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧***"
    assert mask_name("李") == "*"
