"""Uploading supporting materials, turning them upright, and recognising them (OCR).

An upload is checked by content (JPEG or PNG photos, or a PDF where a certificate comes
as one), stored by content hash, and recorded; recognition then runs in a bounded worker
pool off the event loop and writes its fields to the material when done. The client
polls the material for progress. Materials still queued when the service stopped are
queued again at the next start.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

from PIL import Image
from tortoise.transactions import in_transaction

from core.actors import Actor, require_role
from core.categories import MaterialRequirement
from core.dossier import DossierService
from core.errors import DomainError, ErrorCode
from core.ids import known_id
from core.imaging import ImageRejected, load_image, rotate
from core.materials import CORE_KINDS
from core.models import Application, FamilyMember, Material, Role
from core.ocr.kinds import CORE_MAPPINGS as CORE_OCR_MAPPINGS
from core.ocr.mapping import KindMapping
from core.ocr.pipeline import OcrJob, OcrPool, OcrPoolBusy, OcrResult
from core.plugins import PluginConflictError, PluginRegistry
from core.ratelimit import RateLimits
from core.settings import Settings
from core.storage import FileStorage

logger = logging.getLogger("talent.uploads")

PDF = "application/pdf"
CONTENT_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png"}


def collect_ocr_mappings(registry: PluginRegistry) -> dict[str, KindMapping]:
    """Core's field mappings and every plugin's, checked once at start-up.

    A kind mapped twice, a mapping filed under another kind's name, or a mapping for
    a kind no material requirement declares (uploads of it are refused, so it could
    never run) stops the start instead of surprising an applicant later.
    """
    mappings: dict[str, KindMapping] = dict(CORE_OCR_MAPPINGS)
    for contributed in registry.plugin_manager.hook.register_ocr_mappings():
        for kind, mapping in (contributed or {}).items():
            if not isinstance(mapping, KindMapping) or mapping.kind != kind:
                raise PluginConflictError(f"OCR mapping filed under {kind!r} is not for {kind!r}")
            if kind in mappings:
                raise PluginConflictError(f"OCR mapping for {kind!r} is registered twice")
            mappings[kind] = mapping
    unknown = sorted(set(mappings) - set(material_kinds(registry)))
    if unknown:
        raise PluginConflictError(f"OCR mappings for undeclared material kinds: {unknown}")
    return mappings


def material_kinds(registry: PluginRegistry) -> dict[str, MaterialRequirement]:
    """Every kind a material may be tagged with: core's and the categories'."""
    kinds = {m.kind: m for m in CORE_KINDS}
    for category in registry.categories:
        for condition in category.conditions:
            for material in condition.materials:
                kinds.setdefault(material.kind, material)
    return kinds


def _is_pdf(data: bytes) -> bool:
    return data.startswith(b"%PDF-") and b"%%EOF" in data[-2048:]


def _fields_json(result: OcrResult) -> dict[str, Any]:
    return {
        name: {
            "value": f.value,
            "raw": f.raw,
            "confidence": round(f.confidence, 4),
            "status": f.status,
            "offered": f.offered,
            "problem": f.problem,
            "quad": [list(point) for point in f.quad] if f.quad else None,
        }
        for name, f in result.fields.items()
    }


class MaterialService:
    def __init__(
        self,
        settings: Settings,
        registry: PluginRegistry,
        dossier: DossierService,
        storage: FileStorage,
        rate_limits: RateLimits,
    ) -> None:
        self.settings = settings
        self.dossier = dossier
        self.storage = storage
        self.rate_limits = rate_limits
        self.kinds = material_kinds(registry)
        self.mappings = collect_ocr_mappings(registry)
        self.pool: OcrPool | None = None
        self._jobs: dict[int, OcrJob] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    # Lifecycle ----------------------------------------------------------------------

    async def start(self) -> None:
        if self.settings.ocr_enabled and self.pool is None:
            self.pool = OcrPool(
                self.mappings,
                workers=self.settings.ocr_workers,
                threads_per_worker=self.settings.ocr_threads_per_worker,
                max_pending=self.settings.ocr_max_pending,
            )
            for material in await Material.filter(ocr_status="queued"):
                await self._recognise(material)

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self.pool is not None:
            await asyncio.to_thread(self.pool.close)
            self.pool = None

    async def settle(self) -> None:
        """Wait for recognition in progress (tests and orderly shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    # Upload -------------------------------------------------------------------------

    async def upload(
        self,
        actor: Actor,
        application_id: str | int,
        *,
        kind: str,
        data: bytes,
        filename: str = "",
        family_member_id: str | int | None = None,
        label: str = "",
        client_address: str | None = None,
    ) -> Material:
        application = await self.dossier.own_application(actor, application_id)
        self.dossier._editable(application)
        await self.rate_limits.upload(actor.user_id, client_address)
        if kind not in self.kinds:
            raise DomainError(
                ErrorCode.UNKNOWN_MATERIAL_KIND, f"未知的材料类型 {kind}", field="kind"
            )
        member = await self._member(application, family_member_id)
        if len(data) > self.settings.max_upload_bytes:
            raise DomainError(
                ErrorCode.IMAGE_TOO_LARGE,
                f"文件不能超过 {self.settings.max_upload_bytes // (1024 * 1024)} MB",
                field="file",
            )
        width = height = None
        if _is_pdf(data):
            content_type = PDF
        else:
            loaded = await asyncio.to_thread(self._load, data)
            content_type = CONTENT_TYPES[loaded.format]
            width, height = loaded.width, loaded.height
        content_hash = await asyncio.to_thread(self.storage.put, data)
        recognisable = content_type != PDF and kind in self.mappings and self.pool is not None
        # The row and the dossier's version move together: a submission that judged the
        # dossier before this upload must not go through (see DossierService.submit).
        async with in_transaction():
            material = await Material.create(
                application_id=application.id,
                family_member_id=member.id if member else None,
                kind=kind,
                content_hash=content_hash,
                content_type=content_type,
                size=len(data),
                width=width,
                height=height,
                filename=filename[:255],
                label=label.strip()[:100],
                ocr_status="queued" if recognisable else "not_applicable",
            )
            await self.dossier.touch(application.id)
        if recognisable:
            await self._recognise(material)
        return material

    def _load(self, data: bytes) -> Any:
        try:
            return load_image(
                data,
                max_bytes=self.settings.max_upload_bytes,
                max_pixels=self.settings.max_image_pixels,
            )
        except ImageRejected as rejected:
            raise DomainError(ErrorCode(rejected.code), rejected.message, field="file") from None

    async def _member(
        self, application: Application, member_id: str | int | None
    ) -> FamilyMember | None:
        if member_id in (None, ""):
            return None
        key = known_id(member_id, "随迁人员不存在", field="familyMemberId")
        member = await FamilyMember.get_or_none(id=key, application_id=application.id)
        if member is None:
            raise DomainError(ErrorCode.NOT_FOUND, "随迁人员不存在", field="familyMemberId")
        return member

    # Recognition --------------------------------------------------------------------

    def _upright(self, material: Material) -> Image.Image:
        loaded = load_image(
            self.storage.get(material.content_hash),
            max_bytes=max(self.settings.max_upload_bytes, material.size),
            max_pixels=self.settings.max_image_pixels,
        )
        return rotate(loaded.image, material.rotation) if material.rotation else loaded.image

    async def _recognise(self, material: Material) -> None:
        assert self.pool is not None
        image = await asyncio.to_thread(self._upright, material)
        try:
            job = self.pool.enqueue(image, material.kind)
        except OcrPoolBusy as busy:
            await Material.filter(id=material.id).update(ocr_status="failed")
            raise DomainError(
                ErrorCode.OCR_BUSY,
                "识别排队人数较多，材料已保存，请稍后重新识别或手动填写",
                retry_after_seconds=busy.retry_after_seconds,
            ) from None
        await Material.filter(id=material.id).update(ocr_status="queued", ocr_fields={})
        self._jobs[material.id] = job
        task = asyncio.create_task(self._finish(material.id, job))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _finish(self, material_id: int, job: OcrJob) -> None:
        try:
            result = await job
        except asyncio.CancelledError:
            job.cancel()
            raise
        except Exception:
            if self._release(material_id, job):
                logger.exception("Recognition of material %s failed", material_id)
                await Material.filter(id=material_id, ocr_status="queued").update(
                    ocr_status="failed"
                )
            return
        # A job that was already running cannot be stopped: when the photo was turned,
        # recognised again or 取消识别 was chosen meanwhile, its result is stale and a
        # newer job (or nobody) owns the material's fields now.
        if not self._release(material_id, job):
            return
        await Material.filter(id=material_id, ocr_status="queued").update(
            ocr_status="done",
            ocr_fields=_fields_json(result),
            suggested_rotation=result.rotation,
        )

    def _release(self, material_id: int, job: OcrJob) -> bool:
        """Forget ``job`` if it is still the material's current one; say whether it was."""
        if self._jobs.get(material_id) is not job:
            return False
        del self._jobs[material_id]
        return True

    def progress(self, material: Material) -> tuple[str, int | None]:
        """The recognition's state and, while queued, how many photos are ahead."""
        job = self._jobs.get(material.id)
        if job is not None and material.ocr_status == "queued":
            return job.state, job.position
        return material.ocr_status, None

    # Changes ------------------------------------------------------------------------

    async def own(self, actor: Actor | None, material_id: str | int) -> Material:
        """An applicant's own material; anyone else's is NOT_FOUND."""
        actor = require_role(actor, Role.APPLICANT)
        key = known_id(material_id, "材料不存在", field="materialId")
        material = await Material.get_or_none(id=key, application__applicant_id=actor.user_id)
        if material is None:
            raise DomainError(ErrorCode.NOT_FOUND, "材料不存在", field="materialId")
        return material

    async def _own_material(self, actor: Actor, material_id: str | int) -> Material:
        """An own material whose application may still be changed."""
        material = await self.own(actor, material_id)
        application = await self.dossier.own_application(actor, material.application_id)  # type: ignore[attr-defined]
        self.dossier._editable(application)
        return material

    async def rotate(self, actor: Actor, material_id: str | int, degrees: int) -> Material:
        """旋转摆正: turn the photo clockwise; the original is kept, recognition reruns."""
        if degrees % 90:
            raise DomainError(ErrorCode.INVALID_INPUT, "只能旋转 90 度的整数倍", field="degrees")
        material = await self._own_material(actor, material_id)
        if material.content_type == PDF:
            raise DomainError(ErrorCode.INVALID_INPUT, "PDF 材料不能旋转", field="materialId")
        material.rotation = (material.rotation + degrees) % 360
        width, height = material.width, material.height
        if degrees % 180:
            material.width, material.height = height, width
        async with in_transaction():
            await material.save(update_fields=["rotation", "width", "height"])
            await self.dossier.touch(material.application_id)  # type: ignore[attr-defined]
        self._cancel_job(material.id)
        if material.kind in self.mappings and self.pool is not None:
            await self._recognise(material)
        await material.refresh_from_db()
        return material

    async def cancel_recognition(self, actor: Actor, material_id: str | int) -> Material:
        """取消识别: the applicant types the values by hand."""
        material = await self._own_material(actor, material_id)
        self._cancel_job(material.id)
        await Material.filter(id=material.id).update(ocr_status="cancelled", ocr_fields={})
        await material.refresh_from_db()
        return material

    async def recognise_again(self, actor: Actor, material_id: str | int) -> Material:
        material = await self._own_material(actor, material_id)
        if material.kind not in self.mappings or material.content_type == PDF or self.pool is None:
            raise DomainError(ErrorCode.INVALID_INPUT, "该材料不支持识别", field="materialId")
        self._cancel_job(material.id)
        await self._recognise(material)
        await material.refresh_from_db()
        return material

    async def remove(self, actor: Actor, material_id: str | int) -> None:
        material = await self._own_material(actor, material_id)
        self._cancel_job(material.id)
        async with in_transaction():
            await material.delete()
            await self.dossier.touch(material.application_id)  # type: ignore[attr-defined]

    def _cancel_job(self, material_id: int) -> None:
        job = self._jobs.pop(material_id, None)
        if job is not None:
            job.cancel()

    def mapping_kinds(self) -> Mapping[str, KindMapping]:
        return self.mappings
