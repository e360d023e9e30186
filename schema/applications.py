"""Applications and their dossier (填报): sections, family members, confirmation, submission."""

from __future__ import annotations

import enum
from collections.abc import Awaitable
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.scalars import JSON

from core.dossier import SECTIONS, Dossier
from core.dossier_checks import DIRECT_RELATIVES, checklist, section_of_material
from core.eligibility import local_today
from core.errors import DomainError, ErrorCode
from core.hookspecs import Problem as ProblemRow
from core.masking import mask_id_number, mask_name, mask_values
from core.materials import ADDRESS_TYPES, RELATIONSHIPS
from core.models import Application as ApplicationRow
from core.models import FamilyMember as FamilyMemberRow
from core.models import Material as MaterialRow
from core.sections import all_values, saved_at, source_of
from core.states import LABELS, State
from schema.context import Info
from schema.errors import OperationError, attempt
from schema.materials import Material
from schema.policy import Condition, MaterialRequirement
from schema.progress import ApplicationProgress  # the lifecycle's fields (H-lifecycle)

if TYPE_CHECKING:
    from schema.eligibility import CertificateNumberInput


@strawberry.enum(description="The five sections of an application.")
class DossierSection(enum.Enum):
    QUALIFICATION = "qualification"  # 入户资格
    PERSONAL = "personal"  # 个人信息
    SETTLEMENT = "settlement"  # 入户信息
    FAMILY = "family"  # 随迁人员
    SUPPLEMENTARY = "supplementary"  # 补充材料


@strawberry.type(description="Something still missing or wrong before submission.")
class Problem:
    section: DossierSection
    code: str = strawberry.field(description="REQUIRED | INVALID | MATERIAL_MISSING | NOT_ELIGIBLE")
    message: str
    field: str | None = strawberry.field(description="The key in the section's values at fault.")
    material_kind: str | None = strawberry.field(
        description="MATERIAL_MISSING: the kind to upload."
    )
    family_member_id: strawberry.ID | None = strawberry.field(
        description="Set when the problem is a family member's."
    )

    @classmethod
    def of(cls, p: ProblemRow) -> Problem:
        member = p.family_member_id
        return cls(
            section=DossierSection(p.section),
            code=p.code,
            message=p.message,
            field=p.field,
            material_kind=p.material_kind,
            family_member_id=strawberry.ID(str(member)) if member is not None else None,
        )


@strawberry.type(description="An accompanying family member (随迁人员).")
class FamilyMember:
    id: strawberry.ID
    relationship: str = strawberry.field(description="spouse | child")
    relationship_label: str
    real_name: str
    id_number: str
    birth_date: date | None

    @strawberry.field
    def details(self) -> JSON:
        # Read here, not when built: the stored value is opened on first read
        # (core/crypto.py), and a list rarely asks for it.
        details = self._row.details
        return JSON(details if self._whole else mask_values(details))

    @strawberry.field
    async def materials(self, info: Info) -> list[Material]:
        rows = await info.context.loaders.materials.load(self._application_id)
        mine = [m for m in rows if str(m.family_member_id) == self.id]  # type: ignore[attr-defined]
        return [Material.of(m, whole=self._whole) for m in mine]

    _application_id: strawberry.Private[int]
    _whole: strawberry.Private[bool]
    _row: strawberry.Private[FamilyMemberRow]

    @classmethod
    def of(cls, row: FamilyMemberRow, *, whole: bool) -> FamilyMember:
        """``whole``: the viewer is the applicant or opened the case (core/masking.py)."""
        return cls(
            id=strawberry.ID(str(row.id)),
            relationship=row.relationship,
            relationship_label=RELATIONSHIPS[row.relationship][0],
            real_name=row.real_name if whole else mask_name(row.real_name),
            id_number=row.id_number if whole else mask_id_number(row.id_number),
            birth_date=row.birth_date,
            _application_id=row.application_id,  # type: ignore[attr-defined]
            _whole=whole,
            _row=row,
        )


