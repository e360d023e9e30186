"""The application dossier: five sections, family members, confirmation and submission.

Sections are saved one at a time and may be incomplete; what is still missing is
reported as :class:`~core.hookspecs.Problem` rows, and submission refuses a dossier
with any. Submission is idempotent: of two racing clicks one submits, the other gets
the submitted application back.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from tortoise.expressions import F
from tortoise.transactions import in_transaction

from core import audit
from core.actors import Actor, require_role
from core.clock import Clock
from core.districts import DISTRICTS
from core.eligibility import local_today
from core.errors import DomainError, ErrorCode
from core.facts import age_on
from core.hookspecs import Problem
from core.materials import ADDRESS_TYPES, HOUSEHOLD_REGISTER, ID_CARD, RELATIONSHIPS
from core.models import (
    Application,
    Employer,
    EmployerNature,
    FamilyMember,
    Material,
    ReviewEvent,
    Role,
    User,
)
from core.policy import EffectiveCondition, PolicyService, PolicyView
from core.shared_data import SharedDataSource
from core.states import State
from core.validation import birth_date_of, normalise_id_number, normalise_mobile
from core.verifications import FaceVerificationService

SECTIONS: dict[str, str] = {
    "qualification": "入户资格",
    "personal": "个人信息",
    "settlement": "入户信息",
    "family": "随迁人员",
    "supplementary": "补充材料",
}
# Sections saved as a form; family members are rows of their own.
FORM_SECTIONS = ("qualification", "personal", "settlement", "supplementary")

PERSONAL_REQUIRED = {
    "gender": "性别",
    "ethnicity": "民族",
    "household_register_address": "户籍地址",
    "employer_id": "引进单位",
}
SETTLEMENT_REQUIRED = {"address_type": "落户地址类型", "district": "落户区", "address": "落户地址"}
ADULT_AGE = 18


def _text(value: Any) -> str:
    """Keep every character (rare ones included) but in one Unicode form."""
    return unicodedata.normalize("NFC", str(value)).strip()


def _clean(values: Mapping[str, Any]) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    for key, value in values.items():
        if not isinstance(key, str) or not key.isidentifier():
            raise DomainError(ErrorCode.INVALID_INPUT, f"字段名 {key!r} 无效", field="values")
        if isinstance(value, str):
            value = _text(value)
        elif value is not None and not isinstance(value, int | float | bool | list | dict):
            raise DomainError(ErrorCode.INVALID_INPUT, f"字段 {key} 的值无效", field=key)
        cleaned[key] = value
    return cleaned


@dataclass(frozen=True)
class Dossier:
    """An application with everything it holds, read once."""

    application: Application
    condition: EffectiveCondition
    applicant: User
    members: list[FamilyMember]
    materials: list[Material]

    def values(self, section: str) -> dict[str, Any]:
        stored = self.application.sections.get(section) or {}
        return dict(stored.get("values") or {})

    def saved(self, section: str) -> bool:
        if section == "family":
            return "family" in self.application.sections
        return section in self.application.sections

    def applicant_kinds(self) -> frozenset[str]:
        return frozenset(m.kind for m in self.materials if m.family_member_id is None)  # type: ignore[attr-defined]

    def member_kinds(self, member: FamilyMember) -> frozenset[str]:
        return frozenset(
            m.kind
            for m in self.materials
            if m.family_member_id == member.id  # type: ignore[attr-defined]
        )


class DossierService:
    def __init__(
        self,
        policy: PolicyService,
        clock: Clock,
        faces: FaceVerificationService,
        shared_data: SharedDataSource,
    ) -> None:
        self.policy = policy
        self.clock = clock
        self.faces = faces
        self.shared_data = shared_data

    # Reading ------------------------------------------------------------------------

    async def own_application(self, actor: Actor, application_id: str | int) -> Application:
        """An applicant's own application; anyone else's is NOT_FOUND, not FORBIDDEN."""
        require_role(actor, Role.APPLICANT)
        try:
            key = int(application_id)
        except (TypeError, ValueError) as exc:
            raise DomainError(ErrorCode.NOT_FOUND, "申报不存在", field="applicationId") from exc
        application = await Application.get_or_none(id=key, applicant_id=actor.user_id)
        if application is None:
            raise DomainError(ErrorCode.NOT_FOUND, "申报不存在", field="applicationId")
        return application

    async def load(self, application: Application) -> Dossier:
        view = await self.policy.view(await application.policy_year)  # type: ignore[arg-type]
        condition = _condition(view, application)
        applicant = await User.get(id=application.applicant_id)  # type: ignore[attr-defined]
        members = await FamilyMember.filter(application_id=application.id).order_by("id")
        materials = await Material.filter(application_id=application.id).order_by("id")
        return Dossier(application, condition, applicant, list(members), list(materials))

    def _editable(self, application: Application) -> None:
        if application.state != State.DRAFT:
            raise DomainError(
                ErrorCode.APPLICATION_NOT_EDITABLE,
                "申报已提交，不能修改；如需修改请先撤回或按审核意见重新申报",
            )

    # Sections -----------------------------------------------------------------------

    async def save_section(
        self, actor: Actor, application_id: str | int, section: str, values: Mapping[str, Any]
    ) -> Application:
        """保存: store a section as typed; malformed values are refused, gaps are allowed."""
        if section not in FORM_SECTIONS:
            raise DomainError(ErrorCode.INVALID_INPUT, f"没有 {section} 部分", field="section")
        application = await self.own_application(actor, application_id)
        self._editable(application)
        cleaned = _clean(values)
        if section == "personal":
            cleaned = await _check_personal(cleaned)
        elif section == "settlement":
            cleaned = _check_settlement(cleaned)
        sections = dict(application.sections)
        sections[section] = {"values": cleaned, "savedAt": self.clock.now().isoformat()}
        await Application.filter(id=application.id).update(
            sections=sections, version=F("version") + 1
        )
        await application.refresh_from_db()
        return application

    async def confirm_family(self, actor: Actor, application_id: str | int) -> Application:
        """下一步 on the family section, also when nobody moves with the applicant."""
        application = await self.own_application(actor, application_id)
        self._editable(application)
        sections = dict(application.sections)
        sections["family"] = {"values": {}, "savedAt": self.clock.now().isoformat()}
        await Application.filter(id=application.id).update(sections=sections)
        await application.refresh_from_db()
        return application

    async def refetch_qualification(
        self,
        actor: Actor,
        application_id: str | int,
        verification_id: str,
        *,
        request: audit.RequestInfo | None = None,
    ) -> Application:
        """重新获取: replace the qualification section with the shared database's record."""
        application = await self.own_application(actor, application_id)
        self._editable(application)
        dossier = await self.load(application)
        verification = await self.faces.check_passed(verification_id, "shared_data")
        if verification.verified_id_number != dossier.applicant.id_number:
            raise DomainError(
                ErrorCode.VERIFICATION_FAILED,
                "人脸识别结果与申办人身份不一致",
                field="verificationId",
            )
        await self.faces.consume(verification_id, "shared_data")
        view = await self.policy.view(await application.policy_year)  # type: ignore[arg-type]
        analysis = await application.analysis  # type: ignore[misc]
        numbers = dict(analysis.certificate_numbers) if analysis else {}
        found = None
        for pending in view.hook("read_shared_data")(
            source=self.shared_data,
            id_number=dossier.applicant.id_number,
            certificate_numbers=numbers,
        ):
            facts = await pending
            if facts.category_id == application.category_id:
                found = facts
        await audit.record(
            "shared_data.read",
            actor_id=actor.user_id,
            subject_type="application",
            subject_id=application.id,
            reason="重新获取：入户资格",
            request=request,
        )
        values = None
        if found is not None and found.found:
            values = view.hook("qualification_from_shared_data")(
                condition=dossier.condition, facts=found.facts
            )
        if not values:
            raise DomainError(
                ErrorCode.NOT_FOUND,
                "政府共享数据库中没有该入户条件的相关记录，请上传证明材料并手动填写",
            )
        sections = dict(application.sections)
        sections["qualification"] = {
            "values": _clean(values),
            "savedAt": self.clock.now().isoformat(),
            "source": "shared_data",
        }
        await Application.filter(id=application.id).update(sections=sections)
        await application.refresh_from_db()
        return application

    # Family members (随迁人员) -------------------------------------------------------

    async def add_family_member(
        self, actor: Actor, application_id: str | int, values: Mapping[str, Any]
    ) -> FamilyMember:
        application = await self.own_application(actor, application_id)
        self._editable(application)
        fields = await self._member_fields(application, values, member_id=None)
        return await FamilyMember.create(application_id=application.id, **fields)

    async def update_family_member(
        self, actor: Actor, member_id: str | int, values: Mapping[str, Any]
    ) -> FamilyMember:
        member = await self._own_member(actor, member_id)
        application = await Application.get(id=member.application_id)  # type: ignore[attr-defined]
        self._editable(application)
        fields = await self._member_fields(application, values, member_id=member.id)
        await FamilyMember.filter(id=member.id).update(**fields)
        await member.refresh_from_db()
        return member

    async def remove_family_member(self, actor: Actor, member_id: str | int) -> Application:
        member = await self._own_member(actor, member_id)
        application = await Application.get(id=member.application_id)  # type: ignore[attr-defined]
        self._editable(application)
        # The member's materials go with them (cascade); their stored files stay, being
        # content-addressed and possibly shared.
        await member.delete()
        return application

    async def _own_member(self, actor: Actor, member_id: str | int) -> FamilyMember:
        require_role(actor, Role.APPLICANT)
        try:
            key = int(member_id)
        except (TypeError, ValueError) as exc:
            raise DomainError(ErrorCode.NOT_FOUND, "随迁人员不存在", field="memberId") from exc
        member = await FamilyMember.get_or_none(id=key, application__applicant_id=actor.user_id)
        if member is None:
            raise DomainError(ErrorCode.NOT_FOUND, "随迁人员不存在", field="memberId")
        return member

    async def _member_fields(
        self, application: Application, values: Mapping[str, Any], *, member_id: int | None
    ) -> dict[str, Any]:
        cleaned = _clean(values)
        relationship = cleaned.pop("relationship", None)
        if relationship not in RELATIONSHIPS:
            raise DomainError(
                ErrorCode.INVALID_INPUT, "与申办人关系应为配偶或子女", field="relationship"
            )
        name = cleaned.pop("real_name", None) or ""
        if not name:
            raise DomainError(ErrorCode.INVALID_INPUT, "请填写随迁人员姓名", field="realName")
        id_number = normalise_id_number(str(cleaned.pop("id_number", "") or ""))
        applicant = await User.get(id=application.applicant_id)  # type: ignore[attr-defined]
        if id_number == applicant.id_number:
            raise DomainError(ErrorCode.INVALID_INPUT, "随迁人员不能是申办人本人", field="idNumber")
        others = FamilyMember.filter(application_id=application.id)
        if member_id is not None:
            others = others.exclude(id=member_id)
        if await others.filter(id_number=id_number).exists():
            raise DomainError(ErrorCode.INVALID_INPUT, "该随迁人员已添加", field="idNumber")
        if relationship == "spouse" and await others.filter(relationship="spouse").exists():
            raise DomainError(ErrorCode.INVALID_INPUT, "只能添加一名配偶", field="relationship")
        birth = birth_date_of(id_number)
        if relationship == "child" and age_on(birth, local_today(self.clock)) >= ADULT_AGE:
            raise DomainError(ErrorCode.INVALID_INPUT, "随迁子女须未满 18 周岁", field="idNumber")
        return {
            "relationship": relationship,
            "real_name": name,
            "id_number": id_number,
            "birth_date": birth,
            "details": cleaned,
        }

    # What is missing ----------------------------------------------------------------

    def problems(self, dossier: Dossier, view: PolicyView, on: date) -> list[Problem]:
        return [
            *self._qualification_problems(dossier, view, on),
            *_personal_problems(dossier),
            *_settlement_problems(dossier),
            *_family_problems(dossier, on),
        ]

    def _qualification_problems(
        self, dossier: Dossier, view: PolicyView, on: date
    ) -> list[Problem]:
        problems: list[Problem] = []
        if not dossier.saved("qualification"):
            problems.append(Problem("qualification", "REQUIRED", "请填写并保存入户资格信息"))
        kinds = dossier.applicant_kinds()
        proven = dossier.application.fast_track
        if not proven:
            for material in dossier.condition.spec.materials:
                if material.required and material.kind not in kinds:
                    problems.append(
                        Problem(
                            "qualification",
                            "MATERIAL_MISSING",
                            f"请上传{material.label}",
                            material.kind,
                        )
                    )
        found = view.hook("validate_qualification")(
            condition=dossier.condition,
            values=dossier.values("qualification"),
            birth_date=birth_date_of(dossier.applicant.id_number),
            on=on,
            material_kinds=kinds,
            proven_by_shared_data=proven,
        )
        problems.extend(found or [])
        return problems

    # Submission ---------------------------------------------------------------------

    async def submit(
        self,
        actor: Actor,
        application_id: str | int,
        *,
        request: audit.RequestInfo | None = None,
    ) -> Application:
        """提交审核: validate everything, snapshot the year's parameters, submit once."""
        application = await self.own_application(actor, application_id)
        if application.state != State.DRAFT:
            if application.submitted_at is not None:
                return application  # a retry or a second click: already submitted
            self._editable(application)
        dossier = await self.load(application)
        view = await self.policy.current_view()
        if application.policy_year_id != view.policy_year_id:  # type: ignore[attr-defined]
            raise DomainError(
                ErrorCode.ANALYSIS_EXPIRED, "政策年度已变更，请重新选择入户条件后再提交"
            )
        condition = view.condition(application.category_id, application.condition_id)
        on = local_today(self.clock)
        problems = self.problems(dossier, view, on)
        if problems:
            raise DomainError(
                ErrorCode.DOSSIER_INCOMPLETE,
                f"还有 {len(problems)} 项需要补充或修改",
                details={"problems": [_problem_json(p) for p in problems]},
            )
        settlement = dossier.values("settlement")
        first = await _first_state(dossier)
        now = self.clock.now()
        snapshot = {
            "year": view.year,
            "revision": view.revision,
            "categoryId": condition.category_id,
            "conditionId": condition.spec.id,
            "title": condition.spec.title,
            "parameters": dict(condition.parameters),
            "judgedOn": on.isoformat(),
        }
        async with in_transaction():
            moved = await Application.filter(
                id=application.id, state=State.DRAFT, version=application.version
            ).update(
                state=first,
                version=application.version + 1,
                submitted_at=now,
                district=settlement.get("district"),
                parameters_snapshot=snapshot,
            )
            if moved:
                await ReviewEvent.create(
                    application_id=application.id,
                    actor_id=actor.user_id,
                    action="submit",
                    from_state=State.DRAFT,
                    to_state=first,
                )
                await audit.record(
                    "application.submit",
                    actor_id=actor.user_id,
                    subject_type="application",
                    subject_id=application.id,
                    request=request,
                )
        await application.refresh_from_db()
        if not moved and application.state == State.DRAFT:
            # Edited between our read and our write: nothing was submitted.
            raise DomainError(ErrorCode.CONFLICT, "申报刚被修改，请确认后重新提交")
        return application


