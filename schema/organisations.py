"""Employers, schools and majors, and requests to add or rename them, as clients see them."""

from __future__ import annotations

import base64
from datetime import date, datetime
from typing import Annotated

import strawberry
from strawberry.file_uploads import Upload

from core.employers import EmployerSearchBy as CoreEmployerSearchBy
from core.errors import DomainError, ErrorCode
from core.models import Employer as EmployerRow
from core.models import EmployerNature as CoreEmployerNature
from core.models import Major as MajorRow
from core.models import MajorLevel as CoreMajorLevel
from core.models import ReferenceAttachment as AttachmentRow
from core.models import ReferenceRequest as RequestRow
from core.models import ReferenceRequestKind as CoreRequestKind
from core.models import ReferenceRequestStatus as CoreRequestStatus
from core.models import School as SchoolRow
from core.models import SchoolLevel as CoreSchoolLevel
from core.paging import Page, page_request
from core.reference_requests import KIND_LABELS, STATUS_LABELS, UploadedFile
from core.workdays import local_date
from schema.context import Info
from schema.errors import OperationError, attempt

strawberry.enum(CoreEmployerNature, name="EmployerNature", description="单位性质.")
strawberry.enum(CoreSchoolLevel, name="SchoolLevel", description="院校类别 (大专 and above).")
strawberry.enum(CoreMajorLevel, name="MajorLevel", description="The level a major is taught at.")
strawberry.enum(CoreRequestKind, name="ReferenceRequestKind")
strawberry.enum(CoreRequestStatus, name="ReferenceRequestStatus")
strawberry.enum(
    CoreEmployerSearchBy,
    name="EmployerSearchBy",
    description="AUTO reads an 18- or 9-character code's shape as a code, anything else as a name.",
)

NATURE_LABELS = {
    CoreEmployerNature.MUNICIPAL_INSTITUTION: "市直机关事业单位",
    CoreEmployerNature.MUNICIPAL_SOE: "市属国有企业",
    CoreEmployerNature.DISTRICT_INSTITUTION: "区属机关事业单位",
    CoreEmployerNature.ENTERPRISE: "企业",
    CoreEmployerNature.OTHER: "其他（社会组织等）",
}
SCHOOL_LEVEL_LABELS = {
    CoreSchoolLevel.UNDERGRADUATE: "本科院校",
    CoreSchoolLevel.JUNIOR_COLLEGE: "专科（高职）院校",
    CoreSchoolLevel.ADULT: "成人高校",
}
MAJOR_LEVEL_LABELS = {
    CoreMajorLevel.JUNIOR_COLLEGE: "专科",
    CoreMajorLevel.BACHELOR: "本科",
    CoreMajorLevel.POSTGRADUATE: "研究生",
}


@strawberry.type(description="An employer (引进单位).")
class Employer:
    id: strawberry.ID
    name: str
    credit_code: str | None = strawberry.field(description="统一社会信用代码 (18 characters).")
    organisation_code: str | None = strawberry.field(description="组织机构代码 (9 characters).")
    nature: CoreEmployerNature
    nature_label: str
    reviews_applications: bool = strawberry.field(
        description="Municipal institutions and SOEs review their employees' applications first."
    )
    phone: str
    district: str | None

    @classmethod
    def of(cls, row: EmployerRow) -> Employer:
        nature = CoreEmployerNature(row.nature)
        return cls(
            id=strawberry.ID(str(row.id)),
            name=row.name,
            credit_code=row.credit_code,
            organisation_code=row.organisation_code,
            nature=nature,
            nature_label=NATURE_LABELS[nature],
            reviews_applications=nature.reviews_applications,
            phone=row.phone,
            district=row.district,
        )


@strawberry.type(description="A school (毕业院校) of 大专 level or above.")
class School:
    id: strawberry.ID
    name: str
    code: str | None = strawberry.field(description="院校代码 (5 digits), when known.")
    level: CoreSchoolLevel
    level_label: str
    province: str

    @classmethod
    def of(cls, row: SchoolRow) -> School:
        level = CoreSchoolLevel(row.level)
        return cls(
            id=strawberry.ID(str(row.id)),
            name=row.name,
            code=row.code,
            level=level,
            level_label=SCHOOL_LEVEL_LABELS[level],
            province=row.province,
        )


