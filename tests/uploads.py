"""GraphQL multipart uploads (the GraphQL multipart request specification), as a client sends them."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from PIL import Image

from tests.graphql import GraphQLClient

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "ocr"

UPLOAD = """mutation($a: ID!, $kind: String!, $file: Upload!, $member: ID, $label: String! = "") {
  uploadMaterial(applicationId: $a, kind: $kind, file: $file, familyMemberId: $member, label: $label) {
    __typename
    ... on Material { id kind familyMemberId contentType size width height rotation
                      ocrProgress { status position } }
    ... on OperationError { code message field retryAfterSeconds } } }"""

MATERIAL = """query($id: ID!) { material(id: $id) {
  __typename
  ... on Material { id kind width height rotation suggestedRotation ocrFields
                    ocrProgress { status position } }
  ... on OperationError { code } } }"""


def tiny_png(width: int = 64, height: int = 48, colour: str = "white") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, format="PNG")
    return buffer.getvalue()


async def upload(
    client: GraphQLClient,
    application_id: str,
    kind: str,
    data: bytes,
    *,
    filename: str = "photo.jpg",
    member: str | None = None,
    label: str = "",
) -> dict[str, Any]:
    operations = {
        "query": UPLOAD,
        "variables": {
            "a": application_id, "kind": kind, "file": None, "member": member, "label": label,
        },
    }  # fmt: skip
    response = await client.http.post(
        "/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.file"]})},
        files={"0": (filename, data, "application/octet-stream")},
        # The CSRF-proof header core/http.py requires of every multipart request.
        headers={"Authorization": f"Bearer {client.token}", "Apollo-Require-Preflight": "true"},
    )
    body = response.json()
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]["uploadMaterial"]
    return result


async def material(client: GraphQLClient, material_id: str) -> dict[str, Any]:
    result: dict[str, Any] = (await client.execute(MATERIAL, {"id": material_id}))["material"]
    return result


def fixture(name: str) -> tuple[bytes, dict[str, Any]]:
    truth = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    return (FIXTURES / f"{name}.jpg").read_bytes(), truth
