"""Demo people (core/demo_data) as applicants who pass a face verification."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from core.demo import demo_file
from core.shared_import import import_records
from tests.graphql import GraphQLClient, signed_in

START = """mutation { startFaceVerification(purpose: SHARED_DATA) {
  ... on FaceVerification { id } ... on OperationError { code } } }"""

TEST = """mutation($input: EligibilityTestInput!) { runEligibilityTest(input: $input) {
  __typename
  ... on EligibilityAnalysis { id referenceDate caseText
    summary { categoryId found text }
    prerequisites { id ok reason }
    barred { year district }
    conditions { categoryId conditionId title outcome reasons facts { name value } provenBySharedData }
    metConditions { categoryId conditionId } }
  ... on OperationError { code message details } } }"""

START_APPLICATION = """mutation($a: ID!, $c: String, $d: String) {
  startApplication(analysisId: $a, categoryId: $c, conditionId: $d) {
    __typename ... on Application { id state categoryId conditionId fastTrack }
    ... on OperationError { code message details } } }"""


@dataclass
class Applicant:
    person: dict[str, Any]
    client: GraphQLClient

    async def verify_face(self, app: Any, *, id_number: str | None = None) -> str:
        """Start a SHARED_DATA face verification and have the provider confirm it."""
        started = (await self.client.execute(START))["startFaceVerification"]
        provider = app.state.services.face_provider
        body, headers = provider.confirmation(
            started["id"],
            id_number=id_number or self.person["id_number"],
            name=self.person["name"],
            nonce=uuid.uuid4().hex,
            verified_at=app.state.services.clock.now(),
        )
        response = await self.client.http.post(
            "/callbacks/face-verification", content=body, headers=headers
        )
        assert response.status_code == 200, response.text
        return str(started["id"])

    async def test(
        self,
        app: Any,
        *,
        numbers: dict[str, str] | None = None,
        verification_id: str | None = None,
        notice: bool = True,
    ) -> dict[str, Any]:
        if verification_id is None:
            verification_id = await self.verify_face(app)
        given = self.person.get("certificate_numbers", {}) if numbers is None else numbers
        data = await self.client.execute(
            TEST,
            {
                "input": {
                    "verificationId": verification_id,
                    "noticeAccepted": notice,
                    "certificateNumbers": [{"kind": k, "number": v} for k, v in given.items()],
                }
            },
        )
        result: dict[str, Any] = data["runEligibilityTest"]
        return result

    async def start(
        self, analysis_id: str, category: str | None = None, condition: str | None = None
    ) -> dict[str, Any]:
        data = await self.client.execute(
            START_APPLICATION, {"a": analysis_id, "c": category, "d": condition}
        )
        result: dict[str, Any] = data["startApplication"]
        return result


def people() -> list[dict[str, Any]]:
    loaded: list[dict[str, Any]] = demo_file("people.json")
    return loaded


def person(case_fragment: str) -> dict[str, Any]:
    for p in people():
        if case_fragment in p["case"]:
            return p
    raise LookupError(case_fragment)


async def load_shared_data() -> None:
    await import_records(demo_file("shared_data.json"))


async def applicant(client: GraphQLClient, p: dict[str, Any], n: int = 1) -> Applicant:
    user = await signed_in(
        client,
        username=f"person{n}",
        real_name=p["name"],
        id_number=p["id_number"],
        mobile=f"139{n:08d}",
    )
    return Applicant(p, user)
