"""Supporting materials (证明材料) as clients see them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.file_uploads import Upload
from strawberry.scalars import JSON

from core.masking import mask_ocr_fields
from core.models import Material as MaterialRow
from schema.accounts import Done, DoneResult
from schema.context import Info
from schema.errors import OperationError, attempt


@strawberry.type(description="Where a material's recognition (OCR) stands.")
class OcrProgress:
    status: str = strawberry.field(
        description="queued | running | done | failed | cancelled | not_applicable | none"
    )
    position: int | None = strawberry.field(description="Photos ahead in the queue.")


@strawberry.type(description="An uploaded supporting material (证明材料).")
class Material:
    id: strawberry.ID
    kind: str
    family_member_id: strawberry.ID | None
    content_type: str
    size: int
    width: int | None
    height: int | None
    rotation: int = strawberry.field(description="Clockwise degrees applied to show it upright.")
    suggested_rotation: int | None = strawberry.field(
        description="Clockwise degrees that would make the photo upright, once recognised."
    )

    @strawberry.field(
        description="Recognised fields: {name: {value, raw, confidence, status, offered, "
        "problem, quad}}; only `offered` values should pre-fill the form."
    )
    def ocr_fields(self) -> JSON:
        # Read here, not when built: the stored value is opened on first read
        # (core/crypto.py), and a work list of materials rarely asks for it.
        fields = self._row.ocr_fields
        return JSON(fields if self._whole else mask_ocr_fields(fields))

    filename: str
    label: str
    created_at: datetime

    @strawberry.field
    def ocr_progress(self, info: Info) -> OcrProgress:
        status, position = info.context.services.materials.progress(self._row)
        return OcrProgress(status=status, position=position)

    _row: strawberry.Private[MaterialRow]
    _whole: strawberry.Private[bool]

    @classmethod
    def of(cls, row: MaterialRow, *, whole: bool = True) -> Material:
        """``whole=False``: a work list's view, numbers read from the photo masked."""
        member = row.family_member_id  # type: ignore[attr-defined]
        return cls(
            id=strawberry.ID(str(row.id)),
            kind=row.kind,
            family_member_id=strawberry.ID(str(member)) if member else None,
            content_type=row.content_type,
            size=row.size,
            width=row.width,
            height=row.height,
            rotation=row.rotation,
            suggested_rotation=row.suggested_rotation,
            filename=row.filename,
            label=row.label,
            created_at=row.created_at,
            _row=row,
            _whole=whole,
        )


MaterialResult = Annotated[Material | OperationError, strawberry.union("MaterialResult")]


@strawberry.type
class MaterialQuery:
    @strawberry.field(description="A material of yours, with its recognition's progress.")
    async def material(self, info: Info, id: strawberry.ID) -> MaterialResult:
        async def run() -> Material:
            row = await info.context.services.materials.own(info.context.require_actor(), str(id))
            return Material.of(row)

        return await attempt(run())


@strawberry.type
class MaterialMutation:
    @strawberry.mutation(
        description="Upload a photo (JPEG, PNG) or PDF as a material of `kind`, as a GraphQL "
        "multipart request. Recognition starts at once; poll `material(id) { ocrProgress }`."
    )
    async def upload_material(
        self,
        info: Info,
        application_id: strawberry.ID,
        kind: str,
        file: Upload,
        family_member_id: strawberry.ID | None = None,
        label: str = "",
    ) -> MaterialResult:
        async def run() -> Material:
            try:
                data = await file.read()  # type: ignore[attr-defined]
            finally:
                # Starlette spools uploads to a temporary file that nobody else closes.
                await file.close()  # type: ignore[attr-defined]
            row = await info.context.services.materials.upload(
                info.context.require_actor(),
                str(application_id),
                kind=kind,
                data=data,
                filename=getattr(file, "filename", "") or "",
                family_member_id=str(family_member_id) if family_member_id else None,
                label=label,
                client_address=info.context.request_info.client_address,
            )
            return Material.of(row)

        return await attempt(run())

    @strawberry.mutation(description="旋转: turn clockwise by 90, 180 or 270; recognition reruns.")
    async def rotate_material(self, info: Info, id: strawberry.ID, degrees: int) -> MaterialResult:
        async def run() -> Material:
            row = await info.context.services.materials.rotate(
                info.context.require_actor(), str(id), degrees
            )
            return Material.of(row)

        return await attempt(run())

    @strawberry.mutation(description="取消识别: drop the recognised values and type by hand.")
    async def cancel_recognition(self, info: Info, id: strawberry.ID) -> MaterialResult:
        async def run() -> Material:
            row = await info.context.services.materials.cancel_recognition(
                info.context.require_actor(), str(id)
            )
            return Material.of(row)

        return await attempt(run())

    @strawberry.mutation(description="Recognise a material again.")
    async def recognise_material(self, info: Info, id: strawberry.ID) -> MaterialResult:
        async def run() -> Material:
            row = await info.context.services.materials.recognise_again(
                info.context.require_actor(), str(id)
            )
            return Material.of(row)

        return await attempt(run())

    @strawberry.mutation(description="Remove a material from a draft.")
    async def remove_material(self, info: Info, id: strawberry.ID) -> DoneResult:
        async def run() -> Done:
            await info.context.services.materials.remove(info.context.require_actor(), str(id))
            return Done()

        return await attempt(run())
