"""Employers (引进单位) over GraphQL: search by name and by either code, and requests to add
or rename one that an administrator decides (FAQ 4, 6, 7, 15)."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime
from typing import Any

import pytest

from core.clock import ManualClock
from core.credit_codes import organisation_check_digit
from core.crypto import lookup_hash
from core.models import AuditLog, Employer, SmsMessage
from core.names import name_key
from tests.graphql import GraphQLClient
from tests.organisations import (
    DECIDE,
    MINE,
    PENDING,
    REQUEST_FIELDS,
    admin,
    applicant,
    demo_employer,
    licence,
    load_reference_data,
    multipart,
)
from tests.uploads import tiny_png

# Wednesday 2026-09-30, 10:00 in Guangzhou: the National Day holiday follows.
BEFORE_NATIONAL_DAY = datetime(2026, 9, 30, 2, 0, tzinfo=UTC)

SEARCH = """query($s: String!, $by: EmployerSearchBy! = AUTO, $first: Int! = 20) {
  employers(search: $s, by: $by, first: $first) { __typename
    ... on EmployerPage { total hasMore items { id name creditCode organisationCode nature
                                               natureLabel reviewsApplications district } }
    ... on OperationError { code message field details } } }"""

REQUEST_EMPLOYER = (
    """mutation($new: NewEmployerInput, $rename: EmployerRenameInput, $attachments: [Upload!]) {
  requestEmployer(newEmployer: $new, rename: $rename, attachments: $attachments) {"""
    + REQUEST_FIELDS
    + "} }"
)

READ_REQUEST = """query($id: ID!) { referenceRequest(id: $id) {""" + REQUEST_FIELDS + "} }"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(BEFORE_NATIONAL_DAY)


def _uscc(prefix8: str, organisation_body: str) -> str:
    from stdnum.cn import uscc

    body = prefix8 + organisation_body + organisation_check_digit(organisation_body)
    return body + uscc.calc_check_digit(body + "0")


def _wrong_last(code: str) -> str:
    """The same code with a different last (check) character."""
    last = code[-1]
    return code[:-1] + ("1" if last != "1" else "2")


async def search(client: GraphQLClient, text: str, **kwargs: Any) -> dict[str, Any]:
    result: dict[str, Any] = (await client.execute(SEARCH, {"s": text, **kwargs}))["employers"]
    return result


async def request_new(
    client: GraphQLClient, files: list[tuple[str, bytes]] | None = None, **fields: Any
) -> dict[str, Any]:
    data = await multipart(client, REQUEST_EMPLOYER, {"new": fields}, files or [])
    result: dict[str, Any] = data["requestEmployer"]
    return result


async def request_rename(
    client: GraphQLClient, files: list[tuple[str, bytes]], **fields: Any
) -> dict[str, Any]:
    data = await multipart(client, REQUEST_EMPLOYER, {"rename": fields}, files)
    result: dict[str, Any] = data["requestEmployer"]
    return result


# Searching -----------------------------------------------------------------------------


async def test_search_by_full_name_puts_the_exact_name_first(
    app: Any, client: GraphQLClient
) -> None:
    await load_reference_data()
    person = await applicant(client)
    soe = demo_employer("municipal_soe")
    branch = soe["name"] + "物业分公司"
    await Employer.create(name=branch, name_key=name_key(branch))

    found = await search(person, soe["name"])
    assert found["__typename"] == "EmployerPage"
    assert found["total"] == 2
    first = found["items"][0]
    assert (first["name"], first["creditCode"], first["nature"]) == (
        soe["name"],
        soe["credit_code"],
        "MUNICIPAL_SOE",
    )
    assert first["reviewsApplications"] is True
    assert first["natureLabel"] == "市属国有企业"

    # A part of the name, typed with spaces, finds it too.
    part = await search(person, " 羊城 轨道装备 ")
    assert part["items"][0]["name"] == soe["name"]
    # Full-width and half-width brackets find each other.
    await Employer.create(
        name="广州(南沙)港务有限公司", name_key=name_key("广州(南沙)港务有限公司")
    )
    brackets = await search(person, "广州（南沙）港务")
    assert [e["name"] for e in brackets["items"]] == ["广州(南沙)港务有限公司"]


async def test_search_by_each_code_type(app: Any, client: GraphQLClient) -> None:
    await load_reference_data()
    person = await applicant(client)
    institution = demo_employer("municipal_institution")
    nine_only = demo_employer(nine_only=True)

    by_credit = await search(person, institution["credit_code"])
    assert [e["name"] for e in by_credit["items"]] == [institution["name"]]
    assert by_credit["items"][0]["reviewsApplications"] is True

    # The organisation code embedded in characters 9-17, written with its hyphen.
    code = institution["organisation_code"]
    by_org = await search(person, f"{code[:8]}-{code[8]}")
    assert [e["name"] for e in by_org["items"]] == [institution["name"]]

    by_nine = await search(person, nine_only["organisation_code"])
    assert [e["name"] for e in by_nine["items"]] == [nine_only["name"]]
    assert by_nine["items"][0]["creditCode"] is None

    # Its new 18-character code embeds the 9 characters it is listed with: found as well.
    upgraded = _uscc("91440103", nine_only["organisation_code"][:8])
    by_new_code = await search(person, upgraded.lower())
    assert [e["name"] for e in by_new_code["items"]] == [nine_only["name"]]

    # An explicit CODE search of a name-like text is a code error, not a name search.
    forced = await search(person, "广州羊城", by="CODE")
    assert (forced["__typename"], forced["code"]) == ("OperationError", "INVALID_CREDIT_CODE")


async def test_wrong_check_digit_is_an_error_not_an_empty_result(
    app: Any, client: GraphQLClient
) -> None:
    await load_reference_data()
    person = await applicant(client)
    employer = demo_employer()

    wrong18 = await search(person, _wrong_last(employer["credit_code"]))
    assert wrong18["__typename"] == "OperationError"
    assert (wrong18["code"], wrong18["field"]) == ("INVALID_CREDIT_CODE", "search")
    assert wrong18["details"] == {"kind": "credit_code", "reason": "check_digit"}
    assert "统一社会信用代码校验位错误" in wrong18["message"]

    wrong9 = await search(person, _wrong_last(employer["organisation_code"]))
    assert (wrong9["code"], wrong9["details"]["kind"]) == (
        "INVALID_CREDIT_CODE",
        "organisation_code",
    )
    assert "组织机构代码校验位错误" in wrong9["message"]


async def test_not_found_is_an_empty_page(app: Any, client: GraphQLClient) -> None:
    await load_reference_data()
    person = await applicant(client)
    unlisted = _uscc("91440106", "73210458")
    by_code = await search(person, unlisted)
    assert (by_code["__typename"], by_code["total"], by_code["items"]) == ("EmployerPage", 0, [])
    by_name = await search(person, "广州市不存在的单位有限公司")
    assert (by_name["total"], by_name["items"]) == (0, [])
    short = await search(person, "广")
    assert (short["code"], short["field"]) == ("INVALID_INPUT", "search")


async def test_search_needs_a_signed_in_person(app: Any, client: GraphQLClient) -> None:
    await load_reference_data()
    anonymous = await search(client, demo_employer()["name"])
    assert anonymous["code"] == "UNAUTHENTICATED"


async def test_rare_characters_are_kept_and_found(app: Any, client: GraphQLClient) -> None:
    await load_reference_data()
    person = await applicant(client)
    found = await search(person, "𠮷祥餐饮")
    assert [e["name"] for e in found["items"]] == ["广州𠮷祥餐饮管理有限公司"]
    found = await search(person, "喆堃信息")
    assert [e["name"] for e in found["items"]] == ["广州市喆堃信息科技有限公司"]


# Requesting a new employer -------------------------------------------------------------


async def test_new_employer_requested_approved_notified_and_then_found(
    app: Any, client: GraphQLClient
) -> None:
    await load_reference_data()
    person = await applicant(client)
    staff = await admin(app, client)
    code = _uscc("91440106", "58321467")
    # A rare character, and "珺" typed as a base letter with nothing combining: kept as is.
    name = "广州市珺𠮷数字科技有限公司"

    asked = await request_new(
        person,
        [licence()],
        name=name,
        creditCode=code,
        nature="ENTERPRISE",
        phone="020-38881234",
        district="天河区",
    )
    assert asked["__typename"] == "ReferenceRequest", asked
    assert (asked["kind"], asked["status"], asked["kindLabel"]) == (
        "EMPLOYER_NEW",
        "PENDING",
        "新增单位信息",
    )
    assert asked["name"] == name
    assert (asked["creditCode"], asked["organisationCode"]) == (code, code[8:17])
    # Three working days: Oct 1-7 are holidays, Oct 8 and 9 work, Saturday Oct 10 is a
    # make-up working day (调休).
    assert asked["dueOn"] == "2026-10-10"
    assert [a["contentType"] for a in asked["attachments"]] == ["image/png"]

    again = await request_new(person, name=name, creditCode=code)
    assert again["code"] == "REFERENCE_REQUEST_PENDING"

    # Nobody but an administrator decides.
    refused = (await person.execute(DECIDE, {"id": asked["id"], "approve": True}))[
        "decideReferenceRequest"
    ]
    assert refused["code"] == "FORBIDDEN"
    assert (await person.execute(PENDING))["pendingReferenceRequests"]["code"] == "FORBIDDEN"

    pending = (await staff.execute(PENDING, {"kind": "EMPLOYER_NEW"}))["pendingReferenceRequests"]
    assert [r["id"] for r in pending["items"]] == [asked["id"]]
    assert pending["items"][0]["requester"] == {"username": "person1", "realName": "张三"}
    assert await AuditLog.filter(action="reference_request.list_pending").count() == 1

    decided = (await staff.execute(DECIDE, {"id": asked["id"], "approve": True}))[
        "decideReferenceRequest"
    ]
    assert decided["status"] == "APPROVED"
    assert decided["employerId"] == decided["resultId"] is not None

    found = await search(person, code)
    assert [(e["id"], e["name"], e["district"]) for e in found["items"]] == [
        (decided["resultId"], name, "天河区")
    ]
    sms = await SmsMessage.filter(purpose="reference_request").all()
    assert [m.mobile for m in sms] == ["13912345671"]
    assert name in sms[0].text and "审核通过" in sms[0].text

    mine = (await person.execute(MINE))["myReferenceRequests"]
    assert [(r["id"], r["status"], r["statusLabel"]) for r in mine["items"]] == [
        (asked["id"], "APPROVED", "审核通过")
    ]

    twice = (await staff.execute(DECIDE, {"id": asked["id"], "approve": False, "opinion": "重复"}))[
        "decideReferenceRequest"
    ]
    assert twice["code"] == "REQUEST_ALREADY_DECIDED"


async def test_new_employer_with_a_listed_code_points_at_the_listing(
    app: Any, client: GraphQLClient
) -> None:
    await load_reference_data()
    person = await applicant(client)
    listed = demo_employer("municipal_soe")
    same = await request_new(person, name="另一个名称有限公司", creditCode=listed["credit_code"])
    assert (same["code"], same["details"]["name"]) == ("REFERENCE_EXISTS", listed["name"])

    # FAQ 6: listed with only its 9-character code, asked for with its 18-character one.
    nine_only = demo_employer(nine_only=True)
    upgraded = _uscc("91440103", nine_only["organisation_code"][:8])
    faq6 = await request_new(person, name=nine_only["name"], creditCode=upgraded)
    assert faq6["code"] == "REFERENCE_EXISTS"
    assert faq6["details"]["organisationCode"] == nine_only["organisation_code"]
    assert "已存在9位组织机构代码" in faq6["message"]

    wrong = await request_new(person, name="新单位有限公司", creditCode=_wrong_last(upgraded))
    assert (wrong["code"], wrong["field"]) == ("INVALID_CREDIT_CODE", "creditCode")
    nine = await request_new(
        person, name="新单位有限公司", creditCode=nine_only["organisation_code"]
    )
    assert (nine["code"], nine["field"]) == ("INVALID_CREDIT_CODE", "creditCode")


# Renaming ------------------------------------------------------------------------------


async def test_rename_keeping_the_nine_character_code(app: Any, client: GraphQLClient) -> None:
    await load_reference_data()
    person = await applicant(client)
    other = await applicant(client, 2)
    staff = await admin(app, client)
    nine_only = demo_employer(nine_only=True)
    employer = await Employer.get(organisation_code=nine_only["organisation_code"])
    new_name = "广州西关老字号食品有限公司"

    bare = await request_rename(
        person, [], employerId=str(employer.id), name=new_name,
        creditCode=nine_only["organisation_code"],
    )  # fmt: skip
    assert (bare["code"], bare["field"]) == ("INVALID_INPUT", "attachments")

    asked = await request_rename(
        person,
        [licence(), ("准予变更通知书.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n")],
        employerId=str(employer.id),
        name=new_name,
        creditCode=nine_only["organisation_code"],
    )
    assert asked["__typename"] == "ReferenceRequest", asked
    assert (asked["kind"], asked["previousName"], asked["name"]) == (
        "EMPLOYER_RENAME",
        nine_only["name"],
        new_name,
    )
    assert [a["contentType"] for a in asked["attachments"]] == ["image/png", "application/pdf"]

    # Another person's request is not theirs to see.
    hidden = (await other.execute(READ_REQUEST, {"id": asked["id"]}))["referenceRequest"]
    assert hidden["code"] == "NOT_FOUND"

    no_opinion = (await staff.execute(DECIDE, {"id": asked["id"], "approve": False}))[
        "decideReferenceRequest"
    ]
    assert (no_opinion["code"], no_opinion["field"]) == ("INVALID_INPUT", "opinion")

    approved = (await staff.execute(DECIDE, {"id": asked["id"], "approve": True}))[
        "decideReferenceRequest"
    ]
    assert (approved["status"], approved["resultId"]) == ("APPROVED", str(employer.id))
    await employer.refresh_from_db()
    assert (employer.name, employer.organisation_code, employer.credit_code) == (
        new_name,
        nine_only["organisation_code"],
        None,
    )
    assert [e["name"] for e in (await search(person, new_name))["items"]] == [new_name]
    assert (await search(person, nine_only["name"]))["total"] == 0
    assert (
        await SmsMessage.filter(
            purpose="reference_request", mobile_hash=lookup_hash("13912345671")
        ).count()
        == 1
    )


async def test_rename_with_the_code_that_embeds_the_listed_one_records_it(
    app: Any, client: GraphQLClient
) -> None:
    await load_reference_data()
    person = await applicant(client)
    staff = await admin(app, client)
    nine_only = demo_employer(nine_only=True)
    employer = await Employer.get(organisation_code=nine_only["organisation_code"])
    upgraded = _uscc("91440103", nine_only["organisation_code"][:8])

    unrelated = await request_rename(
        person, [licence()], employerId=str(employer.id), name="广州新名称食品有限公司",
        creditCode=_uscc("91440103", "55501234"),
    )  # fmt: skip
    assert (unrelated["code"], unrelated["field"]) == ("INVALID_INPUT", "creditCode")
    same_name = await request_rename(
        person, [licence()], employerId=str(employer.id), name=f" {nine_only['name']} "
    )
    assert (same_name["code"], same_name["field"]) == ("INVALID_INPUT", "name")
    missing = await request_rename(person, [licence()], employerId="999999", name="随便")
    assert (missing["code"], missing["field"]) == ("NOT_FOUND", "employerId")

    asked = await request_rename(
        person, [licence()], employerId=str(employer.id), name="广州新名称食品有限公司",
        creditCode=upgraded,
    )  # fmt: skip
    assert asked["creditCode"] == upgraded
    await staff.execute(DECIDE, {"id": asked["id"], "approve": True})
    await employer.refresh_from_db()
    assert (employer.name, employer.credit_code) == ("广州新名称食品有限公司", upgraded)


async def test_rejection_keeps_the_opinion_and_tells_the_requester(
    app: Any, client: GraphQLClient
) -> None:
    await load_reference_data()
    person = await applicant(client)
    staff = await admin(app, client)
    listed = demo_employer()
    employer = await Employer.get(credit_code=listed["credit_code"])
    asked = await request_rename(
        person, [("licence.png", tiny_png())], employerId=str(employer.id), name="广州改名公司"
    )
    opinion = "营业执照上的名称与申请不符"
    rejected = (
        await staff.execute(DECIDE, {"id": asked["id"], "approve": False, "opinion": opinion})
    )["decideReferenceRequest"]
    assert (rejected["status"], rejected["opinion"], rejected["resultId"]) == (
        "REJECTED",
        opinion,
        None,
    )
    await employer.refresh_from_db()
    assert employer.name == listed["name"]
    sms = await SmsMessage.get(purpose="reference_request")
    assert opinion in sms.text and "审核不通过" in sms.text
    mine = (await person.execute(MINE))["myReferenceRequests"]["items"]
    assert (mine[0]["status"], mine[0]["opinion"]) == ("REJECTED", opinion)


async def test_names_are_stored_in_one_unicode_form(app: Any, client: GraphQLClient) -> None:
    await load_reference_data()
    person = await applicant(client)
    # A combining accent is stored composed (NFC); an invisible character is refused.
    decomposed = "广州Cafe\u0301咖啡有限公司"
    asked = await request_new(person, name=decomposed, creditCode=_uscc("91440104", "60214578"))
    assert asked["name"] == unicodedata.normalize("NFC", decomposed) == "广州Café咖啡有限公司"
    zero_width = await request_new(
        person, name="广州\u200b隐形有限公司", creditCode=_uscc("91440104", "60214579")
    )
    assert (zero_width["code"], zero_width["field"]) == ("INVALID_INPUT", "name")


async def test_demo_lists_load_twice_without_change(app: Any, client: GraphQLClient) -> None:
    await load_reference_data()
    count = await Employer.all().count()
    await load_reference_data()
    assert await Employer.all().count() == count == 13
    # Every demo code passed the same checks a request's does while loading.
    assert await Employer.filter(credit_code=None).count() == 1