@strawberry.type(description="A major (专业) at one level.")
class Major:
    id: strawberry.ID
    name: str
    level: CoreMajorLevel
    level_label: str
    discipline: str = strawberry.field(description="学科门类, e.g. 工学.")
    code: str | None

    @classmethod
    def of(cls, row: MajorRow) -> Major:
        level = CoreMajorLevel(row.level)
        return cls(
            id=strawberry.ID(str(row.id)),
            name=row.name,
            level=level,
            level_label=MAJOR_LEVEL_LABELS[level],
            discipline=row.discipline,
            code=row.code,
        )


@strawberry.type(description="A file attached to a request (营业执照, 变更通知书, 证书).")
class ReferenceAttachment:
    id: strawberry.ID
    filename: str
    content_type: str
    size: int
    created_at: datetime

    @classmethod
    def of(cls, row: AttachmentRow) -> ReferenceAttachment:
        return cls(
            id=strawberry.ID(str(row.id)),
            filename=row.filename,
            content_type=row.content_type,
            size=row.size,
            created_at=row.created_at,
        )


@strawberry.type(
    description="An attachment with its content, for its requester or an administrator."
)
class ReferenceAttachmentContent:
    attachment: ReferenceAttachment
    content_base64: str


@strawberry.type(description="Who asked (shown to administrators).")
class Requester:
    username: str
    real_name: str


@strawberry.type(
    description="A request to add an employer, school or major, or to rename an employer."
)
class ReferenceRequest:
    id: strawberry.ID
    kind: CoreRequestKind
    kind_label: str = strawberry.field(
        description="新增单位信息 / 修改单位信息 / 增加院校 / 增加专业"
    )
    status: CoreRequestStatus
    status_label: str
    name: str = strawberry.field(description="The name asked for (a rename's new name).")
    previous_name: str | None = strawberry.field(description="A rename: the name it had.")
    employer_id: strawberry.ID | None = strawberry.field(
        description="A rename's employer, or the employer an approved addition created."
    )
    credit_code: str | None
    organisation_code: str | None
    nature: CoreEmployerNature | None
    phone: str
    district: str | None
    level: str | None = strawberry.field(
        description="A school's SchoolLevel or a major's MajorLevel."
    )
    catalogue_code: str | None = strawberry.field(
        description="A school's 院校代码 or a major's 专业代码."
    )
    discipline: str
    note: str
    attachments: list[ReferenceAttachment]
    due_on: date | None = strawberry.field(description="When staff are due to decide.")
    created_at: datetime
    decided_at: datetime | None
    opinion: str = strawberry.field(description="The administrator's opinion (审核意见).")
    result_id: strawberry.ID | None = strawberry.field(
        description="The employer, school or major approval created, renamed or found."
    )
    requester: Requester

    @strawberry.field(description="Still pending after its due date.")
    def overdue(self, info: Info) -> bool:
        today = local_date(info.context.services.clock.now())
        return (
            self.status == CoreRequestStatus.PENDING
            and self.due_on is not None
            and today > self.due_on
        )

    @classmethod
    def of(cls, row: RequestRow) -> ReferenceRequest:
        kind = CoreRequestKind(row.kind)
        status = CoreRequestStatus(row.status)
        employer_id = row.employer_id  # type: ignore[attr-defined]
        requester = row.requester
        return cls(
            id=strawberry.ID(str(row.id)),
            kind=kind,
            kind_label=KIND_LABELS[kind],
            status=status,
            status_label=STATUS_LABELS[status],
            name=row.name,
            previous_name=row.previous_name or None,
            employer_id=strawberry.ID(str(employer_id)) if employer_id else None,
            credit_code=row.credit_code,
            organisation_code=row.organisation_code,
            nature=CoreEmployerNature(row.nature) if row.nature else None,
            phone=row.phone,
            district=row.district,
            level=row.level,
            catalogue_code=row.code,
            discipline=row.discipline,
            note=row.note,
            attachments=[ReferenceAttachment.of(a) for a in row.attachments],
            due_on=row.due_on,
            created_at=row.created_at,
            decided_at=row.decided_at,
            opinion=row.opinion,
            result_id=strawberry.ID(str(row.result_id)) if row.result_id else None,
            requester=Requester(
                username=requester.username,  # type: ignore[attr-defined]
                real_name=requester.real_name,  # type: ignore[attr-defined]
            ),
        )


