"""Masked personal data (脱敏): whole to the person and to whoever opens their case (an
audit-logged read), masked in work lists and to everyone else."""

from __future__ import annotations

from typing import Any

import pytest

from core.masking import mask_id_number, mask_mobile, mask_name, mask_ocr_fields, mask_values
from core.models import AuditLog, FamilyMember
from core.settings import Settings
from tests.graphql import GraphQLClient
from tests.lifecycle_flow import lifecycle_settings, made_up_person, reviewer, submitted


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return lifecycle_settings(settings)


PERSON = "realName idNumber mobile"
MEMBERS = "familyMembers { realName idNumber details }"
QUEUE = f"""query {{ reviewQueue(first: 10) {{ __typename
  ... on CaseList {{ cases {{ id applicant {{ {PERSON} }} application {{ {MEMBERS} }} }} }}
  ... on OperationError {{ code }} }} }}"""
CASE = f"""query($id: ID!) {{ reviewApplication(id: $id) {{ __typename
  ... on ReviewCase {{ applicant {{ {PERSON} }} application {{ {MEMBERS} }} }}
  ... on OperationError {{ code }} }} }}"""
MINE = f"query {{ me {{ ... on Account {{ {PERSON} }} }} myApplications {{ id {MEMBERS} }} }}"

SPOUSE_ID = "440104199602020026"
SPOUSE_MOBILE = "13698765432"


def test_the_masked_forms() -> None:
    assert mask_id_number("440106199001010318") == "440106********0318"
    assert mask_mobile("13912345678") == "139****5678"
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧***"
    assert mask_values({"id_number": "440106199001010318", "mobile": "13912345678", "x": 1}) == {
        "id_number": "440106********0318",
        "mobile": "139****5678",
        "x": 1,
    }
    recognised = {
        "id_number": {
            "value": "440106199001010318",
            "raw": "440106199001010318",
            "confidence": 0.9,
        },
        "name": {"value": "张三"},
    }
    assert mask_ocr_fields(recognised) == {
        "id_number": {
            "value": "440106********0318",
            "raw": "440106********0318",
            "confidence": 0.9,
        },
        "name": {"value": "张三"},
    }
    # Too short to keep both ends: never the whole value.
    assert mask_mobile("1234") != "1234" and mask_id_number("") == ""


async def _with_spouse(application_id: str) -> None:
    """A spouse on the application, as the dossier stores one (the dossier's own tests
    add members through ``addFamilyMember``; here only what is shown of it matters)."""
    await FamilyMember.create(
        application_id=int(application_id),
        relationship="spouse",
        real_name="李四",
        id_number=SPOUSE_ID,
        details={"mobile": SPOUSE_MOBILE, "ethnicity": "汉族"},
    )


async def test_lists_mask_and_the_opened_case_shows_whole_and_is_logged(
    app: Any, client: GraphQLClient
) -> None:
    case = await submitted(app, client, 1)
    await _with_spouse(case.id)
    person = made_up_person(1)
    staff = await reviewer(app, client)

    listed: dict[str, Any] = (await staff.execute(QUEUE))["reviewQueue"]
    [row] = [c for c in listed["cases"] if c["id"] == case.id]
    assert row["applicant"]["idNumber"] == mask_id_number(person["id_number"])
    assert row["applicant"]["idNumber"] != person["id_number"]
    assert "*" in row["applicant"]["mobile"] and len(row["applicant"]["mobile"]) == 11
    assert row["applicant"]["realName"] == person["name"]  # the case's handler sees the name
    [member] = row["application"]["familyMembers"]
    assert member == {
        "realName": "李*",
        "idNumber": "440104********0026",
        "details": {"mobile": "136****5432", "ethnicity": "汉族"},
    }

    reads_before = await AuditLog.filter(action="application.read").count()
    opened = (await staff.execute(CASE, {"id": case.id}))["reviewApplication"]
    assert opened["__typename"] == "ReviewCase"
    assert opened["applicant"]["idNumber"] == person["id_number"]
    assert "*" not in opened["applicant"]["mobile"]
    [member] = opened["application"]["familyMembers"]
    assert member["idNumber"] == SPOUSE_ID and member["realName"] == "李四"
    assert member["details"]["mobile"] == SPOUSE_MOBILE
    assert await AuditLog.filter(action="application.read").count() == reads_before + 1


async def test_the_owner_sees_their_own_data_whole(app: Any, client: GraphQLClient) -> None:
    case = await submitted(app, client, 2)
    await _with_spouse(case.id)
    data = await case.client.execute(MINE)
    assert data["me"]["idNumber"] == made_up_person(2)["id_number"]
    assert "*" not in data["me"]["mobile"]
    [mine] = [a for a in data["myApplications"] if a["id"] == case.id]
    assert mine["familyMembers"][0]["idNumber"] == SPOUSE_ID


async def test_a_reviewer_of_another_district_sees_nothing(app: Any, client: GraphQLClient) -> None:
    case = await submitted(app, client, 3)
    other = await reviewer(app, client, district="越秀区", n=2)
    listed = (await other.execute(QUEUE))["reviewQueue"]
    assert all(c["id"] != case.id for c in listed["cases"])
    opened = (await other.execute(CASE, {"id": case.id}))["reviewApplication"]
    assert opened == {"__typename": "OperationError", "code": "NOT_FOUND"}