@strawberry.type(description="An application (申报).")
class Application(ApplicationProgress):  # + timeline, allowedActions, publicity, card
    id: strawberry.ID
    state: str
    state_label: str = strawberry.field(description="The state in words, as the applicant sees it.")
    category_id: str
    condition_id: str
    fast_track: bool = strawberry.field(
        description="智能审批: shared data proved the condition; no certificate upload asked."
    )
    district: str | None
    parameters_snapshot: JSON | None = strawberry.field(
        description="The policy year's parameters the application was judged under at submission."
    )
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None

    # Synchronous when a work list already loaded the rows (core/lifecycle_queue.py): an
    # awaited field costs far more in GraphQL execution than building the objects does.
    @strawberry.field(graphql_type=list[FamilyMember])
    def family_members(self, info: Info) -> list[FamilyMember] | Awaitable[list[FamilyMember]]:
        whole = self.whole_to(info)
        if self._members is not None:
            return [FamilyMember.of(r, whole=whole) for r in self._members]
        return self._load_members(info, whole)

    async def _load_members(self, info: Info, whole: bool) -> list[FamilyMember]:
        rows = await info.context.loaders.family_members.load(int(self.id))
        return [FamilyMember.of(r, whole=whole) for r in rows]

    def whole_to(self, info: Info) -> bool:
        """Whether the viewer sees personal data whole: the applicant, or the one who
        opened this case (``reviewApplication``, audit-logged); lists show it masked."""
        actor = info.context.actor
        owner = actor is not None and actor.user_id == self._row.applicant_id  # type: ignore[attr-defined]
        return self._whole or owner

    @strawberry.field(graphql_type=list[Material])
    def materials(self, info: Info) -> list[Material] | Awaitable[list[Material]]:
        whole = self.whole_to(info)
        if self._materials is not None:
            return [Material.of(r, whole=whole) for r in self._materials]
        return self._load_materials(info, whole)

    async def _load_materials(self, info: Info, whole: bool) -> list[Material]:
        rows = await info.context.loaders.materials.load(int(self.id))
        return [Material.of(r, whole=whole) for r in rows]

    @strawberry.field(description="Each form section's saved values (入户资格, 个人信息, ...).")
    def sections(self, info: Info) -> JSON:
        # The stored sections are opened on first read (core/crypto.py): only here.
        saved = all_values(self._row.sections)
        if self.whole_to(info):
            return JSON(saved)
        return JSON({k: mask_values(v) for k, v in saved.items()})

    # The row itself (allowedActions, publicity read it) and, when a list loaded them
    # with the page, its family members and materials.
    _row: strawberry.Private[ApplicationRow]
    _members: strawberry.Private[list[FamilyMemberRow] | None] = None
    _materials: strawberry.Private[list[MaterialRow] | None] = None
    _whole: strawberry.Private[bool] = False

    @classmethod
    def of(
        cls,
        row: ApplicationRow,
        *,
        members: list[FamilyMemberRow] | None = None,
        materials: list[MaterialRow] | None = None,
        whole: bool = False,
    ) -> Application:
        return cls(
            id=strawberry.ID(str(row.id)),
            state=row.state,
            state_label=LABELS[State(row.state)],
            category_id=row.category_id,
            condition_id=row.condition_id,
            fast_track=row.fast_track,
            district=row.district,
            parameters_snapshot=JSON(row.parameters_snapshot) if row.parameters_snapshot else None,
            created_at=row.created_at,
            updated_at=row.updated_at,
            submitted_at=row.submitted_at,
            _row=row,
            _members=members,
            _materials=materials,
            _whole=whole,
        )


@strawberry.type(description="One material a section asks for, and whether it was uploaded.")
class MaterialCheck:
    requirement: MaterialRequirement
    provided: bool
    family_member_id: strawberry.ID | None


@strawberry.type(description="One section on the confirmation page (信息确认).")
class SectionReport:
    section: DossierSection
    title: str
    saved: bool
    saved_at: datetime | None
    source: str | None = strawberry.field(
        description="applicant (typed or recognised) | shared_data (重新获取)"
    )
    values: JSON
    materials: list[Material]
    checklist: list[MaterialCheck]
    problems: list[Problem]

    @strawberry.field
    def complete(self) -> bool:
        return self.saved and not self.problems


