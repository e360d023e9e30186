"""Every step, allowed and refused, by each role, in every state a case passes through.

The expectations are written out here, not derived from ``core/lifecycle_rules.py``: a
step its role may take from the state succeeds (once, to move on); one of another role
is ``FORBIDDEN``; one of the right role in the wrong state ``INVALID_TRANSITION``; and
anyone the case does not concern (another district's reviewer, another employer's
administrator, the administrator) gets ``NOT_FOUND``.
"""

from __future__ import annotations

from typing import Any

import pytest

from core.clock import ManualClock
from core.models import EmployerNature
from core.settings import Settings
from tests.graphql import GraphQLClient
from tests.lifecycle_flow import (
    administrator,
    employer,
    lifecycle_settings,
    local,
    mine,
    reviewer,
    submitted,
)
from tests.test_lifecycle_employer import employer_admin


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return lifecycle_settings(settings)


# mutation -> (the role whose step it is, the arguments it needs)
MUTATIONS: dict[str, tuple[str, str]] = {
    "withdrawApplication": ("applicant", ""),
    "reapply": ("applicant", ""),
    "generateCard": ("applicant", ""),
    "forwardApplication": ("employer", ""),
    "returnToApplicant": ("employer", 'opinion: "请补充劳动合同"'),
    "recallForwarded": ("employer", ""),
    "acceptApplication": ("reviewer", ""),
    "returnApplication": ("reviewer", 'opinion: "材料不清晰", corrections: ["重新上传学位证"]'),
    "refuseApplication": ("reviewer", 'opinion: "不符合条件"'),
    "approveApplication": ("reviewer", ""),
    "startPublicity": ("reviewer", ""),
    "recordObjection": ("reviewer", 'opinion: "收到实名异议"'),
    "extendReview": ("reviewer", 'opinion: "需要核查"'),
    "issueCard": ("reviewer", ""),
    "settleApplication": ("reviewer", ""),
}
# What allowedActions answers for a mutation.
ACTION_OF = {
    "withdrawApplication": "WITHDRAW", "reapply": "REAPPLY", "generateCard": "GENERATE_CARD",
    "forwardApplication": "FORWARD", "returnToApplicant": "EMPLOYER_RETURN",
    "recallForwarded": "RECALL", "acceptApplication": "ACCEPT", "returnApplication": "RETURN",
    "refuseApplication": "REFUSE", "approveApplication": "APPROVE",
    "startPublicity": "START_PUBLICITY", "recordObjection": "OBJECTION",
    "extendReview": "EXTEND_REVIEW", "issueCard": "ISSUE_CARD", "settleApplication": "SETTLE",
}  # fmt: skip

# state -> the (role, mutation) pairs allowed there; the walk takes the last one.
DIRECT_WALK: list[tuple[str, set[tuple[str, str]], tuple[str, str]]] = [
    ("awaiting_acceptance",
     {("applicant", "withdrawApplication"), ("reviewer", "returnApplication"),
      ("reviewer", "refuseApplication")}, ("reviewer", "acceptApplication")),
    ("under_review",
     {("reviewer", "returnApplication"), ("reviewer", "refuseApplication"),
      ("reviewer", "extendReview")}, ("reviewer", "approveApplication")),
    ("approved", set(), ("reviewer", "startPublicity")),
    ("publicity", {("reviewer", "recordObjection")}, ("timer", "publicity.end")),
    ("publicity_passed", set(), ("reviewer", "issueCard")),
    ("card_issued", set(), ("reviewer", "settleApplication")),
    ("settled", set(), ("none", "")),
]  # fmt: skip

EMPLOYER_WALK: list[tuple[str, set[tuple[str, str]], tuple[str, str]]] = [
    ("employer_review",
     {("applicant", "withdrawApplication"), ("employer", "returnToApplicant")},
     ("employer", "forwardApplication")),
    ("awaiting_acceptance",
     {("applicant", "withdrawApplication"), ("reviewer", "returnApplication"),
      ("reviewer", "refuseApplication"), ("reviewer", "acceptApplication")},
     ("employer", "recallForwarded")),
    ("employer_review",
     {("applicant", "withdrawApplication"), ("employer", "forwardApplication")},
     ("employer", "returnToApplicant")),
    ("returned", set(), ("applicant", "reapply")),
    ("draft", set(), ("none", "")),
]  # fmt: skip