def _condition(view: PolicyView, application: Application) -> EffectiveCondition:
    for category in view.all_categories:
        if category.id == application.category_id:
            for condition in category.conditions:
                if condition.spec.id == application.condition_id:
                    return condition
    raise DomainError(ErrorCode.UNKNOWN_CONDITION, "申报的入户条件已不存在")


def _problem_json(problem: Problem) -> dict[str, Any]:
    return {
        "section": problem.section,
        "code": problem.code,
        "message": problem.message,
        "field": problem.field,
    }


async def _check_personal(values: dict[str, Any]) -> dict[str, Any]:
    if values.get("gender") not in (None, "", "男", "女"):
        raise DomainError(ErrorCode.INVALID_INPUT, "性别应为男或女", field="gender")
    if values.get("mobile"):
        values["mobile"] = normalise_mobile(str(values["mobile"]))
    if values.get("employer_id") not in (None, ""):
        try:
            employer_id = int(values["employer_id"])
        except (TypeError, ValueError) as exc:
            raise DomainError(ErrorCode.INVALID_INPUT, "引进单位无效", field="employerId") from exc
        if not await Employer.filter(id=employer_id).exists():
            raise DomainError(
                ErrorCode.INVALID_INPUT,
                "请通过搜索选择引进单位，不支持手动录入",
                field="employerId",
            )
        values["employer_id"] = employer_id
    return values


