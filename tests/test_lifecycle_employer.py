"""Employer administrators: the role's request and approval, the employer's review, and
the one-hour window in which a forwarded application may be recalled."""

from __future__ import annotations

from typing import Any

import pytest

from core.clock import ManualClock
from core.models import EmployerNature, Role, RoleGrant, SmsMessage
from core.settings import Settings
from tests.graphql import GraphQLClient, signed_in
from tests.lifecycle_flow import (
    administrator,
    employer,
    lifecycle_settings,
    local,
    made_up_person,
    mine,
    reviewer,
    submitted,
)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return lifecycle_settings(settings)


REQUEST = """mutation($e: ID!, $d: String!) { requestEmployerAdmin(employerId: $e, department: $d, reason: "负责本单位人才引进") {
  __typename ... on EmployerAdminRequest { id status employerName } ... on OperationError { code message field } } }"""
DECIDE = """mutation($r: ID!, $ok: Boolean!, $o: String!) { decideEmployerAdminRequest(requestId: $r, approve: $ok, opinion: $o) {
  __typename ... on EmployerAdminRequest { id status opinion } ... on OperationError { code message } } }"""
PENDING = """{ employerAdminRequests { __typename ... on EmployerAdminRequestList { requests { id employerName department } }
  ... on OperationError { code } } }"""
LIST = """query($f: CaseFilter) { employerApplications(filter: $f) { __typename
  ... on CaseList { cases { id applicant { realName idNumber } application { state } } }
  ... on OperationError { code } } }"""


def op(name: str, args: str = "") -> str:
    extra = f", {args}" if args else ""
    return f"""mutation($a: ID!) {{ {name}(applicationId: $a{extra}) {{
      __typename ... on Application {{ state timeline {{ action actor opinion corrections }} }}
      ... on OperationError {{ code message }} }} }}"""


async def act(
    client: GraphQLClient, name: str, application_id: str, args: str = ""
) -> dict[str, Any]:
    result: dict[str, Any] = (await client.execute(op(name, args), {"a": application_id}))[name]
    return result


async def employer_admin(
    app: Any, client: GraphQLClient, admin: GraphQLClient, employer_id: int, n: int
) -> GraphQLClient:
    """A person who asked for the role and whom the competent department approved."""
    who = made_up_person(n)
    person = await signed_in(
        client, username=f"employee{n}", real_name=who["name"], id_number=who["id_number"],
        mobile=f"137{n:08d}",
    )  # fmt: skip
    asked = (await person.execute(REQUEST, {"e": str(employer_id), "d": "广州市国资委"}))[
        "requestEmployerAdmin"
    ]
    assert asked["status"] == "pending", asked
    decided = (await admin.execute(DECIDE, {"r": asked["id"], "ok": True, "o": ""}))[
        "decideEmployerAdminRequest"
    ]
    assert decided["status"] == "approved", decided
    return person


async def test_requesting_and_deciding_the_employer_admin_role(
    app: Any, client: GraphQLClient
) -> None:
    admin = await administrator(app, client)
    soe = await employer(EmployerNature.MUNICIPAL_SOE, "广州市属国企甲")
    private = await employer(EmployerNature.ENTERPRISE, "某民营企业")
    who = made_up_person(5)
    person = await signed_in(
        client, username="employee5", real_name=who["name"], id_number=who["id_number"]
    )
    refused = await person.execute(REQUEST, {"e": str(private), "d": "天河区人社局"})
    assert refused["requestEmployerAdmin"]["code"] == "INVALID_INPUT"
    asked = (await person.execute(REQUEST, {"e": str(soe), "d": "广州市国资委"}))[
        "requestEmployerAdmin"
    ]
    assert asked == {
        "__typename": "EmployerAdminRequest",
        "id": asked["id"],
        "status": "pending",
        "employerName": "广州市属国企甲",
    }
    again = (await person.execute(REQUEST, {"e": str(soe), "d": "广州市国资委"}))[
        "requestEmployerAdmin"
    ]
    assert again["code"] == "REFERENCE_REQUEST_PENDING"
    # Only the competent department (an administrator) decides.
    assert (await person.execute(PENDING))["employerAdminRequests"]["code"] == "FORBIDDEN"
    forbidden = await person.execute(DECIDE, {"r": asked["id"], "ok": True, "o": ""})
    assert forbidden["decideEmployerAdminRequest"]["code"] == "FORBIDDEN"
    listed = (await admin.execute(PENDING))["employerAdminRequests"]["requests"]
    assert [r["id"] for r in listed] == [asked["id"]]
    assert not await RoleGrant.filter(role=Role.EMPLOYER_ADMIN).exists()

    approved = await admin.execute(DECIDE, {"r": asked["id"], "ok": True, "o": "同意"})
    assert approved["decideEmployerAdminRequest"]["status"] == "approved"
    twice = await admin.execute(DECIDE, {"r": asked["id"], "ok": False, "o": "不同意"})
    assert twice["decideEmployerAdminRequest"]["code"] == "REQUEST_ALREADY_DECIDED"
    assert await RoleGrant.filter(role=Role.EMPLOYER_ADMIN, employer_id=soe).count() == 1
    sms = await SmsMessage.filter(purpose="employer_admin.approved").values_list("text", flat=True)
    assert len(sms) == 1 and "广州市属国企甲" in sms[0]
    # Now an employer administrator: the (empty) list of the employer's applications.
    listed_cases = (await person.execute(LIST))["employerApplications"]
    assert listed_cases == {"__typename": "CaseList", "cases": []}


