"""Schools (毕业院校) and majors (专业): lists to pick from, and requests to add to them.

FAQ 8: a school below 大专 is typed by hand; for 大专 and above the school and the major
are picked from these lists, and one that is missing is requested (增加院校, 增加专业)
with an attachment. Staff decide within 2 working days, the requester can look the
result up and is told by SMS, and once approved the school or major is found by search.
"""

from __future__ import annotations

import re

from core import audit
from core.actors import Actor, require_actor
from core.errors import DomainError, ErrorCode
from core.models import (
    Major,
    MajorLevel,
    ReferenceRequest,
    ReferenceRequestKind,
    School,
    SchoolLevel,
)
from core.names import clean_name, name_key, name_page
from core.paging import Page, PageRequest
from core.reference_requests import ReferenceRequests, UploadedFile

# FAQ 8: "工作人员将在2个工作日内进行人工审批处理".
REQUEST_WORKING_DAYS = 2
ATTACHMENT_REQUIRED = "请上传附件材料（如毕业证书、学位证书或院校办学资质证明）"
_SCHOOL_CODE = re.compile(r"^\d{5}$")
_MAJOR_CODE = re.compile(r"^[0-9A-Z]{4,8}$")


class SchoolCatalogue:
    def __init__(self, requests: ReferenceRequests) -> None:
        self.requests = requests
        requests.register((ReferenceRequestKind.SCHOOL,), self._approve_school)
        requests.register((ReferenceRequestKind.MAJOR,), self._approve_major)

    # Searching ----------------------------------------------------------------------

    async def schools(
        self,
        actor: Actor | None,
        text: str,
        page: PageRequest,
        *,
        level: SchoolLevel | None = None,
    ) -> Page[School]:
        """Schools whose name contains ``text`` (all when empty), closest first."""
        require_actor(actor)
        query = School.all() if level is None else School.filter(level=level)
        return await name_page(query, name_key(text), page)

    async def majors(
        self,
        actor: Actor | None,
        text: str,
        page: PageRequest,
        *,
        level: MajorLevel | None = None,
    ) -> Page[Major]:
        """Majors whose name contains ``text`` (all when empty), closest first."""
        require_actor(actor)
        query = Major.all() if level is None else Major.filter(level=level)
        return await name_page(query, name_key(text), page)

    # Requesting ---------------------------------------------------------------------

    async def request_school(
        self,
        actor: Actor | None,
        *,
        name: str,
        level: SchoolLevel,
        code: str | None = None,
        note: str = "",
        files: list[UploadedFile] | None = None,
        request: audit.RequestInfo | None = None,
    ) -> ReferenceRequest:
        """增加院校: a school of 大专 level or above missing from the list."""
        actor = require_actor(actor)
        name = clean_name(name, field="name", label="院校名称")
        key = name_key(name)
        school_code = _code(code, _SCHOOL_CODE, "院校代码应为 5 位数字")
        existing = await School.filter(name_key=key).first()
        if existing is None and school_code:
            existing = await School.filter(code=school_code).first()
        if existing is not None:
            raise DomainError(
                ErrorCode.REFERENCE_EXISTS,
                f"院校“{existing.name}”已在列表中，请直接搜索选用",
                field="name",
                details={"schoolId": str(existing.id), "name": existing.name},
            )
        await self.requests.ensure_not_pending(actor, ReferenceRequestKind.SCHOOL, name_key=key)
        stored = await self.requests.store(files or [], required=ATTACHMENT_REQUIRED)
        return await self.requests.create(
            actor,
            ReferenceRequestKind.SCHOOL,
            stored,
            request=request,
            name=name,
            name_key=key,
            level=SchoolLevel(level).value,
            code=school_code,
            note=note.strip()[:500],
            due_on=self.requests.due_on(REQUEST_WORKING_DAYS),
        )

    async def request_major(
        self,
        actor: Actor | None,
        *,
        name: str,
        level: MajorLevel,
        discipline: str = "",
        code: str | None = None,
        note: str = "",
        files: list[UploadedFile] | None = None,
        request: audit.RequestInfo | None = None,
    ) -> ReferenceRequest:
        """增加专业: a major missing from the list at its level."""
        actor = require_actor(actor)
        name = clean_name(name, field="name", label="专业名称")
        key = name_key(name)
        level = MajorLevel(level)
        major_code = _code(code, _MAJOR_CODE, "专业代码应为 4 到 8 位数字或字母")
        existing = await Major.filter(name_key=key, level=level).first()
        if existing is not None:
            raise DomainError(
                ErrorCode.REFERENCE_EXISTS,
                f"专业“{existing.name}”已在列表中，请直接搜索选用",
                field="name",
                details={"majorId": str(existing.id), "name": existing.name},
            )
        await self.requests.ensure_not_pending(
            actor, ReferenceRequestKind.MAJOR, name_key=key, level=level.value
        )
        stored = await self.requests.store(files or [], required=ATTACHMENT_REQUIRED)
        return await self.requests.create(
            actor,
            ReferenceRequestKind.MAJOR,
            stored,
            request=request,
            name=name,
            name_key=key,
            level=level.value,
            code=major_code,
            discipline=clean_name(discipline, field="discipline", label="学科门类", max_length=32)
            if discipline.strip()
            else "",
            note=note.strip()[:500],
            due_on=self.requests.due_on(REQUEST_WORKING_DAYS),
        )

    # Approving ----------------------------------------------------------------------

    async def _approve_school(self, row: ReferenceRequest) -> int:
        # Two people may have asked for the same school: the later approval finds it.
        existing = await School.filter(name_key=row.name_key).first()
        if existing is not None:
            return existing.id
        code = row.code
        if code and await School.filter(code=code).exists():
            taken = await School.get(code=code)
            raise DomainError(
                ErrorCode.REFERENCE_EXISTS,
                f"院校代码 {code} 已属于“{taken.name}”",
                field="id",
                details={"schoolId": str(taken.id), "name": taken.name},
            )
        school = await School.create(
            name=row.name,
            name_key=row.name_key,
            code=code,
            level=SchoolLevel(row.level or SchoolLevel.UNDERGRADUATE),
        )
        return school.id

    async def _approve_major(self, row: ReferenceRequest) -> int:
        level = MajorLevel(row.level or MajorLevel.BACHELOR)
        existing = await Major.filter(name_key=row.name_key, level=level).first()
        if existing is not None:
            return existing.id
        major = await Major.create(
            name=row.name,
            name_key=row.name_key,
            level=level,
            discipline=row.discipline,
            code=row.code,
        )
        return major.id


def _code(text: str | None, shape: re.Pattern[str], message: str) -> str | None:
    code = (text or "").strip().upper()
    if not code:
        return None
    if not shape.match(code):
        raise DomainError(ErrorCode.INVALID_INPUT, message, field="code")
    return code
