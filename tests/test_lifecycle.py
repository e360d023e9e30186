"""The review lifecycle end to end: submission, acceptance, review, publicity, the card.

Driven over HTTP as the applicant, the district reviewer and the clock (``run_due``)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from core.clock import ManualClock
from core.models import Application as ApplicationRow
from core.models import ReviewEvent, SmsMessage
from core.settings import Settings
from tests.graphql import GraphQLClient
from tests.lifecycle_flow import (
    APPLICATION_FIELDS,
    MINE,
    lifecycle_settings,
    local,
    mine,
    reviewer,
    submitted,
)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return lifecycle_settings(settings)


def op(name: str, args: str = "") -> str:
    extra = f", {args}" if args else ""
    return f"""mutation($a: ID!) {{ {name}(applicationId: $a{extra}) {{
      __typename ... on Application {{ {APPLICATION_FIELDS} }}
      ... on OperationError {{ code message field details }} }} }}"""


async def act(
    client: GraphQLClient, name: str, application_id: str, args: str = ""
) -> dict[str, Any]:
    result: dict[str, Any] = (await client.execute(op(name, args), {"a": application_id}))[name]
    return result


async def test_from_submission_to_the_card(
    app: Any, client: GraphQLClient, clock: ManualClock
) -> None:
    clock.set(local(2026, 9, 29, 10))
    case = await submitted(app, client, 1)
    assert case.submitted["state"] == "awaiting_acceptance"
    staff = await reviewer(app, client)

    accepted = await act(staff, "acceptApplication", case.id)
    assert accepted["state"] == "under_review", accepted
    approved = await act(staff, "approveApplication", case.id)
    assert approved["state"] == "approved", approved
    publicity = await act(staff, "startPublicity", case.id)
    assert publicity["state"] == "publicity", publicity
    assert publicity["publicity"]["startsOn"] == "2026-09-29"
    # Five working days after 29 September: 30 Sep, 8, 9, 10 (a make-up Saturday), 12 Oct.
    assert publicity["publicity"]["endsOn"] == "2026-10-12"

    clock.set(local(2026, 10, 12, 23, 59))
    assert await app.state.services.jobs.run_due() == 0
    clock.set(local(2026, 10, 13, 0, 0))
    assert await app.state.services.jobs.run_due() == 1
    seen = await mine(case.client, case.id)
    assert seen["state"] == "publicity_passed"
    assert seen["publicity"]["status"] == "PASSED"

    issued = await act(staff, "issueCard", case.id)
    assert issued["state"] == "card_issued", issued
    seen = await mine(case.client, case.id)
    assert seen["card"]["downloadUrl"] == f"/cards/{case.id}.pdf"
    assert [s["action"] for s in seen["timeline"]] == [
        "SUBMIT",
        "ACCEPT",
        "APPROVE",
        "START_PUBLICITY",
        "END_PUBLICITY",
        "ISSUE_CARD",
    ]
    purposes = [
        m.purpose for m in await SmsMessage.filter(purpose__startswith="lifecycle.").order_by("id")
    ]
    assert purposes == ["lifecycle.approve", "lifecycle.start_publicity", "lifecycle.issue_card"]


async def test_accepted_automatically_on_the_sixth_working_day_across_national_day(
    app: Any, client: GraphQLClient, clock: ManualClock
) -> None:
    # Tuesday 29 September 2026. The working days after it: 30 Sep, 8 Oct, 9 Oct, Saturday
    # 10 Oct (a make-up working day, 调休), 12 Oct, and the 6th: Tuesday 13 October.
    clock.set(local(2026, 9, 29, 10))
    case = await submitted(app, client, 1)
    staff = await reviewer(app, client)
    clock.set(local(2026, 10, 12, 23, 59))
    assert await app.state.services.jobs.run_due() == 0
    assert (await mine(case.client, case.id))["state"] == "awaiting_acceptance"
    clock.set(local(2026, 10, 13, 0, 0))
    assert await app.state.services.jobs.run_due() == 1
    seen = await mine(case.client, case.id)
    assert seen["state"] == "under_review"
    assert seen["stateLabel"] == "已受理，审批中"
    step = seen["timeline"][-1]
    assert (step["action"], step["actorRole"], step["actor"]) == ("AUTO_ACCEPT", "system", "系统")
    # The review deadline shown to the reviewer: 15 working days after 13 October.
    case_view = await staff.execute(
        "query($id: ID!) { reviewApplication(id: $id) { ... on ReviewCase { reviewDeadline { dueOn extended } } } }",
        {"id": case.id},
    )
    assert case_view["reviewApplication"]["reviewDeadline"] == {
        "dueOn": "2026-11-03",
        "extended": False,
    }
    # Fired once: running again finds nothing.
    assert await app.state.services.jobs.run_due() == 0


async def test_acceptance_by_the_reviewer_disarms_the_timer(
    app: Any, client: GraphQLClient, clock: ManualClock
) -> None:
    clock.set(local(2026, 9, 29, 10))
    case = await submitted(app, client, 1)
    staff = await reviewer(app, client)
    assert (await act(staff, "acceptApplication", case.id))["state"] == "under_review"
    clock.set(local(2026, 10, 20, 0, 0))
    assert await app.state.services.jobs.run_due() == 0
    assert [s["action"] for s in (await mine(case.client, case.id))["timeline"]] == [
        "SUBMIT",
        "ACCEPT",
    ]


async def test_withdrawal_before_acceptance_but_not_after(
    app: Any, client: GraphQLClient, clock: ManualClock
) -> None:
    clock.set(local(2026, 11, 2, 10))
    first = await submitted(app, client, 1)
    second = await submitted(app, client, 2)
    staff = await reviewer(app, client)
    withdrawn = await act(first.client, "withdrawApplication", first.id)
    assert withdrawn["state"] == "withdrawn"
    assert withdrawn["allowedActions"] == [{"action": "REAPPLY", "label": "重新申报"}]
    assert (await act(staff, "acceptApplication", first.id))["code"] == "INVALID_TRANSITION"

    assert (await act(staff, "acceptApplication", second.id))["state"] == "under_review"
    late = await act(second.client, "withdrawApplication", second.id)
    assert late["code"] == "INVALID_TRANSITION"
    assert late["details"]["state"] == "under_review"
    # The withdrawn one's timer was disarmed; the accepted one's too.
    clock.advance(days=30)
    assert await app.state.services.jobs.run_due() == 0


async def test_return_with_corrections_then_revise_and_resubmit(
    app: Any, client: GraphQLClient, clock: ManualClock
) -> None:
    clock.set(local(2026, 11, 2, 10))
    case = await submitted(app, client, 1)
    staff = await reviewer(app, client)
    assert (await act(staff, "returnApplication", case.id, 'opinion: "  "'))[
        "code"
    ] == "INVALID_INPUT"
    returned = await act(
        staff,
        "returnApplication",
        case.id,
        'opinion: "学位证书照片不清晰", corrections: ["重新上传学位证书", "补充劳动合同"]',
    )
    assert returned["state"] == "returned"
    seen = await mine(case.client, case.id)
    step = seen["timeline"][-1]
    assert step["opinion"] == "学位证书照片不清晰"
    assert step["corrections"] == ["重新上传学位证书", "补充劳动合同"]
    assert step["actor"] == "天河区人社局"
    assert [a["action"] for a in seen["allowedActions"]] == ["REAPPLY"]
    sms = await SmsMessage.filter(purpose="lifecycle.return").values_list("text", flat=True)
    assert len(sms) == 1 and "学位证书照片不清晰" in sms[0]

    revised = await act(case.client, "reapply", case.id)
    assert revised["state"] == "draft"
    # The dossier is kept and editable again; it goes back to the district.
    saved = await case.client.execute(
        'mutation($a: ID!) { saveSection(applicationId: $a, section: SUPPLEMENTARY, values: {note: "已补充"}) { __typename } }',
        {"a": case.id},
    )
    assert saved["saveSection"]["__typename"] != "OperationError"
    again = await case.client.execute(
        "mutation($a: ID!) { submitApplication(applicationId: $a) { ... on Application { state } ... on OperationError { code details } } }",
        {"a": case.id},
    )
    assert again["submitApplication"] == {"state": "awaiting_acceptance"}
    assert [s["action"] for s in (await mine(case.client, case.id))["timeline"]] == [
        "SUBMIT",
        "RETURN",
        "REAPPLY",
        "SUBMIT",
    ]


async def test_refusal_then_reapply_under_another_condition(
    app: Any, client: GraphQLClient, clock: ManualClock
) -> None:
    clock.set(local(2026, 11, 2, 10))
    case = await submitted(app, client, 1)
    staff = await reviewer(app, client)
    refused = await act(staff, "refuseApplication", case.id, 'opinion: "学历不符合条件"')
    assert refused["state"] == "refused"
    assert refused["stateLabel"] == "不予受理"
    assert await SmsMessage.filter(purpose="lifecycle.refuse").count() == 1
    assert (await act(case.client, "reapply", case.id))["state"] == "draft"
    # 选择新的申报条件: a new analysis, and the draft takes the other condition.
    analysis = await case.applicant.test(app, numbers={})
    changed = await case.applicant.start(analysis["id"], "education", "master")
    assert changed["__typename"] == "Application"
    assert (changed["id"], changed["conditionId"], changed["state"]) == (case.id, "master", "draft")


async def test_reapply_refused_while_another_application_is_open(
    app: Any, client: GraphQLClient, clock: ManualClock
) -> None:
    clock.set(local(2026, 11, 2, 10))
    case = await submitted(app, client, 1)
    staff = await reviewer(app, client)
    await act(staff, "returnApplication", case.id, 'opinion: "请补充材料"')
    analysis = await case.applicant.test(app, numbers={})
    fresh = await case.applicant.start(analysis["id"], "education", "master")
    assert fresh["id"] != case.id and fresh["state"] == "draft"
    blocked = await act(case.client, "reapply", case.id)
    assert blocked["code"] == "APPLICATION_IN_PROGRESS"


async def test_publicity_interrupted_by_an_objection(
    app: Any, client: GraphQLClient, clock: ManualClock
) -> None:
    clock.set(local(2026, 11, 2, 10))
    case = await submitted(app, client, 1)
    staff = await reviewer(app, client)
    for name in ("acceptApplication", "approveApplication", "startPublicity"):
        assert (await act(staff, name, case.id))["__typename"] == "Application"
    seen = await mine(case.client, case.id)
    assert seen["publicity"]["status"] == "ONGOING"
    assert {i["label"] for i in seen["publicity"]["published"]} == {
        "姓名",
        "引进单位",
        "入户条件",
        "拟落户区",
    }
    assert "天河区人才服务管理办公室" in seen["publicity"]["objectionsTo"]
    clock.advance(days=2)
    objected = await act(staff, "recordObjection", case.id, 'opinion: "收到实名举报，重新核查"')
    assert objected["state"] == "under_review"
    assert objected["publicity"]["status"] == "INTERRUPTED"
    # The end of publicity no longer fires.
    clock.advance(days=20)
    assert await app.state.services.jobs.run_due() == 0
    assert (await mine(case.client, case.id))["state"] == "under_review"
    # An objection is investigated within 20 working days, extendable once by 10.
    view = "query($id: ID!) { reviewApplication(id: $id) { ... on ReviewCase { reviewDeadline { dueOn extended } } } }"
    before = (await staff.execute(view, {"id": case.id}))["reviewApplication"]["reviewDeadline"]
    assert before == {"dueOn": "2026-12-02", "extended": False}
    assert (await act(staff, "extendReview", case.id, 'opinion: "需外调核实"'))[
        "state"
    ] == "under_review"
    after = (await staff.execute(view, {"id": case.id}))["reviewApplication"]["reviewDeadline"]
    assert after == {"dueOn": "2026-12-16", "extended": True}
    twice = await act(staff, "extendReview", case.id, 'opinion: "再延长"')
    assert twice["code"] == "INVALID_TRANSITION"


async def test_two_reviewers_accepting_at_once_one_wins(
    app: Any, client: GraphQLClient, clock: ManualClock
) -> None:
    clock.set(local(2026, 11, 2, 10))
    case = await submitted(app, client, 1)
    first = await reviewer(app, client, "天河区", 1)
    second = await reviewer(app, client, "天河区", 2)
    before = (await ApplicationRow.get(id=int(case.id))).version
    results = await asyncio.gather(
        act(first, "acceptApplication", case.id), act(second, "acceptApplication", case.id)
    )
    kinds = sorted(r["__typename"] for r in results)
    assert kinds == ["Application", "OperationError"], results
    loser = next(r for r in results if r["__typename"] == "OperationError")
    assert loser["code"] in ("CONFLICT", "INVALID_TRANSITION")
    assert await ReviewEvent.filter(application_id=int(case.id), action="accept").count() == 1
    row = await ApplicationRow.get(id=int(case.id))
    assert row.state == "under_review" and row.version == before + 1


async def test_a_stale_version_is_a_conflict(
    app: Any, client: GraphQLClient, clock: ManualClock
) -> None:
    clock.set(local(2026, 11, 2, 10))
    case = await submitted(app, client, 1)
    staff = await reviewer(app, client)
    row = await ApplicationRow.get(id=int(case.id))
    stale = await act(staff, "acceptApplication", case.id, f"expectedVersion: {row.version - 1}")
    assert stale["code"] == "CONFLICT"
    fresh = await act(staff, "acceptApplication", case.id, f"expectedVersion: {row.version}")
    assert fresh["state"] == "under_review"


async def test_fast_track_is_approved_at_once_and_the_applicant_generates_the_card(
    app: Any, client: GraphQLClient, clock: ManualClock
) -> None:
    clock.set(local(2026, 11, 2, 10))
    case = await submitted(app, client, 1, fast_track=True)
    assert case.submitted["state"] == "approved"
    staff = await reviewer(app, client)
    seen = await mine(case.client, case.id)
    assert [s["action"] for s in seen["timeline"]] == ["SUBMIT", "FAST_APPROVE"]
    assert [a["action"] for a in seen["allowedActions"]] == ["GENERATE_CARD"]
    assert (await act(staff, "startPublicity", case.id))["code"] == "INVALID_TRANSITION"
    assert (await act(staff, "issueCard", case.id))["code"] == "INVALID_TRANSITION"
    incomplete = await act(case.client, "generateCard", case.id, 'settlement: {district: "越秀区"}')
    assert incomplete["code"] == "INVALID_INPUT"
    generated = await act(
        case.client,
        "generateCard",
        case.id,
        'settlement: {address_type: "collective_household", district: "越秀区", address: "广州市越秀区东风路1号"}',
    )
    assert generated["state"] == "card_issued", generated
    assert generated["district"] == "越秀区"
    assert generated["card"]["number"]
    purposes = await SmsMessage.filter(purpose__startswith="lifecycle.").values_list(
        "purpose", flat=True
    )
    assert sorted(purposes) == ["lifecycle.fast_approve", "lifecycle.generate_card"]


async def test_other_peoples_applications_are_not_found(
    app: Any, client: GraphQLClient, clock: ManualClock
) -> None:
    clock.set(local(2026, 11, 2, 10))
    case = await submitted(app, client, 1)
    other = await submitted(app, client, 2)
    elsewhere = await reviewer(app, client, "越秀区", 2)
    assert (await act(other.client, "withdrawApplication", case.id))["code"] == "NOT_FOUND"
    assert (await act(elsewhere, "acceptApplication", case.id))["code"] == "NOT_FOUND"
    found = await elsewhere.execute(
        "query($id: ID!) { reviewApplication(id: $id) { ... on OperationError { code } } }",
        {"id": case.id},
    )
    assert found["reviewApplication"] == {"code": "NOT_FOUND"}
    assert [a["id"] for a in (await case.client.execute(MINE))["myApplications"]] == [case.id]