def _check_settlement(values: dict[str, Any]) -> dict[str, Any]:
    kind = values.get("address_type")
    if kind not in (None, "") and kind not in ADDRESS_TYPES:
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            "落户地址类型应为本人产权房、直系亲属产权房或单位集体户",
            field="addressType",
        )
    district = values.get("district")
    if district not in (None, "") and district not in DISTRICTS:
        raise DomainError(ErrorCode.INVALID_INPUT, f"{district} 不是广州市的区", field="district")
    return values


def _personal_problems(dossier: Dossier) -> list[Problem]:
    values = dossier.values("personal")
    problems = [
        Problem("personal", "REQUIRED", f"请填写{label}", name)
        for name, label in PERSONAL_REQUIRED.items()
        if values.get(name) in (None, "")
    ]
    kinds = dossier.applicant_kinds()
    for material in (ID_CARD, HOUSEHOLD_REGISTER):
        if material.kind not in kinds:
            problems.append(
                Problem("personal", "MATERIAL_MISSING", f"请上传{material.label}", material.kind)
            )
    return problems


def _settlement_problems(dossier: Dossier) -> list[Problem]:
    values = dossier.values("settlement")
    problems = [
        Problem("settlement", "REQUIRED", f"请填写{label}", name)
        for name, label in SETTLEMENT_REQUIRED.items()
        if values.get(name) in (None, "")
    ]
    kind = values.get("address_type")
    if kind in ADDRESS_TYPES:
        kinds = dossier.applicant_kinds()
        for material in ADDRESS_TYPES[kind][1]:
            if material.kind not in kinds:
                problems.append(
                    Problem(
                        "settlement", "MATERIAL_MISSING", f"请上传{material.label}", material.kind
                    )
                )
    return problems


