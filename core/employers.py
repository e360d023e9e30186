"""Employers (引进单位): search by full name or code, and requests to add or rename one.

The applicant searches by the full name, the 18-character unified social credit code or
the 9-character organisation code (FAQ 4, 15). Nothing found means "无符合条件的记录",
and the way on is "新增/修改单位信息": a new employer, or a new name for one already
listed (FAQ 6, 7). An employer listed with only its 9-character code stays usable while
its name is unchanged, a rename may keep that code, and the business licence and the
notice approving the change (准予变更通知书) are attached. An administrator approves.
"""

from __future__ import annotations

import enum
import re

from tortoise.expressions import Q

from core import audit
from core.actors import Actor, require_actor
from core.credit_codes import (
    code_kind,
    embedded_organisation_code,
    validate_any,
    validate_credit_code,
)
from core.districts import office_of
from core.errors import DomainError, ErrorCode
from core.ids import parse_id
from core.models import (
    Employer,
    EmployerNature,
    ReferenceRequest,
    ReferenceRequestKind,
)
from core.names import clean_name, name_key, name_page
from core.paging import Page, PageRequest
from core.reference_requests import ReferenceRequests, UploadedFile

# The seed gives no time limit for employer requests. Its nearest figure is the three
# working days in which the help desk handles a change of code (FAQ 6).
EMPLOYER_REQUEST_WORKING_DAYS = 3
MIN_NAME_SEARCH = 2
_PHONE = re.compile(r"^[0-9][0-9\-]{4,30}$")


class EmployerSearchBy(enum.Enum):
    AUTO = "auto"  # a code when it has a code's shape, else a name
    NAME = "name"
    CODE = "code"  # 18-character credit code or 9-character organisation code


class EmployerDirectory:
    def __init__(self, requests: ReferenceRequests) -> None:
        self.requests = requests
        requests.register(
            (ReferenceRequestKind.EMPLOYER_NEW, ReferenceRequestKind.EMPLOYER_RENAME),
            self._approve,
        )

    # Searching ----------------------------------------------------------------------

    async def search(
        self,
        actor: Actor | None,
        text: str,
        page: PageRequest,
        *,
        by: EmployerSearchBy = EmployerSearchBy.AUTO,
    ) -> Page[Employer]:
        """Employers by full name (or part of it) or by either code; a wrong check digit
        is INVALID_CREDIT_CODE, nothing found is an empty page."""
        require_actor(actor)
        if by is EmployerSearchBy.CODE or (
            by is EmployerSearchBy.AUTO and code_kind(text) is not None
        ):
            kind, code = validate_any(text, field="search")
            if kind == "organisation_code":
                match = Q(organisation_code=code)
            else:
                # An employer listed before 2015 has only the organisation code that
                # the credit code embeds: it is found by either.
                embedded = embedded_organisation_code(code)
                match = Q(credit_code=code)
                if embedded:
                    match |= Q(credit_code=None, organisation_code=embedded)
            query = Employer.filter(match)
            rows = await query.order_by("id").offset(page.offset).limit(page.first)
            return Page(items=list(rows), total=await query.count(), offset=page.offset)
        key = name_key(text)
        if len(key) < MIN_NAME_SEARCH:
            raise DomainError(
                ErrorCode.INVALID_INPUT,
                "请输入完整的单位名称，或统一社会信用代码/组织机构代码",
                field="search",
            )
        return await name_page(Employer.all(), key, page)

    async def get(self, actor: Actor | None, employer_id: str | int) -> Employer:
        require_actor(actor)
        return await _employer(employer_id, field="id")

    # Requesting ---------------------------------------------------------------------

    async def request_new(
        self,
        actor: Actor | None,
        *,
        name: str,
        credit_code: str,
        nature: EmployerNature = EmployerNature.ENTERPRISE,
        phone: str = "",
        district: str | None = None,
        note: str = "",
        files: list[UploadedFile] | None = None,
        request: audit.RequestInfo | None = None,
    ) -> ReferenceRequest:
        """新增单位信息: an employer not yet listed, with its 18-character code."""
        actor = require_actor(actor)
        name = clean_name(name, field="name", label="单位名称")
        code = validate_credit_code(credit_code)
        organisation_code = embedded_organisation_code(code)
        await _not_listed(code, organisation_code)
        phone = _phone(phone)
        if district:
            district = office_of(district.strip()).district
        key = name_key(name)
        await self.requests.ensure_not_pending(
            actor, ReferenceRequestKind.EMPLOYER_NEW, name_key=key, credit_code=code
        )
        stored = await self.requests.store(files or [], required=None)
        return await self.requests.create(
            actor,
            ReferenceRequestKind.EMPLOYER_NEW,
            stored,
            request=request,
            name=name,
            name_key=key,
            credit_code=code,
            organisation_code=organisation_code,
            nature=EmployerNature(nature).value,
            phone=phone,
            district=district,
            note=note.strip()[:500],
            due_on=self.requests.due_on(EMPLOYER_REQUEST_WORKING_DAYS),
        )

    async def request_rename(
        self,
        actor: Actor | None,
        *,
        employer_id: str | int,
        name: str,
        credit_code: str | None = None,
        note: str = "",
        files: list[UploadedFile] | None = None,
        request: audit.RequestInfo | None = None,
    ) -> ReferenceRequest:
        """修改单位信息: a listed employer's new name, with its licence and change notice.

        ``credit_code`` may be left out or repeat the employer's code, including the
        9-character one it is listed with; an 18-character code that embeds that
        9-character one also records the new code. Any other code is a different
        employer, and changing an employer's code is not a rename.
        """
        actor = require_actor(actor)
        employer = await _employer(employer_id, field="employerId")
        name = clean_name(name, field="name", label="单位名称")
        key = name_key(name)
        if key == employer.name_key:
            raise DomainError(ErrorCode.INVALID_INPUT, "新单位名称与现名称相同", field="name")
        new_code = None
        if credit_code and credit_code.strip():
            new_code = await _rename_code(employer, credit_code)
        await self.requests.ensure_not_pending(
            actor, ReferenceRequestKind.EMPLOYER_RENAME, name_key=key, employer_id=employer.id
        )
        stored = await self.requests.store(
            files or [], required="请上传营业执照（或法人证书）以及准予变更通知书作为附件"
        )
        return await self.requests.create(
            actor,
            ReferenceRequestKind.EMPLOYER_RENAME,
            stored,
            request=request,
            name=name,
            name_key=key,
            employer_id=employer.id,
            previous_name=employer.name,
            credit_code=new_code,
            organisation_code=employer.organisation_code,
            nature=employer.nature,
            phone=employer.phone,
            district=employer.district,
            note=note.strip()[:500],
            due_on=self.requests.due_on(EMPLOYER_REQUEST_WORKING_DAYS),
        )

    # Approving ----------------------------------------------------------------------

    async def _approve(self, row: ReferenceRequest) -> int:
        if row.kind == ReferenceRequestKind.EMPLOYER_RENAME:
            return await self._rename(row)
        return await self._add(row)

    async def _add(self, row: ReferenceRequest) -> int:
        code = row.credit_code or ""
        existing = await _listed(code, row.organisation_code)
        if existing is not None:
            # Approved twice (two people asked for the same employer): the first
            # approval listed it, the second points at it.
            if existing.credit_code == code and existing.name_key == row.name_key:
                await ReferenceRequest.filter(id=row.id).update(employer_id=existing.id)
                return existing.id
            raise _exists(existing)
        employer = await Employer.create(
            name=row.name,
            name_key=row.name_key,
            credit_code=code,
            organisation_code=row.organisation_code,
            nature=EmployerNature(row.nature or EmployerNature.ENTERPRISE),
            phone=row.phone,
            district=row.district,
        )
        await ReferenceRequest.filter(id=row.id).update(employer_id=employer.id)
        return employer.id

    async def _rename(self, row: ReferenceRequest) -> int:
        employer_id = row.employer_id  # type: ignore[attr-defined]
        employer = await Employer.get_or_none(id=employer_id) if employer_id else None
        if employer is None:
            raise DomainError(ErrorCode.NOT_FOUND, "该单位已不存在", field="id")
        employer.name = row.name
        employer.name_key = row.name_key
        update = ["name", "name_key", "updated_at"]
        if row.credit_code and row.credit_code != employer.credit_code:
            other = await Employer.filter(credit_code=row.credit_code).exclude(id=employer.id)
            if other:
                raise _exists(other[0])
            employer.credit_code = row.credit_code
            employer.organisation_code = embedded_organisation_code(row.credit_code)
            update += ["credit_code", "organisation_code"]
        await employer.save(update_fields=update)
        return employer.id


