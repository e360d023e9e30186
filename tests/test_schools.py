"""Schools (毕业院校) and majors (专业) over GraphQL: searching, and 增加院校 / 增加专业 with
an attachment, due within 2 working days, decided by an administrator (FAQ 8)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

import pytest

from core.clock import ManualClock
from core.models import School, SmsMessage
from tests.graphql import GraphQLClient, login
from tests.organisations import (
    DECIDE,
    MINE,
    PENDING,
    REQUEST_FIELDS,
    admin,
    applicant,
    counting_queries,
    load_reference_data,
    multipart,
)
from tests.uploads import tiny_png

# Wednesday 2026-09-30, 10:00 in Guangzhou: the National Day holiday follows.
BEFORE_NATIONAL_DAY = datetime(2026, 9, 30, 2, 0, tzinfo=UTC)

SCHOOLS = """query($s: String! = "", $level: SchoolLevel, $first: Int! = 20, $offset: Int! = 0) {
  schools(search: $s, level: $level, first: $first, offset: $offset) { __typename
    ... on SchoolPage { total hasMore offset items { id name code level levelLabel } }
    ... on OperationError { code field } } }"""

MAJORS = """query($s: String! = "", $level: MajorLevel) {
  majors(search: $s, level: $level) { __typename
    ... on MajorPage { total items { id name level levelLabel discipline code } }
    ... on OperationError { code field } } }"""

REQUEST_SCHOOL = (
    """mutation($input: SchoolRequestInput!, $attachments: [Upload!]!) {
  requestSchool(input: $input, attachments: $attachments) {"""
    + REQUEST_FIELDS
    + "} }"
)

REQUEST_MAJOR = (
    """mutation($input: MajorRequestInput!, $attachments: [Upload!]!) {
  requestMajor(input: $input, attachments: $attachments) {"""
    + REQUEST_FIELDS
    + "} }"
)

ATTACHMENT = """query($id: ID!) { referenceAttachment(id: $id) { __typename
  ... on ReferenceAttachmentContent { attachment { filename contentType } contentBase64 }
  ... on OperationError { code } } }"""


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(BEFORE_NATIONAL_DAY)


def diploma() -> tuple[str, bytes]:
    return ("毕业证书.png", tiny_png(90, 64, "ivory"))


async def again(client: GraphQLClient, username: str) -> GraphQLClient:
    session = await login(client, username)
    return client.as_user(session["accessToken"])


async def schools(client: GraphQLClient, text: str = "", **kwargs: Any) -> dict[str, Any]:
    result: dict[str, Any] = (await client.execute(SCHOOLS, {"s": text, **kwargs}))["schools"]
    return result


async def majors(client: GraphQLClient, text: str = "", **kwargs: Any) -> dict[str, Any]:
    result: dict[str, Any] = (await client.execute(MAJORS, {"s": text, **kwargs}))["majors"]
    return result


async def request_school(
    client: GraphQLClient, files: list[tuple[str, bytes]], **fields: Any
) -> dict[str, Any]:
    result: dict[str, Any] = (await multipart(client, REQUEST_SCHOOL, {"input": fields}, files))[
        "requestSchool"
    ]
    return result


async def request_major(
    client: GraphQLClient, files: list[tuple[str, bytes]], **fields: Any
) -> dict[str, Any]:
    result: dict[str, Any] = (await multipart(client, REQUEST_MAJOR, {"input": fields}, files))[
        "requestMajor"
    ]
    return result


async def test_search_schools_and_majors(app: Any, client: GraphQLClient) -> None:
    await load_reference_data()
    person = await applicant(client)

    found = await schools(person, "华南理工")
    assert [(s["name"], s["code"], s["level"]) for s in found["items"]] == [
        ("华南理工大学", "10561", "UNDERGRADUATE")
    ]
    # The exact name comes before names that merely contain it.
    assert (await schools(person, "广州大学"))["items"][0]["name"] == "广州大学"

    colleges = await schools(person, level="JUNIOR_COLLEGE")
    assert colleges["total"] == 2
    assert {s["levelLabel"] for s in colleges["items"]} == {"专科（高职）院校"}

    page = await schools(person, first=5, offset=5)
    assert (page["offset"], len(page["items"]), page["hasMore"]) == (5, 5, True)
    too_many = await schools(person, first=500)
    assert (too_many["code"], too_many["field"]) == ("INVALID_INPUT", "first")

    business = await majors(person, "工商管理")
    assert {(m["level"], m["discipline"]) for m in business["items"]} == {
        ("BACHELOR", "管理学"),
        ("POSTGRADUATE", "管理学"),
    }
    assert (await majors(person, "工商管理", level="POSTGRADUATE"))["items"][0]["code"] == "1202"
    assert (await majors(person, "天文考古"))["total"] == 0

    assert (await schools(client, "中山"))["code"] == "UNAUTHENTICATED"


async def test_school_request_due_in_two_working_days_approved_then_found(
    app: Any, client: GraphQLClient, clock: ManualClock
) -> None:
    await load_reference_data()
    person = await applicant(client)
    other = await applicant(client, 2)
    staff = await admin(app, client)
    name = "广州𠮷堃职业技术学院"

    without = await request_school(person, [], name=name, level="JUNIOR_COLLEGE")
    assert (without["code"], without["field"]) == ("INVALID_INPUT", "attachments")
    not_a_file = await request_school(
        person, [("证书.png", b"not an image at all")], name=name, level="JUNIOR_COLLEGE"
    )
    assert (not_a_file["code"], not_a_file["field"]) == ("UNSUPPORTED_FILE_TYPE", "attachments")
    listed = await request_school(person, [diploma()], name=" 中山大学 ", level="UNDERGRADUATE")
    assert (listed["code"], listed["details"]["name"]) == ("REFERENCE_EXISTS", "中山大学")

    asked = await request_school(
        person, [diploma()], name=name, level="JUNIOR_COLLEGE", code="14567"
    )
    assert asked["__typename"] == "ReferenceRequest", asked
    assert (asked["kind"], asked["kindLabel"], asked["status"], asked["name"]) == (
        "SCHOOL",
        "增加院校",
        "PENDING",
        name,
    )
    # Two working days after Wednesday 30 September: 1-7 October are the holiday.
    assert (asked["dueOn"], asked["overdue"]) == ("2026-10-09", False)
    assert (await schools(person, "𠮷堃"))["total"] == 0

    # The requester and administrators can read the attachment; nobody else.
    attachment_id = asked["attachments"][0]["id"]
    own = (await person.execute(ATTACHMENT, {"id": attachment_id}))["referenceAttachment"]
    assert base64.b64decode(own["contentBase64"]) == diploma()[1]
    assert own["attachment"] == {"filename": "毕业证书.png", "contentType": "image/png"}
    assert (await other.execute(ATTACHMENT, {"id": attachment_id}))["referenceAttachment"][
        "code"
    ] == "NOT_FOUND"

    mine = (await person.execute(MINE))["myReferenceRequests"]
    assert [(r["id"], r["dueOn"]) for r in mine["items"]] == [(asked["id"], "2026-10-09")]
    assert (await other.execute(MINE))["myReferenceRequests"]["total"] == 0

    # Ten days on (sessions have lapsed: sign in again), the request is overdue.
    clock.set(datetime(2026, 10, 10, 2, 0, tzinfo=UTC))
    staff = await again(client, "admin")
    person = await again(client, "person1")
    pending = (await staff.execute(PENDING, {"kind": "SCHOOL"}))["pendingReferenceRequests"]
    assert [(r["id"], r["overdue"]) for r in pending["items"]] == [(asked["id"], True)]

    approved = (await staff.execute(DECIDE, {"id": asked["id"], "approve": True}))[
        "decideReferenceRequest"
    ]
    assert approved["status"] == "APPROVED"
    assert approved["overdue"] is False
    found = await schools(person, "𠮷堃")
    assert [(s["id"], s["name"], s["code"], s["level"]) for s in found["items"]] == [
        (approved["resultId"], name, "14567", "JUNIOR_COLLEGE")
    ]
    school = await School.get(id=int(approved["resultId"]))
    assert school.name == name and "𠮷" in school.name
    sms = await SmsMessage.get(purpose="reference_request")
    assert sms.mobile == "13912345671" and name in sms.text


async def test_major_request_approved_then_found_at_its_level(
    app: Any, client: GraphQLClient
) -> None:
    await load_reference_data()
    person = await applicant(client)
    staff = await admin(app, client)

    listed = await request_major(person, [diploma()], name="计算机科学与技术", level="BACHELOR")
    assert listed["code"] == "REFERENCE_EXISTS"

    asked = await request_major(
        person,
        [diploma(), ("学位证书.pdf", b"%PDF-1.7\n%%EOF\n")],
        name="智能科学与技术",
        level="BACHELOR",
        discipline="工学",
        code="080907T",
    )
    assert (asked["kind"], asked["level"], asked["discipline"], asked["catalogueCode"]) == (
        "MAJOR",
        "bachelor",
        "工学",
        "080907T",
    )
    assert asked["dueOn"] == "2026-10-09"
    assert len(asked["attachments"]) == 2
    again = await request_major(person, [diploma()], name="智能科学与技术", level="BACHELOR")
    assert again["code"] == "REFERENCE_REQUEST_PENDING"
    assert again["details"]["requestId"] == asked["id"]

    approved = (await staff.execute(DECIDE, {"id": asked["id"], "approve": True}))[
        "decideReferenceRequest"
    ]
    assert approved["status"] == "APPROVED"
    found = await majors(person, "智能科学")
    assert [(m["name"], m["level"], m["code"]) for m in found["items"]] == [
        ("智能科学与技术", "BACHELOR", "080907T")
    ]
    assert (await majors(person, "智能科学", level="POSTGRADUATE"))["total"] == 0


async def test_two_people_asking_for_the_same_school_both_end_approved(
    app: Any, client: GraphQLClient
) -> None:
    await load_reference_data()
    first = await applicant(client)
    second = await applicant(client, 2)
    staff = await admin(app, client)
    one = await request_school(first, [diploma()], name="广州珺瑶学院", level="UNDERGRADUATE")
    two = await request_school(second, [diploma()], name="广州珺瑶学院", level="UNDERGRADUATE")
    a = (await staff.execute(DECIDE, {"id": one["id"], "approve": True}))["decideReferenceRequest"]
    b = (await staff.execute(DECIDE, {"id": two["id"], "approve": True}))["decideReferenceRequest"]
    assert a["resultId"] == b["resultId"] is not None
    assert await School.filter(name="广州珺瑶学院").count() == 1
    assert await SmsMessage.filter(purpose="reference_request").count() == 2


async def test_request_lists_cost_the_same_queries_however_long(
    app: Any, client: GraphQLClient
) -> None:
    await load_reference_data()
    person = await applicant(client)
    staff = await admin(app, client)

    async def costs() -> tuple[int, int]:
        with counting_queries() as pending:
            await staff.execute(PENDING)
        with counting_queries() as mine:
            await person.execute(MINE)
        return pending.count, mine.count

    for n in range(2):
        await request_school(person, [diploma()], name=f"广州测试学院{n}", level="UNDERGRADUATE")
    few = await costs()
    for n in range(2, 7):
        await request_major(
            person, [diploma(), diploma()], name=f"测试专业{n}", level="JUNIOR_COLLEGE"
        )
    many = await costs()
    assert (await person.execute(MINE))["myReferenceRequests"]["total"] == 7
    assert many == few
    assert min(few) > 2  # the counter sees the statements (session, count, rows, attachments)
