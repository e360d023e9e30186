"""SQL statements per request stay constant as an application grows (docs/performance.md).

An applicant's application detail, with its family members and materials, costs two
statements however many of each it has (the goal is at most three): the session with its
user and role grants, and the application with its family members and materials.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from core.settings import Settings
from tests.graphql import GraphQLClient
from tests.lifecycle_flow import lifecycle_settings, made_up_person
from tests.organisations import counting_queries
from tests.people import Applicant, applicant
from tests.plugins.plugin_helpers import id_number_for
from tests.test_dossier import add_member, put

DETAIL = """query($id: ID!) { application(id: $id) {
  __typename
  ... on Application { id state stateLabel categoryId conditionId district submittedAt
    familyMembers { id relationship relationshipLabel realName idNumber birthDate }
    materials { id kind familyMemberId contentType size width height label createdAt }
    allowedActions { action label } }
  ... on OperationError { code message } } }"""


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No OCR: its background updates would be counted with the request's statements."""
    return lifecycle_settings(settings)


async def detail(user: Applicant, application_id: str) -> tuple[dict[str, Any], int]:
    with counting_queries() as statements:
        data = await user.client.execute(DETAIL, {"id": application_id})
    result: dict[str, Any] = data["application"]
    assert result["__typename"] == "Application", result
    return result, statements.count


async def test_application_detail_costs_two_statements_however_large(
    app: Any, client: GraphQLClient
) -> None:
    user = await applicant(client, made_up_person(1), 1)
    analysis = await user.test(app, numbers={})
    started = await user.start(analysis["id"], "education", "bachelor")
    assert started["__typename"] == "Application", started
    application_id = started["id"]

    empty, statements_empty = await detail(user, application_id)
    assert empty["familyMembers"] == [] and empty["materials"] == []

    spouse = await add_member(
        user, application_id, "spouse", "王建国", id_number_for(date(1989, 3, 3), sequence=13)
    )
    await put(user, application_id, "marriage_cert", member=spouse["id"])
    small, statements_small = await detail(user, application_id)
    assert [m["realName"] for m in small["familyMembers"]] == ["王建国"]
    assert [m["kind"] for m in small["materials"]] == ["marriage_cert"]
    assert small["materials"][0]["familyMemberId"] == spouse["id"]

    children = []
    for n in range(4):
        child = await add_member(
            user,
            application_id,
            "child",
            f"王小{n}",
            id_number_for(date(2015 + n, 5, 5), sequence=20 + n),
        )
        children.append(child["id"])
        await put(user, application_id, "birth_certificate", member=child["id"], colour="red")
    large, statements_large = await detail(user, application_id)
    assert len(large["familyMembers"]) == 5
    assert [m["familyMemberId"] for m in large["materials"]] == [spouse["id"], *children]
    assert large["allowedActions"] == []  # a draft is submitted, not stepped

    # The session with its role grants; the application with its members and materials.
    assert statements_empty == statements_small == statements_large == 2


async def test_detail_of_another_applicant_is_not_found(app: Any, client: GraphQLClient) -> None:
    owner = await applicant(client, made_up_person(1), 1)
    analysis = await owner.test(app, numbers={})
    started = await owner.start(analysis["id"], "education", "bachelor")
    other = await applicant(client, made_up_person(2), 2)
    data = await other.client.execute(DETAIL, {"id": started["id"]})
    assert data["application"] == {
        "__typename": "OperationError",
        "code": "NOT_FOUND",
        "message": "申报不存在",
    }


@pytest.mark.parametrize("bad_id", ["99999999999999999999", "2147483648", "-1", "abc", ""])
async def test_detail_of_an_impossible_id_is_not_found(
    app: Any, client: GraphQLClient, bad_id: str
) -> None:
    """Ids the column cannot hold are answered like unknown ones, not with a database
    error (the detail's SQL is written by hand: nothing of the ORM checks them)."""
    user = await applicant(client, made_up_person(1), 1)
    data = await user.client.execute(DETAIL, {"id": bad_id})
    assert data["application"] == {
        "__typename": "OperationError",
        "code": "NOT_FOUND",
        "message": "申报不存在",
    }