@strawberry.type(description="信息确认: everything about to be submitted, and what is missing.")
class Confirmation:
    application: Application
    condition: Condition
    condition_title: str
    sections: list[SectionReport]
    family_members: list[FamilyMember]
    problems: list[Problem]

    @strawberry.field
    def can_submit(self) -> bool:
        return not self.problems and self.application.state == State.DRAFT


@strawberry.type(description="A settlement address type (落户地址类型) and the evidence it needs.")
class SettlementAddressType:
    id: str
    label: str
    materials: list[MaterialRequirement]
    relationships: list[str] = strawberry.field(
        description="For relative_property: the direct relatives accepted as the owner."
    )


@strawberry.input
class FamilyMemberInput:
    relationship: str = strawberry.field(description="spouse | child (under 18)")
    real_name: str
    id_number: str
    details: JSON | None = strawberry.field(
        default=None,
        description="Other fields: gender, ethnicity, household_register_address, ...",
    )


ApplicationResult = Annotated[Application | OperationError, strawberry.union("ApplicationResult")]
ConfirmationResult = Annotated[
    Confirmation | OperationError, strawberry.union("ConfirmationResult")
]
FamilyMemberResult = Annotated[
    FamilyMember | OperationError, strawberry.union("FamilyMemberResult")
]


async def _confirmation(info: Info, row: ApplicationRow) -> Confirmation:
    service = info.context.services.dossier
    dossier: Dossier = await service.load(row)
    view = await info.context.services.policy.view(await row.policy_year)  # type: ignore[arg-type]
    problems = service.problems(dossier, view, local_today(info.context.services.clock))
    materials: dict[str, list[Material]] = {name: [] for name in SECTIONS}
    for m in dossier.materials:
        materials[section_of_material(dossier, m.kind, m.family_member_id)].append(  # type: ignore[attr-defined]
            Material.of(m)
        )
    checks = checklist(dossier)
    return Confirmation(
        application=Application.of(row),
        condition=Condition.of(dossier.condition, view.year),
        condition_title=dossier.condition.spec.title,
        sections=[
            SectionReport(
                section=DossierSection(name),
                title=title,
                saved=dossier.saved(name),
                saved_at=saved_at(dossier.application.sections, name),
                source=source_of(dossier.application.sections, name),
                values=JSON(dossier.values(name)),
                materials=materials[name],
                checklist=[
                    MaterialCheck(
                        requirement=MaterialRequirement.of(c.requirement),
                        provided=c.provided,
                        family_member_id=(
                            strawberry.ID(str(c.family_member_id)) if c.family_member_id else None
                        ),
                    )
                    for c in checks
                    if c.section == name
                ],
                problems=[Problem.of(p) for p in problems if p.section == name],
            )
            for name, title in SECTIONS.items()
        ],
        family_members=[FamilyMember.of(m, whole=True) for m in dossier.members],
        problems=[Problem.of(p) for p in problems],
    )


@strawberry.type
class ApplicationQuery:
    @strawberry.field(
        description="Your applications, newest first. Signed out or expired: an error with "
        "`extensions.code` UNAUTHENTICATED or SESSION_EXPIRED, never an empty list."
    )
    async def my_applications(self, info: Info) -> list[Application]:
        rows = await info.context.services.dossier.applications_of(info.context.require_actor())
        return [Application.of(r) for r in rows]

    @strawberry.field(description="One of your applications.")
    async def application(self, info: Info, id: strawberry.ID) -> ApplicationResult:
        async def run() -> Application:
            row, members, materials = await info.context.services.dossier.own_application_detail(
                info.context.require_actor(), str(id)
            )
            return Application.of(row, members=members, materials=materials)

        return await attempt(run())

    @strawberry.field(description="信息确认: the dossier section by section, with every problem.")
    async def application_confirmation(self, info: Info, id: strawberry.ID) -> ConfirmationResult:
        async def run() -> Confirmation:
            row = await info.context.services.dossier.own_application(
                info.context.require_actor(), str(id)
            )
            return await _confirmation(info, row)

        return await attempt(run())

    @strawberry.field(
        description="入户信息: the settlement address types and the evidence each needs."
    )
    def settlement_address_types(self) -> list[SettlementAddressType]:
        return [
            SettlementAddressType(
                id=kind,
                label=label,
                materials=[MaterialRequirement.of(m) for m in needed],
                relationships=list(DIRECT_RELATIVES) if kind == "relative_property" else [],
            )
            for kind, (label, needed) in ADDRESS_TYPES.items()
        ]


