"""Uploading materials over GraphQL multipart: checks, storage, OCR with the real models,
rotation, progress and 取消识别.

Recognition runs the real PP-OCR models in the service's worker pool, on one photo of
each material kind (the whole development set belongs to ``bench/ocr.py``).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from core.clock import ManualClock
from core.models import Material
from core.ocr.engine import default_threads
from core.settings import Settings
from tests.graphql import GraphQLClient
from tests.people import Applicant, applicant, load_shared_data, person
from tests.uploads import FIXTURES, fixture, material, tiny_png, upload

NOON_2026_11_22 = datetime(2026, 11, 22, 4, 0, tzinfo=UTC)

ROTATE = """mutation($id: ID!, $d: Int!) { rotateMaterial(id: $id, degrees: $d) {
    __typename ... on Material { rotation width height ocrProgress { status } }
    ... on OperationError { code } } }"""
CANCEL = """mutation($id: ID!) { cancelRecognition(id: $id) {
    ... on Material { ocrProgress { status position } ocrFields }
    ... on OperationError { code } } }"""
SAVE = """mutation($a: ID!, $v: JSON) {
  saveSection(applicationId: $a, section: QUALIFICATION, values: $v) {
    __typename ... on Confirmation { application { sections } }
    ... on OperationError { code message } } }"""

# What each malformed upload in bad/ must be answered with (bad/bad_inputs.json's `what`).
BAD_INPUT_CODES = {
    "truncated_jpeg": "IMAGE_TRUNCATED",
    "decompression_bomb": "IMAGE_TOO_LARGE",
    "text_renamed_jpg": "UNSUPPORTED_FILE_TYPE",
}
BAD_INPUTS = json.loads((FIXTURES / "bad" / "bad_inputs.json").read_text("utf-8"))["files"]


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOON_2026_11_22)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """One OCR worker, as configured, but on every core: it shares the models the OCR
    tests already loaded (one recogniser per thread count) and halves each wait."""
    return settings.model_copy(
        update={"ocr_workers": 1, "ocr_threads_per_worker": default_threads()}
    )


async def draft(app: Any, client: GraphQLClient) -> tuple[Applicant, str]:
    await load_shared_data()
    user = await applicant(client, person("seed case 2"))
    analysis = await user.test(app)
    started = await user.start(analysis["id"], "skill", "technician")
    assert started["__typename"] == "Application", started
    return user, started["id"]


def stored_files(settings: Any) -> list[Any]:
    if not settings.storage_dir.exists():
        return []
    return [p for p in settings.storage_dir.rglob("*") if p.is_file()]


async def recognised(app: Any, user: Applicant, material_id: str) -> dict[str, Any]:
    """The material once the worker pool has finished with it."""
    await app.state.services.materials.settle()
    done = await material(user.client, material_id)
    assert done["ocrProgress"] == {"status": "done", "position": None}, done
    return done


def assert_fields_match(done: dict[str, Any], truth: dict[str, Any]) -> None:
    """Every ground-truth field offered with its normalised value, a confidence and a place."""
    # The material's size is after its own rotation; quads are after the suggested one.
    width, height = done["width"], done["height"]
    turned = (done["suggestedRotation"] or 0) % 180
    upright = (height, width) if turned else (width, height)
    for name, expected in truth["fields"].items():
        got = done["ocrFields"][name]
        assert (got["status"], got["offered"], got["value"]) == ("ok", True, expected["value"]), (
            name,
            got,
        )
        assert 0 < got["confidence"] <= 1, (name, got)
        assert all(0 <= x <= upright[0] and 0 <= y <= upright[1] for x, y in got["quad"]), (
            name,
            got["quad"],
        )


# --- Each material kind ---------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "id_card_front_03",  # core
        "household_register_page_01",  # core; birth date printed 2001.10.03
        "property_cert_03",  # core; photographed turned 270 degrees
        "marriage_cert_01",  # core; upside down, both spouses' blocks repeat labels
        "diploma_00",  # education plugin; on its side (90)
        "degree_cert_00",  # education plugin; award date in Chinese numerals (二〇〇二年)
        "title_cert_04",  # title plugin; upside down
        "skill_cert_02",  # skill plugin; the older 职业资格证书 layout
    ],
)
async def test_each_material_kind_is_recognised_into_its_fields(
    app: Any, client: GraphQLClient, name: str
) -> None:
    user, application_id = await draft(app, client)
    data, truth = fixture(name)
    kind = truth["kind"]
    uploaded = await upload(user.client, application_id, kind, data, filename=f"{name}.jpg")
    assert uploaded["__typename"] == "Material", uploaded
    assert (uploaded["kind"], uploaded["contentType"]) == (kind, "image/jpeg")
    assert (uploaded["width"], uploaded["height"]) == (truth["width"], truth["height"])
    assert uploaded["ocrProgress"]["status"] in ("queued", "running")
    done = await recognised(app, user, uploaded["id"])
    assert done["suggestedRotation"] == truth["rotation"]
    assert_fields_match(done, truth)


# --- Bad files ------------------------------------------------------------------------


def test_every_bad_input_has_an_expected_answer() -> None:
    assert {entry["what"] for entry in BAD_INPUTS} == set(BAD_INPUT_CODES)


@pytest.mark.parametrize("entry", BAD_INPUTS, ids=[entry["file"] for entry in BAD_INPUTS])
async def test_bad_files_are_refused_and_nothing_is_stored(
    app: Any, client: GraphQLClient, settings: Any, entry: dict[str, str]
) -> None:
    user, application_id = await draft(app, client)
    data = (FIXTURES / "bad" / entry["file"]).read_bytes()
    result = await upload(
        user.client, application_id, "id_card_front", data, filename=entry["file"]
    )
    assert (result["__typename"], result["code"], result["field"]) == (
        "OperationError",
        BAD_INPUT_CODES[entry["what"]],
        "file",
    )
    assert result["message"]
    assert await Material.all().count() == 0
    assert stored_files(settings) == []


async def test_oversized_upload_is_refused(app: Any, client: GraphQLClient, settings: Any) -> None:
    user, application_id = await draft(app, client)
    data = b"\xff\xd8" + b"0" * settings.max_upload_bytes
    result = await upload(user.client, application_id, "id_card_front", data)
    assert result["code"] == "IMAGE_TOO_LARGE"
    assert await Material.all().count() == 0
    assert stored_files(settings) == []


async def test_unknown_kind_and_someone_elses_application(app: Any, client: GraphQLClient) -> None:
    user, application_id = await draft(app, client)
    result = await upload(user.client, application_id, "selfie", tiny_png())
    assert result["code"] == "UNKNOWN_MATERIAL_KIND"
    other = await applicant(client, person("seed case 1"), 2)
    stranger = await upload(other.client, application_id, "other", tiny_png())
    assert stranger["code"] == "NOT_FOUND"


# --- Rotation -------------------------------------------------------------------------


async def test_explicit_rotations_turn_the_photo_and_recognition_follows(
    app: Any, client: GraphQLClient
) -> None:
    user, application_id = await draft(app, client)
    data, truth = fixture("id_card_front_00")  # photographed upright
    uploaded = await upload(user.client, application_id, "id_card_front", data)
    first = await recognised(app, user, uploaded["id"])
    assert first["suggestedRotation"] == 0
    size = (uploaded["width"], uploaded["height"])
    # Each quarter turn clockwise: the turned photo needs the rest of the circle.
    for total, suggested in ((90, 270), (180, 180), (270, 90)):
        turned = (await user.client.execute(ROTATE, {"id": uploaded["id"], "d": 90}))[
            "rotateMaterial"
        ]
        expected_size = size if total == 180 else size[::-1]
        assert turned["__typename"] == "Material", turned
        assert (turned["rotation"], (turned["width"], turned["height"])) == (total, expected_size)
        assert turned["ocrProgress"]["status"] in ("queued", "running")
        again = await recognised(app, user, uploaded["id"])
        assert again["suggestedRotation"] == suggested, total
        for field in ("name", "id_number", "birth_date"):
            assert again["ocrFields"][field]["value"] == truth["fields"][field]["value"]
    # The stored file is the original upload, byte for byte.
    row = await Material.get(id=int(uploaded["id"]))
    assert app.state.services.storage.get(row.content_hash) == data
    odd = (await user.client.execute(ROTATE, {"id": uploaded["id"], "d": 45}))["rotateMaterial"]
    assert odd["code"] == "INVALID_INPUT"


async def test_the_suggested_rotation_makes_a_rotated_photo_upright(
    app: Any, client: GraphQLClient
) -> None:
    user, application_id = await draft(app, client)
    data, truth = fixture("id_card_front_02")  # photographed turned 270 degrees
    uploaded = await upload(user.client, application_id, "id_card_front", data)
    done = await recognised(app, user, uploaded["id"])
    assert done["suggestedRotation"] == truth["rotation"] == 270
    assert_fields_match(done, truth)
    turned = (
        await user.client.execute(ROTATE, {"id": uploaded["id"], "d": done["suggestedRotation"]})
    )["rotateMaterial"]
    assert (turned["rotation"], turned["width"], turned["height"]) == (
        270,
        uploaded["height"],
        uploaded["width"],
    )
    upright = await recognised(app, user, uploaded["id"])
    assert upright["suggestedRotation"] == 0
    assert_fields_match(upright, truth)


# --- Progress, 取消识别 and typing by hand ----------------------------------------------


async def test_progress_then_cancel_recognition_and_type_by_hand(
    app: Any, client: GraphQLClient
) -> None:
    user, application_id = await draft(app, client)
    skill_data, skill_truth = fixture("skill_cert_02")
    title_data, title_truth = fixture("title_cert_00")
    # One OCR worker in the test settings: the second photo waits behind the first.
    first = await upload(user.client, application_id, "skill_cert", skill_data)
    second = await upload(user.client, application_id, "title_cert", title_data)
    assert (await material(user.client, first["id"]))["ocrProgress"]["status"] == "running"
    assert (await material(user.client, second["id"]))["ocrProgress"] == {
        "status": "queued",
        "position": 0,
    }

    # 取消识别 while the models are still reading: the late result must not come back.
    cancelled = (await user.client.execute(CANCEL, {"id": first["id"]}))["cancelRecognition"]
    assert cancelled == {"ocrProgress": {"status": "cancelled", "position": None}, "ocrFields": {}}
    await app.state.services.materials.settle()
    kept = await material(user.client, first["id"])
    assert (kept["ocrProgress"]["status"], kept["ocrFields"]) == ("cancelled", {})
    other = await recognised(app, user, second["id"])
    assert other["ocrFields"]["cert_no"]["value"] == title_truth["fields"]["cert_no"]["value"]

    # The applicant types the certificate's values by hand instead.
    typed = {
        "occupation": skill_truth["fields"]["occupation"]["value"],
        "grade": "technician",
        "certificate_number": skill_truth["fields"]["cert_no"]["value"],
        "issued_on": skill_truth["fields"]["issue_date"]["value"],
        "issuer": skill_truth["fields"]["issuer"]["value"],
    }
    saved = (await user.client.execute(SAVE, {"a": application_id, "v": typed}))["saveSection"]
    assert saved["__typename"] == "Confirmation", saved
    assert saved["application"]["sections"]["qualification"] == typed
    still = await material(user.client, first["id"])
    assert (still["ocrProgress"]["status"], still["ocrFields"]) == ("cancelled", {})


async def test_cancel_and_remove(app: Any, client: GraphQLClient) -> None:
    user, application_id = await draft(app, client)
    uploaded = await upload(user.client, application_id, "id_card_front", tiny_png())
    cancelled = (await user.client.execute(CANCEL, {"id": uploaded["id"]}))["cancelRecognition"]
    assert cancelled["ocrProgress"]["status"] == "cancelled"
    remove = """mutation($id: ID!) { removeMaterial(id: $id) { __typename ... on OperationError { code } } }"""
    assert (await user.client.execute(remove, {"id": uploaded["id"]}))["removeMaterial"][
        "__typename"
    ] == "Done"
    assert (await material(user.client, uploaded["id"]))["code"] == "NOT_FOUND"


# --- Other uploads --------------------------------------------------------------------


async def test_a_pdf_is_kept_without_recognition(app: Any, client: GraphQLClient) -> None:
    user, application_id = await draft(app, client)
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    uploaded = await upload(user.client, application_id, "skill_cert", pdf, filename="cert.pdf")
    assert (uploaded["contentType"], uploaded["ocrProgress"]["status"]) == (
        "application/pdf",
        "not_applicable",
    )


async def test_identical_uploads_share_one_stored_file(
    app: Any, client: GraphQLClient, settings: Any
) -> None:
    user, application_id = await draft(app, client)
    png = tiny_png()
    first = await upload(user.client, application_id, "other", png, label="劳动合同")
    second = await upload(user.client, application_id, "other", png, label="劳动合同（补）")
    assert first["id"] != second["id"]
    files = stored_files(settings)
    assert len(files) == 1
    assert not any(p.name.startswith(".upload-") for p in files)


CONFIRMATION = """query($a: ID!) { applicationConfirmation(id: $a) {
  ... on Confirmation { problems { section code message materialKind } } } }"""


async def test_someone_elses_identity_card_is_a_problem_before_submission(
    app: Any, client: GraphQLClient
) -> None:
    user, application_id = await draft(app, client)

    def mismatches(problems: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [p for p in problems if p["code"] == "INVALID" and p["materialKind"]]

    # A photo whose number recognition could not read proves nothing either way.
    blank = await upload(user.client, application_id, "id_card_front", tiny_png())
    await app.state.services.materials.settle()
    query = await user.client.execute(CONFIRMATION, {"a": application_id})
    assert mismatches(query["applicationConfirmation"]["problems"]) == []

    # The photo shows 李健's card, not this applicant's: recognition reads its number.
    data, truth = fixture("id_card_front_00")
    assert truth["fields"]["id_number"]["value"] != user.person["id_number"]
    wrong = await upload(user.client, application_id, "id_card_front", data)
    await recognised(app, user, wrong["id"])
    query = await user.client.execute(CONFIRMATION, {"a": application_id})
    found = mismatches(query["applicationConfirmation"]["problems"])
    assert [(p["section"], p["materialKind"]) for p in found] == [("PERSONAL", "id_card_front")]
    assert "不是申办人本人的" in found[0]["message"]

    # Removing the wrong photo clears it.
    remove = """mutation($id: ID!) { removeMaterial(id: $id) { __typename } }"""
    assert (await user.client.execute(remove, {"id": wrong["id"]}))["removeMaterial"] == {
        "__typename": "Done"
    }
    query = await user.client.execute(CONFIRMATION, {"a": application_id})
    assert mismatches(query["applicationConfirmation"]["problems"]) == []
    assert blank["__typename"] == "Material"
