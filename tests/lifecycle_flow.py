"""Applications taken to submission as a client does it, for the lifecycle's tests.

An applicant registers, passes a face verification, runs the one-click test, starts an
application under the bachelor's condition, fills every section, uploads the materials
and submits (``submitApplication``). People are made up with valid identity numbers
(the shared database knows nothing of them, so the case is not on the fast track), or
the demo's 陈思远, whose degree the shared data proves (the fast track).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from stdnum.cn import ric

from core.models import Employer, EmployerNature
from core.settings import Settings
from tests.graphql import GraphQLClient
from tests.people import Applicant, applicant, load_shared_data, person
from tests.staff import staff_client
from tests.uploads import tiny_png, upload

LOCAL = ZoneInfo("Asia/Shanghai")

SAVE = """mutation($a: ID!, $s: DossierSection!, $v: JSON!) {
  saveSection(applicationId: $a, section: $s, values: $v) {
    __typename ... on OperationError { code message field } } }"""

SUBMIT = """mutation($a: ID!) { submitApplication(applicationId: $a) {
  __typename ... on Application { id state fastTrack }
  ... on OperationError { code message details } } }"""

APPLICATION_FIELDS = """
  id state stateLabel fastTrack district
  timeline { action label fromState toState toStateLabel actorRole actor at opinion corrections }
  allowedActions { action label }
  publicity { startsOn endsOn status published { label value } objectionsTo }
  card { number issueDate downloadUrl revoked }
"""

MINE = f"query {{ myApplications {{ {APPLICATION_FIELDS} }} }}"


def lifecycle_settings(settings: Settings) -> Settings:
    """No OCR (not under test here), sessions that outlast days of moved clock, no poller."""
    return settings.model_copy(
        update={"ocr_enabled": False, "session_idle_minutes": 60 * 24 * 365, "jobs_poll_seconds": 0}
    )


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=LOCAL)  # type: ignore[misc]


def made_up_person(n: int) -> dict[str, Any]:
    """A man born 1995 with a valid identity number (odd 17th digit)."""
    body = f"440106199501{(n % 28) + 1:02d}{(n * 2 + 1) % 1000:03d}"
    return {"name": f"测试{n}", "id_number": body + ric.calc_check_digit(body + "0")}


async def employer(nature: EmployerNature, name: str = "广州市属测试单位") -> int:
    """Reference data as an administrator would have approved it."""
    row = await Employer.create(name=name, nature=nature, district="天河区")
    return row.id


QUALIFICATION = {
    "diploma_level": "bachelor",
    "study_mode": "full_time",
    "institution": "华南理工大学",
    "major": "计算机科学与技术",
    "graduated_on": "2016-06-30",
    "diploma_number": "105611201605001234",
    "degree_level": "bachelor",
    "degree_number": "1056142016001234",
    "degree_awarded_on": "2016-06-30",
}


@dataclass
class Case:
    applicant: Applicant
    id: str
    submitted: dict[str, Any]

    @property
    def client(self) -> GraphQLClient:
        return self.applicant.client


async def submitted(
    app: Any,
    client: GraphQLClient,
    n: int,
    *,
    employer_id: int | None = None,
    fast_track: bool = False,
    district: str = "天河区",
) -> Case:
    """A submitted application of applicant ``n`` (one per person)."""
    if fast_track:
        await load_shared_data()
        who = await applicant(client, person("seed case 1"), n)
        analysis = await who.test(app)
        started = await who.start(analysis["id"], "education", "bachelor")
    else:
        who = await applicant(client, made_up_person(n), n)
        analysis = await who.test(app, numbers={})
        started = await who.start(analysis["id"], "education", "bachelor")
    assert started["__typename"] == "Application", started
    assert started["fastTrack"] is fast_track
    application_id = started["id"]
    if employer_id is None:
        employer_id = await employer(EmployerNature.ENTERPRISE, f"测试企业{n}")
    sections = {
        "QUALIFICATION": QUALIFICATION,
        "PERSONAL": {
            "gender": "男",
            "ethnicity": "汉族",
            "household_register_address": "湖南省长沙市岳麓区",
            "employer_id": employer_id,
        },
        "SETTLEMENT": {
            "address_type": "collective_household",
            "district": district,
            "address": f"广州市{district}测试路1号",
        },
        "FAMILY": {},
    }
    for section, values in sections.items():
        saved = await who.client.execute(SAVE, {"a": application_id, "s": section, "v": values})
        assert saved["saveSection"]["__typename"] != "OperationError", saved
    kinds = ["id_card_front", "household_register_page", "collective_household_page"]
    if not fast_track:
        kinds += ["diploma", "degree_cert"]
    for i, kind in enumerate(kinds):
        uploaded = await upload(who.client, application_id, kind, tiny_png(64 + i, 48))
        assert uploaded["__typename"] == "Material", uploaded
    result = (await who.client.execute(SUBMIT, {"a": application_id}))["submitApplication"]
    assert result["__typename"] == "Application", result
    return Case(who, application_id, result)


async def reviewer(
    app: Any, client: GraphQLClient, district: str = "天河区", n: int = 1
) -> GraphQLClient:
    return await staff_client(
        app,
        client,
        username=f"reviewer{n}",
        role="reviewer",
        district=district,
        id_number=made_up_staff_id(n),
    )


async def administrator(app: Any, client: GraphQLClient) -> GraphQLClient:
    return await staff_client(app, client, id_number=made_up_staff_id(99))


def made_up_staff_id(n: int) -> str:
    body = f"44010519830303{(n + 100) % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


async def mine(client: GraphQLClient, application_id: str) -> dict[str, Any]:
    rows = (await client.execute(MINE))["myApplications"]
    for row in rows:
        if row["id"] == application_id:
            found: dict[str, Any] = row
            return found
    raise LookupError(application_id)