@strawberry.type(description="A page of employers; none found means 无符合条件的记录.")
class EmployerPage:
    items: list[Employer]
    total: int
    offset: int
    has_more: bool


@strawberry.type(description="A page of schools.")
class SchoolPage:
    items: list[School]
    total: int
    offset: int
    has_more: bool


@strawberry.type(description="A page of majors.")
class MajorPage:
    items: list[Major]
    total: int
    offset: int
    has_more: bool


@strawberry.type(description="A page of reference requests.")
class ReferenceRequestPage:
    items: list[ReferenceRequest]
    total: int
    offset: int
    has_more: bool


def _employers(page: Page[EmployerRow]) -> EmployerPage:
    return EmployerPage(
        items=[Employer.of(r) for r in page.items],
        total=page.total,
        offset=page.offset,
        has_more=page.has_more,
    )


def _schools(page: Page[SchoolRow]) -> SchoolPage:
    return SchoolPage(
        items=[School.of(r) for r in page.items],
        total=page.total,
        offset=page.offset,
        has_more=page.has_more,
    )


def _majors(page: Page[MajorRow]) -> MajorPage:
    return MajorPage(
        items=[Major.of(r) for r in page.items],
        total=page.total,
        offset=page.offset,
        has_more=page.has_more,
    )


def _requests(page: Page[RequestRow]) -> ReferenceRequestPage:
    return ReferenceRequestPage(
        items=[ReferenceRequest.of(r) for r in page.items],
        total=page.total,
        offset=page.offset,
        has_more=page.has_more,
    )


EmployerResult = Annotated[Employer | OperationError, strawberry.union("EmployerResult")]
EmployerPageResult = Annotated[
    EmployerPage | OperationError, strawberry.union("EmployerPageResult")
]
SchoolPageResult = Annotated[SchoolPage | OperationError, strawberry.union("SchoolPageResult")]
MajorPageResult = Annotated[MajorPage | OperationError, strawberry.union("MajorPageResult")]
ReferenceRequestResult = Annotated[
    ReferenceRequest | OperationError, strawberry.union("ReferenceRequestResult")
]
ReferenceRequestPageResult = Annotated[
    ReferenceRequestPage | OperationError, strawberry.union("ReferenceRequestPageResult")
]
ReferenceAttachmentResult = Annotated[
    ReferenceAttachmentContent | OperationError, strawberry.union("ReferenceAttachmentResult")
]


async def _files(uploads: list[Upload] | None) -> list[UploadedFile]:
    files = []
    for upload in uploads or []:
        try:
            data = await upload.read()  # type: ignore[attr-defined]
        finally:
            # Starlette spools uploads to a temporary file that nobody else closes.
            await upload.close()  # type: ignore[attr-defined]
        files.append(UploadedFile(filename=getattr(upload, "filename", "") or "", data=data))
    return files