def mutation(name: str, args: str) -> str:
    extra = f", {args}" if args else ""
    return f"""mutation($a: ID!) {{ {name}(applicationId: $a{extra}) {{
      __typename ... on Application {{ state }} ... on OperationError {{ code message }} }} }}"""


async def attempt(client: GraphQLClient, name: str, application_id: str) -> dict[str, Any]:
    _, args = MUTATIONS[name]
    result: dict[str, Any] = (await client.execute(mutation(name, args), {"a": application_id}))[
        name
    ]
    return result


CASE = """query($id: ID!) { reviewApplication(id: $id) { __typename
  ... on ReviewCase { application { allowedActions { action } } } ... on OperationError { code } } }"""


async def walk(
    app: Any,
    clock: ManualClock,
    application_id: str,
    roles: dict[str, GraphQLClient],
    outsiders: list[GraphQLClient],
    steps: list[tuple[str, set[tuple[str, str]], tuple[str, str]]],
    district_holds: list[bool],
) -> None:
    """``district_holds[i]``: at step i the case is in the district's hands (submitted to
    it, or forwarded by the employer), so its reviewer may see it."""
    assert len(district_holds) == len(steps)
    for (state, allowed, (role, move)), held in zip(steps, district_holds, strict=True):
        seen = await mine(roles["applicant"], application_id)
        assert seen["state"] == state
        everything = set(allowed) | ({(role, move)} if role in roles else set())
        applicant_may = {ACTION_OF[m] for r, m in everything if r == "applicant"}
        assert {a["action"] for a in seen["allowedActions"]} == applicant_may, state
        for name, (owner, _) in MUTATIONS.items():
            for who, client in roles.items():
                if (who, name) in everything:
                    continue
                result = await attempt(client, name, application_id)
                assert result["__typename"] == "OperationError", (state, who, name, result)
                visible = who != "reviewer" or held
                visible = visible and (who != "employer" or state != "draft")
                expected = (
                    "NOT_FOUND" if not visible
                    else "FORBIDDEN" if owner != who
                    else "INVALID_TRANSITION"
                )  # fmt: skip
                assert result["code"] == expected, (state, who, name, result)
            for outsider in outsiders:
                result = await attempt(outsider, name, application_id)
                assert result["code"] == "NOT_FOUND", (state, name, result)
        if role == "timer":
            clock.advance(days=14)
            assert await app.state.services.jobs.run_due() == 1
        elif role in roles:
            result = await attempt(roles[role], move, application_id)
            assert result["__typename"] == "Application", (state, role, move, result)


async def test_every_step_by_every_role_directly_to_the_district(
    app: Any, client: GraphQLClient, clock: ManualClock
) -> None:
    clock.set(local(2026, 11, 2, 10))
    case = await submitted(app, client, 1)
    roles = {"applicant": case.client, "reviewer": await reviewer(app, client, "天河区", 1)}
    outsiders = [await reviewer(app, client, "越秀区", 2), await administrator(app, client)]
    held = [state != "draft" for state, _, _ in DIRECT_WALK]
    await walk(app, clock, case.id, roles, outsiders, DIRECT_WALK, held)


async def test_every_step_by_every_role_through_the_employer(
    app: Any, client: GraphQLClient, clock: ManualClock
) -> None:
    clock.set(local(2026, 11, 2, 10))
    admin = await administrator(app, client)
    ours = await employer(EmployerNature.MUNICIPAL_SOE, "广州市属国企甲")
    theirs = await employer(EmployerNature.MUNICIPAL_INSTITUTION, "广州市直单位乙")
    case = await submitted(app, client, 1, employer_id=ours)
    roles = {
        "applicant": case.client,
        "reviewer": await reviewer(app, client, "天河区", 1),
        "employer": await employer_admin(app, client, admin, ours, 2),
    }
    outsiders = [
        await reviewer(app, client, "越秀区", 2),
        await employer_admin(app, client, admin, theirs, 3),
        admin,
    ]
    # Only between forwarding and the recall: the employer's own return never reached it.
    held = [False, True, False, False, False]
    await walk(app, clock, case.id, roles, outsiders, EMPLOYER_WALK, held)
