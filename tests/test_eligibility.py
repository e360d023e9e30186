"""The one-click test, starting an application, and the re-application ban, over GraphQL.

The demo people (core/demo_data/people.json) carry the outcome expected for every
condition on 2026-11-22; the clock stands at noon that day in Guangzhou.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from core.clock import ManualClock
from core.models import AuditLog
from tests.graphql import GraphQLClient
from tests.people import Applicant, applicant, load_shared_data, people, person
from tests.staff import staff_client

NOON_2026_11_22 = datetime(2026, 11, 22, 4, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOON_2026_11_22)


@pytest.fixture
async def demo(app: Any) -> None:
    await load_shared_data()


def outcomes(analysis: dict[str, Any]) -> dict[str, str]:
    return {
        f"{c['categoryId']}/{c['conditionId']}": c["outcome"].lower()
        for c in analysis["conditions"]
    }


@pytest.mark.parametrize("who", people(), ids=lambda p: p["case"].split(":")[0][:40])
async def test_each_demo_person(
    app: Any, client: GraphQLClient, demo: None, who: dict[str, Any]
) -> None:
    user = await applicant(client, who)
    analysis = await user.test(app)
    assert analysis["__typename"] == "EligibilityAnalysis", analysis
    assert analysis["referenceDate"] == "2026-11-22"
    assert outcomes(analysis) == who["expect"]
    for condition in analysis["conditions"]:
        assert condition["reasons"], condition


@pytest.mark.parametrize(
    ("case", "text"),
    [
        ("seed case 1", "无职称，有学历学位信息"),
        ("seed case 2", "无职称，无学历学位信息"),
        ("seed case 3", "有职称，无学历学位信息"),
        ("seed case 4", "有职称，有学历学位信息"),
    ],
)
async def test_the_four_seed_cases(
    app: Any, client: GraphQLClient, demo: None, case: str, text: str
) -> None:
    user = await applicant(client, person(case))
    analysis = await user.test(app)
    assert analysis["caseText"] == text
    assert [s["categoryId"] for s in analysis["summary"]] == ["title", "education"]


async def test_reasons_say_why_an_age_limit_fails(
    app: Any, client: GraphQLClient, demo: None
) -> None:
    user = await applicant(client, person("just over a limit"))
    analysis = await user.test(app)
    bachelor = next(c for c in analysis["conditions"] if c["conditionId"] == "bachelor")
    assert bachelor["outcome"] == "NOT_MET"
    assert any("2026-11-22 时 41 周岁" in r and "40 周岁以下" in r for r in bachelor["reasons"])
    assert {"name": "age", "value": "41"} in bachelor["facts"]


async def test_skipping_numbers_leaves_education_unknown(
    app: Any, client: GraphQLClient, demo: None
) -> None:
    user = await applicant(client, person("seed case 1"))
    analysis = await user.test(app, numbers={})
    education = [c for c in analysis["conditions"] if c["categoryId"] == "education"]
    assert {c["outcome"] for c in education} == {"UNKNOWN"}
    assert analysis["caseText"] == "无职称，无学历学位信息"


async def test_shared_data_needs_a_fresh_face_verification(
    app: Any, client: GraphQLClient, clock: ManualClock, demo: None
) -> None:
    user = await applicant(client, person("seed case 1"))
    # Without a verification, or with one for another purpose.
    missing = await user.test(app, verification_id="00000000-0000-0000-0000-000000000000")
    assert missing["code"] == "VERIFICATION_NOT_FOUND"
    # Confirmed, but older than 179 seconds.
    stale = await user.verify_face(app)
    clock.advance(seconds=180)
    assert (await user.test(app, verification_id=stale))["code"] == "VERIFICATION_EXPIRED"
    # Another person's face.
    other = await user.verify_face(app, id_number=person("seed case 2")["id_number"])
    assert (await user.test(app, verification_id=other))["code"] == "VERIFICATION_FAILED"
    # The notice must be accepted.
    fresh = await user.verify_face(app)
    refused = await user.test(app, verification_id=fresh, notice=False)
    assert refused["code"] == "NOTICE_NOT_ACCEPTED"
    assert await AuditLog.filter(action="shared_data.read").count() == 0
    # A fresh one works once, and the read is audited.
    fresh = await user.verify_face(app)
    assert (await user.test(app, verification_id=fresh))["__typename"] == "EligibilityAnalysis"
    assert (await user.test(app, verification_id=fresh))["code"] == "VERIFICATION_ALREADY_USED"
    log = await AuditLog.filter(action="shared_data.read").all()
    assert len(log) == 1 and log[0].reason.startswith("一键测试")


async def test_one_met_condition_is_preselected(
    app: Any, client: GraphQLClient, demo: None
) -> None:
    user = await applicant(client, person("seed case 1"))
    analysis = await user.test(app)
    started = await user.start(analysis["id"])
    assert started["__typename"] == "Application", started
    assert (started["state"], started["categoryId"], started["conditionId"]) == (
        "draft",
        "education",
        "bachelor",
    )
    assert started["fastTrack"] is True  # proven by shared data alone (智能审批)
    # A double click returns the same draft.
    again = await user.start(analysis["id"])
    assert again["id"] == started["id"]


async def test_several_met_conditions_ask_for_a_choice(
    app: Any, client: GraphQLClient, demo: None
) -> None:
    user = await applicant(client, person("seed case 4"))
    analysis = await user.test(app)
    ask = await user.start(analysis["id"])
    assert ask["code"] == "CONDITION_CHOICE_REQUIRED"
    choices = {(c["categoryId"], c["conditionId"]) for c in ask["details"]["choices"]}
    assert choices == {("education", "master"), ("title", "intermediate")}
    chosen = await user.start(analysis["id"], "title", "intermediate")
    assert (chosen["categoryId"], chosen["conditionId"]) == ("title", "intermediate")


async def test_any_condition_may_be_chosen_by_hand(
    app: Any, client: GraphQLClient, demo: None
) -> None:
    user = await applicant(client, person("seed case 2"))
    analysis = await user.test(app)
    assert (await user.start(analysis["id"]))["code"] == "NO_CONDITION_MET"
    chosen = await user.start(analysis["id"], "skill", "technician")
    assert chosen["__typename"] == "Application"
    assert chosen["fastTrack"] is False
    unknown = await user.start(analysis["id"], "skill", "no_such_condition")
    assert unknown["code"] == "UNKNOWN_CONDITION"


async def test_a_disabled_category_or_condition_cannot_be_chosen(
    app: Any, client: GraphQLClient, demo: None
) -> None:
    admin = await staff_client(app, client)
    user = await applicant(client, person("seed case 4"))
    analysis = await user.test(app)
    toggle = """mutation($c: String!, $e: Boolean!) { setCategoryEnabled(year: 2026, categoryId: $c, enabled: $e) { __typename } }"""
    await admin.execute(
        "mutation { createPolicyYear(year: 2026, makeCurrent: true) { __typename } }"
    )
    await admin.execute(toggle, {"c": "title", "e": False})
    # The analysis was made under the year before the switch: the policy year moved on.
    refused = await user.start(analysis["id"], "title", "intermediate")
    assert refused["code"] in {"CATEGORY_DISABLED", "ANALYSIS_EXPIRED"}
    analysis = await user.test(app)
    assert "title" not in {c["categoryId"] for c in analysis["conditions"]}
    assert (await user.start(analysis["id"], "title", "intermediate"))[
        "code"
    ] == "CATEGORY_DISABLED"
    # Only the master's condition is met now, so it is preselected.
    started = await user.start(analysis["id"])
    assert started["conditionId"] == "master"
    condition = """mutation { setConditionEnabled(year: 2026, categoryId: "education", conditionId: "doctoral", enabled: false) { __typename } }"""
    await admin.execute(condition)
    assert (await user.start(analysis["id"], "education", "doctoral"))[
        "code"
    ] == "CONDITION_DISABLED"


async def test_no_reapplication_until_a_district_reopens(
    app: Any, client: GraphQLClient, demo: None
) -> None:
    barred = person("禁止再报")
    user = await applicant(client, barred)
    analysis = await user.test(app)
    assert analysis["barred"] == {"year": 2015, "district": "天河区"}
    refused = await user.start(analysis["id"])
    assert refused["code"] == "REAPPLICATION_BARRED"
    assert "天河区人才服务管理办公室" in refused["message"]
    assert refused["details"]["office"]["phones"] == ["38470847", "85583630"]

    # An applicant cannot reopen it; a reviewer can.
    reopen = """mutation($i: String!) { reopenApplicationRight(idNumber: $i, reason: "核实历史记录为集体户迁出") {
        __typename ... on OperationError { code } } }"""
    assert (await user.client.execute(reopen, {"i": barred["id_number"]}))[
        "reopenApplicationRight"
    ]["code"] == "FORBIDDEN"
    reviewer = await staff_client(
        app,
        client,
        username="reviewer1",
        role="reviewer",
        district="天河区",
        id_number="440106198606060027",
    )
    reopened = (await reviewer.execute(reopen, {"i": barred["id_number"]}))[
        "reopenApplicationRight"
    ]
    assert reopened["__typename"] == "ReopenedRight"
    started = await user.start(analysis["id"])
    assert (started["__typename"], started["conditionId"]) == ("Application", "bachelor")


async def test_an_analysis_is_its_owners_alone(app: Any, client: GraphQLClient, demo: None) -> None:
    owner = await applicant(client, person("seed case 1"), 1)
    analysis = await owner.test(app)
    other: Applicant = await applicant(client, person("seed case 2"), 2)
    query = """query($id: ID!) { eligibilityAnalysis(id: $id) {
        __typename ... on EligibilityAnalysis { caseText } ... on OperationError { code } } }"""
    mine = (await owner.client.execute(query, {"id": analysis["id"]}))["eligibilityAnalysis"]
    assert mine["caseText"] == "无职称，有学历学位信息"
    theirs = (await other.client.execute(query, {"id": analysis["id"]}))["eligibilityAnalysis"]
    assert theirs["code"] == "NOT_FOUND"
    assert (await other.start(analysis["id"]))["code"] == "NOT_FOUND"


async def test_district_offices_are_served(client: GraphQLClient) -> None:
    data = await client.execute(
        "{ districtOffices { district office phones hours } applicationNotice }"
    )
    offices = data["districtOffices"]
    assert len(offices) == 11
    assert offices[0]["district"] == "越秀区"
    assert "微警认证" in data["applicationNotice"]


async def test_without_insurance_paid_now_nothing_is_met(app: Any, client: GraphQLClient) -> None:
    from core.shared_import import import_records

    who = dict(person("seed case 3"))
    # The same title, but insurance stopped in 2025 and the last months were back-paid.
    await import_records(
        [
            {"kind": "title", "id_number": who["id_number"],
             "data": {"name": "高级工程师", "level": "senior_deputy", "series": "工程技术人员",
                      "awarded_on": "2018-09-01"}},
            {"kind": "social_insurance", "id_number": who["id_number"],
             "data": {"periods": [{"from": "2019-01", "to": "2025-03"},
                                  {"from": "2026-10", "to": "2026-11", "back_paid": True}]}},
        ]
    )  # fmt: skip
    user = await applicant(client, who)
    analysis = await user.test(app)
    assert analysis["prerequisites"] == [
        {"id": "social_insurance", "ok": False, "reason": analysis["prerequisites"][0]["reason"]}
    ]
    assert "目前未在本市正常缴纳社会保险" in analysis["prerequisites"][0]["reason"]
    senior = next(c for c in analysis["conditions"] if c["conditionId"] == "senior")
    assert senior["outcome"] == "NOT_MET"
    assert any("社会保险" in r for r in senior["reasons"])
    assert analysis["metConditions"] == []
