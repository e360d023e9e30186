"""Applications and their dossier: sections, family members, confirmation, submission."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON

from core.dossier import SECTIONS, Dossier
from core.eligibility import local_today
from core.errors import DomainError, ErrorCode
from core.hookspecs import Problem as ProblemRow
from core.materials import RELATIONSHIPS
from core.models import Application as ApplicationRow
from core.models import FamilyMember as FamilyMemberRow
from core.states import LABELS, State
from schema.context import Info
from schema.errors import OperationError, attempt
from schema.materials import Material


@strawberry.enum(description="The five sections of an application.")
class DossierSection(enum.Enum):
    QUALIFICATION = "qualification"
    PERSONAL = "personal"
    SETTLEMENT = "settlement"
    FAMILY = "family"
    SUPPLEMENTARY = "supplementary"


@strawberry.type(description="Something still missing or wrong before submission.")
class Problem:
    section: DossierSection
    code: str
    message: str
    field: str | None

    @classmethod
    def of(cls, p: ProblemRow) -> Problem:
        return cls(section=DossierSection(p.section), code=p.code, message=p.message, field=p.field)


@strawberry.type(description="An accompanying family member (随迁人员).")
class FamilyMember:
    id: strawberry.ID
    relationship: str
    relationship_label: str
    real_name: str
    id_number: str
    birth_date: date | None
    details: JSON

    @strawberry.field
    async def materials(self, info: Info) -> list[Material]:
        application_id = self._application_id
        rows = await info.context.loaders.materials.load(application_id)
        return [Material.of(m) for m in rows if str(m.family_member_id) == self.id]  # type: ignore[attr-defined]

    _application_id: strawberry.Private[int]

    @classmethod
    def of(cls, row: FamilyMemberRow) -> FamilyMember:
        return cls(
            id=strawberry.ID(str(row.id)),
            relationship=row.relationship,
            relationship_label=RELATIONSHIPS[row.relationship][0],
            real_name=row.real_name,
            id_number=row.id_number,
            birth_date=row.birth_date,
            details=JSON(row.details),
            _application_id=row.application_id,  # type: ignore[attr-defined]
        )


@strawberry.type(description="An application (申报).")
class Application:
    id: strawberry.ID
    state: str
    state_label: str = strawberry.field(description="The state in words, as the applicant sees it.")
    category_id: str
    condition_id: str
    fast_track: bool = strawberry.field(description="智能审批: shared data proved the condition.")
    district: str | None
    parameters_snapshot: JSON | None = strawberry.field(
        description="The policy year's parameters the application was judged under."
    )
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None

    @strawberry.field
    async def family_members(self, info: Info) -> list[FamilyMember]:
        rows = await info.context.loaders.family_members.load(int(self.id))
        return [FamilyMember.of(r) for r in rows]

    @strawberry.field
    async def materials(self, info: Info) -> list[Material]:
        rows = await info.context.loaders.materials.load(int(self.id))
        return [Material.of(r) for r in rows]

    @strawberry.field(description="Each form section's saved values (入户资格, 个人信息, ...).")
    def sections(self) -> JSON:
        return JSON(self._sections)

    _sections: strawberry.Private[dict[str, Any]]

    @classmethod
    def of(cls, row: ApplicationRow) -> Application:
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
            _sections={k: (v or {}).get("values", {}) for k, v in row.sections.items()},
        )


@strawberry.type(description="One section on the confirmation page (信息确认).")
class SectionReport:
    section: DossierSection
    title: str
    saved: bool
    values: JSON
    materials: list[Material]
    problems: list[Problem]

    @strawberry.field
    def complete(self) -> bool:
        return self.saved and not self.problems


@strawberry.type(description="信息确认: everything about to be submitted, and what is missing.")
class Confirmation:
    application: Application
    condition_title: str
    sections: list[SectionReport]
    family_members: list[FamilyMember]
    problems: list[Problem]

    @strawberry.field
    def can_submit(self) -> bool:
        return not self.problems and self.application.state == State.DRAFT


@strawberry.input
class FamilyMemberInput:
    relationship: str = strawberry.field(description="spouse | child (under 18)")
    real_name: str
    id_number: str
    details: JSON | None = strawberry.field(
        default=None, description="Other fields: household register address, occupation..."
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
    kinds_by_section = _materials_by_section(dossier)
    application = Application.of(row)
    return Confirmation(
        application=application,
        condition_title=dossier.condition.spec.title,
        sections=[
            SectionReport(
                section=DossierSection(name),
                title=title,
                saved=dossier.saved(name),
                values=JSON(dossier.values(name)),
                materials=[Material.of(m) for m in kinds_by_section[name]],
                problems=[Problem.of(p) for p in problems if p.section == name],
            )
            for name, title in SECTIONS.items()
        ],
        family_members=[FamilyMember.of(m) for m in dossier.members],
        problems=[Problem.of(p) for p in problems],
    )


def _materials_by_section(dossier: Dossier) -> dict[str, list[Any]]:
    from core.materials import ADDRESS_TYPES, HOUSEHOLD_REGISTER, ID_CARD

    qualification = {m.kind for m in dossier.condition.spec.materials}
    personal = {ID_CARD.kind, HOUSEHOLD_REGISTER.kind}
    settlement = {m.kind for _, needed in ADDRESS_TYPES.values() for m in needed}
    sections: dict[str, list[Any]] = {name: [] for name in SECTIONS}
    for material in dossier.materials:
        if material.family_member_id is not None:  # type: ignore[attr-defined]
            sections["family"].append(material)
        elif material.kind in qualification:
            sections["qualification"].append(material)
        elif material.kind in personal:
            sections["personal"].append(material)
        elif material.kind in settlement:
            sections["settlement"].append(material)
        else:
            sections["supplementary"].append(material)
    return sections


@strawberry.type
class ApplicationQuery:
    @strawberry.field(description="Your applications, newest first.")
    async def my_applications(self, info: Info) -> list[Application]:
        actor = info.context.actor
        if actor is None:
            return []
        rows = await ApplicationRow.filter(applicant_id=actor.user_id).order_by("-id")
        return [Application.of(r) for r in rows]

    @strawberry.field(description="One of your applications.")
    async def application(self, info: Info, id: strawberry.ID) -> ApplicationResult:
        async def run() -> Application:
            row = await info.context.services.dossier.own_application(
                info.context.require_actor(), str(id)
            )
            return Application.of(row)

        return await attempt(run())

    @strawberry.field(description="信息确认: the dossier section by section, with every problem.")
    async def application_confirmation(self, info: Info, id: strawberry.ID) -> ConfirmationResult:
        async def run() -> Confirmation:
            row = await info.context.services.dossier.own_application(
                info.context.require_actor(), str(id)
            )
            return await _confirmation(info, row)

        return await attempt(run())


@strawberry.type
class ApplicationMutation:
    @strawberry.mutation(
        description="保存: store one form section (qualification, personal, settlement, "
        "supplementary). Incomplete values are kept; the confirmation lists what is missing."
    )
    async def save_section(
        self, info: Info, application_id: strawberry.ID, section: DossierSection, values: JSON
    ) -> ConfirmationResult:
        async def run() -> Confirmation:
            if not isinstance(values, dict):
                raise DomainError(ErrorCode.INVALID_INPUT, "values 应为对象", field="values")
            if section == DossierSection.FAMILY:
                row = await info.context.services.dossier.confirm_family(
                    info.context.require_actor(), str(application_id)
                )
            else:
                row = await info.context.services.dossier.save_section(
                    info.context.require_actor(), str(application_id), section.value, values
                )
            return await _confirmation(info, row)

        return await attempt(run())

    @strawberry.mutation(description="重新获取: fill the qualification from the shared database.")
    async def refetch_qualification(
        self, info: Info, application_id: strawberry.ID, verification_id: strawberry.ID
    ) -> ConfirmationResult:
        async def run() -> Confirmation:
            row = await info.context.services.dossier.refetch_qualification(
                info.context.require_actor(),
                str(application_id),
                str(verification_id),
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
            return FamilyMember.of(row)

        return await attempt(run())

    @strawberry.mutation(description="Edit a family member.")
    async def update_family_member(
        self, info: Info, member_id: strawberry.ID, input: FamilyMemberInput
    ) -> FamilyMemberResult:
        async def run() -> FamilyMember:
            row = await info.context.services.dossier.update_family_member(
                info.context.require_actor(), str(member_id), _member_values(input)
            )
            return FamilyMember.of(row)

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