async def test_employer_reviews_and_its_one_hour_window(
    app: Any, client: GraphQLClient, clock: ManualClock
) -> None:
    clock.set(local(2026, 9, 28, 9))
    admin = await administrator(app, client)
    soe = await employer(EmployerNature.MUNICIPAL_SOE, "广州市属国企甲")
    other = await employer(EmployerNature.MUNICIPAL_SOE, "广州市属国企乙")
    boss = await employer_admin(app, client, admin, soe, 2)
    stranger = await employer_admin(app, client, admin, other, 3)
    staff = await reviewer(app, client)

    case = await submitted(app, client, 1, employer_id=soe)
    assert case.submitted["state"] == "employer_review"
    # The district does not see it yet; another employer's administrator never does.
    assert (await act(staff, "acceptApplication", case.id))["code"] == "NOT_FOUND"
    assert (await act(stranger, "forwardApplication", case.id))["code"] == "NOT_FOUND"
    listed = (await boss.execute(LIST))["employerApplications"]["cases"]
    assert [c["id"] for c in listed] == [case.id]
    assert listed[0]["applicant"]["idNumber"].count("*") == 8

    forwarded = await act(boss, "forwardApplication", case.id)
    assert forwarded["state"] == "awaiting_acceptance"
    assert forwarded["timeline"][-1]["actor"] == "广州市属国企甲"
    # Within the hour the employer may take it back...
    clock.advance(minutes=59)
    recalled = await act(boss, "recallForwarded", case.id)
    assert recalled["state"] == "employer_review", recalled
    # ...and after the hour it may not: the district must return it.
    forwarded = await act(boss, "forwardApplication", case.id)
    assert forwarded["state"] == "awaiting_acceptance"
    clock.advance(minutes=61)
    late = await act(boss, "recallForwarded", case.id)
    assert late["code"] == "RECALL_WINDOW_CLOSED", late
    assert "RECALL" not in [
        a["action"] for a in (await mine(case.client, case.id))["allowedActions"]
    ]
    returned = await act(
        staff,
        "returnApplication",
        case.id,
        'opinion: "单位申请退回修改", corrections: ["更正引进单位"]',
    )
    assert returned["state"] == "returned"
    assert returned["timeline"][-1]["corrections"] == ["更正引进单位"]

    # The employer's decisions reach the applicant by SMS.
    purposes = await SmsMessage.filter(user__username="person1").values_list("purpose", flat=True)
    assert sorted(purposes) == ["lifecycle.forward", "lifecycle.forward", "lifecycle.return"]

    # Resubmitted, the employer returns it to the applicant with an opinion.
    assert (await act(case.client, "reapply", case.id))["state"] == "draft"
    resubmit = await case.client.execute(
        "mutation($a: ID!) { submitApplication(applicationId: $a) { ... on Application { state } } }",
        {"a": case.id},
    )
    assert resubmit["submitApplication"]["state"] == "employer_review"
    back = await act(boss, "returnToApplicant", case.id, 'opinion: "请补充劳动合同"')
    assert back["state"] == "returned"
    assert back["timeline"][-1]["opinion"] == "请补充劳动合同"
    # Returned by the employer, it never reached the district: the reviewer neither finds
    # it nor lists it (its earlier return by the district is history, not a hand-over).
    assert (await act(staff, "acceptApplication", case.id))["code"] == "NOT_FOUND"
    queue = await staff.execute("{ reviewQueue(first: 50) { ... on CaseList { cases { id } } } }")
    assert case.id not in [c["id"] for c in queue["reviewQueue"]["cases"]]
    texts = await SmsMessage.filter(purpose="lifecycle.employer_return").values_list(
        "text", flat=True
    )
    assert len(texts) == 1 and "请补充劳动合同" in texts[0]


async def test_forwarding_starts_the_acceptance_clock(
    app: Any, client: GraphQLClient, clock: ManualClock
) -> None:
    clock.set(local(2026, 9, 28, 9))
    admin = await administrator(app, client)
    soe = await employer(EmployerNature.MUNICIPAL_INSTITUTION, "广州市直单位")
    boss = await employer_admin(app, client, admin, soe, 2)
    case = await submitted(app, client, 1, employer_id=soe)
    # Nothing counts while the employer reviews.
    clock.set(local(2026, 10, 20, 9))
    assert await app.state.services.jobs.run_due() == 0
    assert (await act(boss, "forwardApplication", case.id))["state"] == "awaiting_acceptance"
    # Six working days after Tuesday 20 October is Wednesday 28 October.
    clock.set(local(2026, 10, 27, 23, 59))
    assert await app.state.services.jobs.run_due() == 0
    clock.set(local(2026, 10, 28, 0, 0))
    assert await app.state.services.jobs.run_due() == 1
    assert (await mine(case.client, case.id))["state"] == "under_review"