@strawberry.type
class OrganisationQuery:
    @strawberry.field(
        description="引进单位: search by full name (or part of it), 18-character unified social "
        "credit code or 9-character organisation code. A wrong check digit is "
        "INVALID_CREDIT_CODE; nothing found is an empty page (无符合条件的记录)."
    )
    async def employers(
        self,
        info: Info,
        search: str,
        by: CoreEmployerSearchBy = CoreEmployerSearchBy.AUTO,
        first: int = 20,
        offset: int = 0,
    ) -> EmployerPageResult:
        async def run() -> EmployerPage:
            page = page_request(first, offset)
            found = await info.context.services.employers.search(
                info.context.require_actor(), search, page, by=by
            )
            return _employers(found)

        return await attempt(run())

    @strawberry.field(description="One employer by id.")
    async def employer(self, info: Info, id: strawberry.ID) -> EmployerResult:
        async def run() -> Employer:
            row = await info.context.services.employers.get(info.context.require_actor(), str(id))
            return Employer.of(row)

        return await attempt(run())

    @strawberry.field(
        description="毕业院校 of 大专 level and above, whose name contains `search` (all when "
        "empty). Lower schools are typed by hand; a missing one is requested (requestSchool)."
    )
    async def schools(
        self,
        info: Info,
        search: str = "",
        level: CoreSchoolLevel | None = None,
        first: int = 20,
        offset: int = 0,
    ) -> SchoolPageResult:
        async def run() -> SchoolPage:
            page = page_request(first, offset)
            found = await info.context.services.schools.schools(
                info.context.require_actor(), search, page, level=level
            )
            return _schools(found)

        return await attempt(run())

    @strawberry.field(
        description="专业 whose name contains `search` (all when empty), optionally at one level."
    )
    async def majors(
        self,
        info: Info,
        search: str = "",
        level: CoreMajorLevel | None = None,
        first: int = 20,
        offset: int = 0,
    ) -> MajorPageResult:
        async def run() -> MajorPage:
            page = page_request(first, offset)
            found = await info.context.services.schools.majors(
                info.context.require_actor(), search, page, level=level
            )
            return _majors(found)

        return await attempt(run())

    @strawberry.field(description="Your requests, newest first, with status, due date and opinion.")
    async def my_reference_requests(
        self, info: Info, first: int = 20, offset: int = 0
    ) -> ReferenceRequestPageResult:
        async def run() -> ReferenceRequestPage:
            page = page_request(first, offset)
            found = await info.context.services.reference_requests.mine(
                info.context.require_actor(), page
            )
            return _requests(found)

        return await attempt(run())

    @strawberry.field(description="A request of yours (any, for an administrator).")
    async def reference_request(self, info: Info, id: strawberry.ID) -> ReferenceRequestResult:
        async def run() -> ReferenceRequest:
            row = await info.context.services.reference_requests.get(
                info.context.require_actor(), str(id), request=info.context.request_info
            )
            return ReferenceRequest.of(row)

        return await attempt(run())

    @strawberry.field(
        description="Administrators: requests awaiting a decision, soonest due first."
    )
    async def pending_reference_requests(
        self,
        info: Info,
        kind: CoreRequestKind | None = None,
        first: int = 20,
        offset: int = 0,
    ) -> ReferenceRequestPageResult:
        async def run() -> ReferenceRequestPage:
            page = page_request(first, offset)
            found = await info.context.services.reference_requests.pending(
                info.context.require_actor(),
                page,
                kind=kind,
                request=info.context.request_info,
            )
            return _requests(found)

        return await attempt(run())

    @strawberry.field(
        description="An attachment's content (base64), for its requester or an administrator."
    )
    async def reference_attachment(
        self, info: Info, id: strawberry.ID
    ) -> ReferenceAttachmentResult:
        async def run() -> ReferenceAttachmentContent:
            row, data = await info.context.services.reference_requests.attachment(
                info.context.require_actor(), str(id), request=info.context.request_info
            )
            return ReferenceAttachmentContent(
                attachment=ReferenceAttachment.of(row),
                content_base64=base64.b64encode(data).decode("ascii"),
            )

        return await attempt(run())


@strawberry.input(description="新增单位信息: an employer not yet listed.")
class NewEmployerInput:
    name: str
    credit_code: str = strawberry.field(description="统一社会信用代码, 18 characters.")
    nature: CoreEmployerNature = CoreEmployerNature.ENTERPRISE
    phone: str = ""
    district: str | None = None
    note: str = ""


@strawberry.input(description="修改单位信息: a listed employer's new name.")
class EmployerRenameInput:
    employer_id: strawberry.ID
    name: str = strawberry.field(description="The new name, as on the business licence.")
    credit_code: str | None = strawberry.field(
        default=None,
        description="Optional: the code it is listed with (the 9-character one may stay), "
        "or the 18-character code that embeds it.",
    )
    note: str = ""