@strawberry.type
class ApplicationMutation:
    @strawberry.mutation(
        description="保存 / 下一步 / 修订: store one section. Incomplete values are kept; the "
        "answer is the confirmation, whose problems say what is still missing. FAMILY "
        "confirms the family members (also when nobody moves with the applicant)."
    )
    async def save_section(
        self,
        info: Info,
        application_id: strawberry.ID,
        section: DossierSection,
        values: JSON | None = None,
    ) -> ConfirmationResult:
        async def run() -> Confirmation:
            actor = info.context.require_actor()
            dossier = info.context.services.dossier
            if section == DossierSection.FAMILY:
                row = await dossier.confirm_family(actor, str(application_id))
            else:
                if not isinstance(values, dict):
                    raise DomainError(ErrorCode.INVALID_INPUT, "values 应为对象", field="values")
                row = await dossier.save_section(actor, str(application_id), section.value, values)
            return await _confirmation(info, row)

        return await attempt(run())

    @strawberry.mutation(
        description="重新获取: replace the qualification with the shared database's record. "
        "Needs a fresh SHARED_DATA face verification; certificate numbers typed now are used "
        "besides the one-click test's."
    )
    async def refetch_qualification(
        self,
        info: Info,
        application_id: strawberry.ID,
        verification_id: strawberry.ID,
        certificate_numbers: list[
            Annotated[CertificateNumberInput, strawberry.lazy("schema.eligibility")]
        ]
        | None = None,
    ) -> ConfirmationResult:
        async def run() -> Confirmation:
            row = await info.context.services.dossier.refetch_qualification(
                info.context.require_actor(),
                str(application_id),
                str(verification_id),
                certificate_numbers={c.kind: c.number for c in certificate_numbers or []},
                request=info.context.request_info,
            )
            return await _confirmation(info, row)

        return await attempt(run())

    @strawberry.mutation(description="新增随迁人员: a spouse or a child under 18.")
    async def add_family_member(
        self, info: Info, application_id: strawberry.ID, input: FamilyMemberInput
    ) -> FamilyMemberResult:
        async def run() -> FamilyMember:
            row = await info.context.services.dossier.add_family_member(
                info.context.require_actor(), str(application_id), _member_values(input)
            )
            return FamilyMember.of(row, whole=True)  # the dossier's owner only

        return await attempt(run())

    @strawberry.mutation(description="Edit a family member.")
    async def update_family_member(
        self, info: Info, member_id: strawberry.ID, input: FamilyMemberInput
    ) -> FamilyMemberResult:
        async def run() -> FamilyMember:
            row = await info.context.services.dossier.update_family_member(
                info.context.require_actor(), str(member_id), _member_values(input)
            )
            return FamilyMember.of(row, whole=True)  # the dossier's owner only

        return await attempt(run())

    @strawberry.mutation(description="Remove a family member and their materials.")
    async def remove_family_member(self, info: Info, member_id: strawberry.ID) -> ApplicationResult:
        async def run() -> Application:
            row = await info.context.services.dossier.remove_family_member(
                info.context.require_actor(), str(member_id)
            )
            return Application.of(row)

        return await attempt(run())

    @strawberry.mutation(
        description="提交审核: validates the whole dossier (DOSSIER_INCOMPLETE lists the "
        "problems) and submits once; a retry or double click returns the same submission."
    )
    async def submit_application(
        self, info: Info, application_id: strawberry.ID
    ) -> ApplicationResult:
        async def run() -> Application:
            row = await info.context.services.dossier.submit(
                info.context.require_actor(), str(application_id), request=info.context.request_info
            )
            return Application.of(row)

        return await attempt(run())


def _member_values(input: FamilyMemberInput) -> dict[str, Any]:
    details: dict[str, Any] = input.details if isinstance(input.details, dict) else {}
    return {
        **details,
        "relationship": input.relationship,
        "real_name": input.real_name,
        "id_number": input.id_number,
    }