def _family_problems(dossier: Dossier, on: date) -> list[Problem]:
    problems = []
    if not dossier.saved("family") and not dossier.members:
        problems.append(Problem("family", "REQUIRED", "请确认随迁人员（无随迁人员时点击下一步）"))
    for member in dossier.members:
        needed = RELATIONSHIPS[member.relationship][1]
        if (
            member.relationship == "child"
            and member.birth_date
            and age_on(member.birth_date, on) >= ADULT_AGE
        ):
            problems.append(
                Problem(
                    "family",
                    "NOT_ELIGIBLE",
                    f"{member.real_name}已满 18 周岁，不能随迁",
                    f"member:{member.id}",
                )
            )
        kinds = dossier.member_kinds(member)
        for material in needed:
            if material.kind not in kinds:
                problems.append(
                    Problem(
                        "family",
                        "MATERIAL_MISSING",
                        f"请上传{member.real_name}的{material.label}",
                        f"member:{member.id}:{material.kind}",
                    )
                )
    return problems


async def _first_state(dossier: Dossier) -> State:
    """Municipal institutions' and state-owned enterprises' employees go to their employer first."""
    employer_id = dossier.values("personal").get("employer_id")
    employer = await Employer.get_or_none(id=employer_id) if employer_id else None
    if employer is not None and EmployerNature(employer.nature).reviews_applications:
        return State.EMPLOYER_REVIEW
    return State.AWAITING_ACCEPTANCE
