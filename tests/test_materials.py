"""Uploading materials over GraphQL multipart: checks, storage, OCR with the real models, rotation."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from core.clock import ManualClock
from core.models import Material
from tests.graphql import GraphQLClient
from tests.people import Applicant, applicant, load_shared_data, person
from tests.uploads import FIXTURES, fixture, material, tiny_png, upload

NOON_2026_11_22 = datetime(2026, 11, 22, 4, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOON_2026_11_22)


async def draft(app: Any, client: GraphQLClient) -> tuple[Applicant, str]:
    await load_shared_data()
    user = await applicant(client, person("seed case 2"))
    analysis = await user.test(app)
    started = await user.start(analysis["id"], "skill", "technician")
    assert started["__typename"] == "Application", started
    return user, started["id"]


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("truncated.jpg", "IMAGE_TRUNCATED"),
        ("png_bomb_30000x30000.png", "IMAGE_TOO_LARGE"),
        ("not_an_image.jpg", "UNSUPPORTED_FILE_TYPE"),
    ],
)
async def test_bad_files_are_refused_and_nothing_is_stored(
    app: Any, client: GraphQLClient, settings: Any, name: str, code: str
) -> None:
    user, application_id = await draft(app, client)
    data = (FIXTURES / "bad" / name).read_bytes()
    result = await upload(user.client, application_id, "id_card_front", data, filename=name)
    assert (result["__typename"], result["code"], result["field"]) == (
        "OperationError",
        code,
        "file",
    )
    assert await Material.all().count() == 0
    assert (
        not any(p.is_file() for p in settings.storage_dir.rglob("*"))
        if settings.storage_dir.exists()
        else True
    )


async def test_oversized_upload_is_refused(app: Any, client: GraphQLClient, settings: Any) -> None:
    user, application_id = await draft(app, client)
    data = b"\xff\xd8" + b"0" * settings.max_upload_bytes
    result = await upload(user.client, application_id, "id_card_front", data)
    assert result["code"] == "IMAGE_TOO_LARGE"


async def test_unknown_kind_and_someone_elses_application(app: Any, client: GraphQLClient) -> None:
    user, application_id = await draft(app, client)
    result = await upload(user.client, application_id, "selfie", tiny_png())
    assert result["code"] == "UNKNOWN_MATERIAL_KIND"
    other = await applicant(client, person("seed case 1"), 2)
    stranger = await upload(other.client, application_id, "other", tiny_png())
    assert stranger["code"] == "NOT_FOUND"


@pytest.mark.parametrize(
    ("name", "kind", "checked"),
    [
        ("id_card_front_00", "id_card_front", ("name", "id_number", "birth_date")),
        ("diploma_00", "diploma", ("name", "graduation_date")),  # photographed on its side
        ("title_cert_04", "title_cert", ("name", "id_number")),  # upside down
    ],
)
async def test_recognition_fills_fields_with_the_real_models(
    app: Any, client: GraphQLClient, name: str, kind: str, checked: tuple[str, ...]
) -> None:
    user, application_id = await draft(app, client)
    data, truth = fixture(name)
    uploaded = await upload(user.client, application_id, kind, data, filename=f"{name}.jpg")
    assert uploaded["__typename"] == "Material", uploaded
    assert uploaded["ocrProgress"]["status"] in ("queued", "running", "done")
    await app.state.services.materials.settle()
    done = await material(user.client, uploaded["id"])
    assert done["ocrProgress"] == {"status": "done", "position": None}
    assert done["suggestedRotation"] == truth["rotation"]
    for field in checked:
        got = done["ocrFields"][field]
        assert got["offered"] and got["value"] == truth["fields"][field]["value"], (field, got)


async def test_rotation_keeps_the_original_and_reruns_recognition(
    app: Any, client: GraphQLClient, settings: Any
) -> None:
    user, application_id = await draft(app, client)
    data, truth = fixture("id_card_front_02")  # rotated 270 degrees
    uploaded = await upload(user.client, application_id, "id_card_front", data)
    await app.state.services.materials.settle()
    assert (await material(user.client, uploaded["id"]))["suggestedRotation"] == 270
    rotate = """mutation($id: ID!, $d: Int!) { rotateMaterial(id: $id, degrees: $d) {
        __typename ... on Material { rotation width height } ... on OperationError { code } } }"""
    turned = (await user.client.execute(rotate, {"id": uploaded["id"], "d": 270}))["rotateMaterial"]
    assert turned == {
        "__typename": "Material", "rotation": 270,
        "width": uploaded["height"], "height": uploaded["width"],
    }  # fmt: skip
    await app.state.services.materials.settle()
    again = await material(user.client, uploaded["id"])
    assert again["suggestedRotation"] == 0
    assert again["ocrFields"]["id_number"]["value"] == truth["fields"]["id_number"]["value"]
    # The stored file is the original upload, byte for byte.
    row = await Material.get(id=int(uploaded["id"]))
    assert app.state.services.storage.get(row.content_hash) == data
    odd = (await user.client.execute(rotate, {"id": uploaded["id"], "d": 45}))["rotateMaterial"]
    assert odd["code"] == "INVALID_INPUT"


async def test_cancel_recognition_and_remove(app: Any, client: GraphQLClient) -> None:
    user, application_id = await draft(app, client)
    uploaded = await upload(user.client, application_id, "id_card_front", tiny_png())
    cancel = """mutation($id: ID!) { cancelRecognition(id: $id) {
        ... on Material { ocrProgress { status } ocrFields } ... on OperationError { code } } }"""
    cancelled = (await user.client.execute(cancel, {"id": uploaded["id"]}))["cancelRecognition"]
    assert cancelled == {"ocrProgress": {"status": "cancelled"}, "ocrFields": {}}
    await app.state.services.materials.settle()
    assert (await material(user.client, uploaded["id"]))["ocrProgress"]["status"] == "cancelled"
    remove = """mutation($id: ID!) { removeMaterial(id: $id) { __typename ... on OperationError { code } } }"""
    assert (await user.client.execute(remove, {"id": uploaded["id"]}))["removeMaterial"][
        "__typename"
    ] == "Done"
    assert (await material(user.client, uploaded["id"]))["code"] == "NOT_FOUND"


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
    files = [p for p in settings.storage_dir.rglob("*") if p.is_file()]
    assert len(files) == 1
    assert not any(p.name.startswith(".upload-") for p in files)