async def _employer(employer_id: str | int, *, field: str) -> Employer:
    key = parse_id(employer_id)
    employer = await Employer.get_or_none(id=key) if key is not None else None
    if employer is None:
        raise DomainError(ErrorCode.NOT_FOUND, "单位不存在", field=field)
    return employer


async def _listed(code: str, organisation_code: str | None) -> Employer | None:
    """An employer with this credit code, or listed with only its organisation code."""
    match = Q(credit_code=code)
    if organisation_code:
        match |= Q(credit_code=None, organisation_code=organisation_code)
    return await Employer.filter(match).order_by("id").first()


def _exists(employer: Employer) -> DomainError:
    details = {"employerId": str(employer.id), "name": employer.name}
    if employer.credit_code is None and employer.organisation_code:
        # FAQ 6: listed with its 9-character code only.
        return DomainError(
            ErrorCode.REFERENCE_EXISTS,
            f"该单位已存在9位组织机构代码 {employer.organisation_code}（{employer.name}）。"
            "单位名称未变更的，可直接选用该单位办理业务；单位名称已变更的，请提交修改单位信息。",
            field="creditCode",
            details={**details, "organisationCode": employer.organisation_code},
        )
    return DomainError(
        ErrorCode.REFERENCE_EXISTS,
        f"该统一社会信用代码已登记为“{employer.name}”，请直接搜索选用；"
        "如单位名称已变更，请提交修改单位信息。",
        field="creditCode",
        details=details,
    )


async def _not_listed(code: str, organisation_code: str | None) -> None:
    existing = await _listed(code, organisation_code)
    if existing is not None:
        raise _exists(existing)


async def _rename_code(employer: Employer, text: str) -> str | None:
    """The code a rename carries: None when it repeats what is listed, the new
    18-character code when it upgrades a 9-character record."""
    kind, code = validate_any(text)
    if code in (employer.credit_code, employer.organisation_code):
        return None
    upgrades = (
        kind == "credit_code"
        and employer.credit_code is None
        and employer.organisation_code is not None
        and embedded_organisation_code(code) == employer.organisation_code
    )
    if not upgrades:
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            "代码与所选单位登记的代码不一致。修改单位名称时请填写系统中已有的代码；"
            "如需变更单位代码，请联系技术支持。",
            field="creditCode",
        )
    other = await Employer.filter(credit_code=code).first()
    if other is not None:
        raise _exists(other)
    return code


def _phone(text: str) -> str:
    phone = text.strip()
    if phone and not _PHONE.match(phone):
        raise DomainError(ErrorCode.INVALID_INPUT, "单位电话格式不正确", field="phone")
    return phone