@strawberry.input(description="增加院校: a school of 大专 level or above.")
class SchoolRequestInput:
    name: str
    level: CoreSchoolLevel
    code: str | None = strawberry.field(default=None, description="院校代码, 5 digits.")
    note: str = ""


@strawberry.input(description="增加专业: a major at one level.")
class MajorRequestInput:
    name: str
    level: CoreMajorLevel
    discipline: str = ""
    code: str | None = None
    note: str = ""


@strawberry.type
class OrganisationMutation:
    @strawberry.mutation(
        description="新增/修改单位信息, as a GraphQL multipart request when files are attached. "
        "Give `newEmployer` or `rename`, not both; a rename needs the business licence and "
        "the change notice (准予变更通知书) as `attachments`."
    )
    async def request_employer(
        self,
        info: Info,
        new_employer: NewEmployerInput | None = None,
        rename: EmployerRenameInput | None = None,
        attachments: list[Upload] | None = None,
    ) -> ReferenceRequestResult:
        async def run() -> ReferenceRequest:
            files = await _files(attachments)
            actor = info.context.require_actor()
            if (new_employer is None) == (rename is None):
                raise DomainError(
                    ErrorCode.INVALID_INPUT,
                    "请选择新增单位信息或修改单位信息之一",
                    field="newEmployer",
                )
            service = info.context.services.employers
            if new_employer is not None:
                row = await service.request_new(
                    actor,
                    name=new_employer.name,
                    credit_code=new_employer.credit_code,
                    nature=new_employer.nature,
                    phone=new_employer.phone,
                    district=new_employer.district,
                    note=new_employer.note,
                    files=files,
                    request=info.context.request_info,
                )
            else:
                assert rename is not None
                row = await service.request_rename(
                    actor,
                    employer_id=str(rename.employer_id),
                    name=rename.name,
                    credit_code=rename.credit_code,
                    note=rename.note,
                    files=files,
                    request=info.context.request_info,
                )
            return ReferenceRequest.of(row)

        return await attempt(run())

    @strawberry.mutation(
        description="增加院校, as a GraphQL multipart request with at least one attachment. "
        "Staff decide within 2 working days (`dueOn`)."
    )
    async def request_school(
        self, info: Info, input: SchoolRequestInput, attachments: list[Upload]
    ) -> ReferenceRequestResult:
        async def run() -> ReferenceRequest:
            files = await _files(attachments)
            actor = info.context.require_actor()
            row = await info.context.services.schools.request_school(
                actor,
                name=input.name,
                level=input.level,
                code=input.code,
                note=input.note,
                files=files,
                request=info.context.request_info,
            )
            return ReferenceRequest.of(row)

        return await attempt(run())

    @strawberry.mutation(
        description="增加专业, as a GraphQL multipart request with at least one attachment. "
        "Staff decide within 2 working days (`dueOn`)."
    )
    async def request_major(
        self, info: Info, input: MajorRequestInput, attachments: list[Upload]
    ) -> ReferenceRequestResult:
        async def run() -> ReferenceRequest:
            files = await _files(attachments)
            actor = info.context.require_actor()
            row = await info.context.services.schools.request_major(
                actor,
                name=input.name,
                level=input.level,
                discipline=input.discipline,
                code=input.code,
                note=input.note,
                files=files,
                request=info.context.request_info,
            )
            return ReferenceRequest.of(row)

        return await attempt(run())

    @strawberry.mutation(
        description="Administrators: approve (the employer, school or major is created or "
        "renamed) or reject with an `opinion`. The requester is told by SMS."
    )
    async def decide_reference_request(
        self, info: Info, id: strawberry.ID, approve: bool, opinion: str = ""
    ) -> ReferenceRequestResult:
        async def run() -> ReferenceRequest:
            row = await info.context.services.reference_requests.decide(
                info.context.require_actor(),
                str(id),
                approve=approve,
                opinion=opinion,
                request=info.context.request_info,
            )
            return ReferenceRequest.of(row)

        return await attempt(run())
