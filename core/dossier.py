"""The application dossier (填报): five sections, family members, confirmation and submission.

Sections are saved one at a time and may be incomplete ("保存" / "下一步"); saving one
again from the confirmation page is "修订". What is still missing is reported as
:class:`~core.hookspecs.Problem` rows (:mod:`core.dossier_checks` for what every category
shares, the category plugin's ``validate_qualification`` for the qualification), and
submission refuses a dossier with any. Every change to a draft bumps its version, so a
submission judges exactly what it moves on; of two racing submissions one submits and the
other gets the submitted application back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from tortoise.expressions import F
from tortoise.transactions import in_transaction

from core import audit
from core.actors import Actor, require_role
from core.clock import Clock
from core.crypto import lookup_hash
from core.dossier_checks import (
    ADULT_AGE,
    FORM_SECTIONS,
    SECTIONS,
    SETTLEMENT_REQUIRED,
    check_personal,
    check_settlement,
    clean,
    common_problems,
)
from core.eligibility import EligibilityService, local_today
from core.errors import DomainError, ErrorCode
from core.facts import Outcome, age_on
from core.fixed_sql import Statement, children, children_column, fetch, instance
from core.hookspecs import Problem
from core.ids import known_id
from core.materials import RELATIONSHIPS
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
from core.ratelimit import RateLimits
from core.sections import entry, values_of
from core.shared_data import SharedDataSource
from core.states import State
from core.validation import birth_date_of, normalise_id_number
from core.verifications import FaceVerificationService

__all__ = [
    "EDITABLE_STATES",
    "FORM_SECTIONS",
    "SECTIONS",
    "SETTLEMENT_REQUIRED",
    "Dossier",
    "DossierService",
    "SubmissionFollowUp",
]


def _detail_read(kind: str) -> str:
    members = children_column(FamilyMember, "application_id", "a.id", kind)
    materials = children_column(Material, "application_id", "a.id", kind)
    return (
        f"SELECT a.*, {members} AS member_rows, {materials} AS material_rows "
        "FROM applications a WHERE a.id = $1 AND a.applicant_id = $2"
    )


# An applicant's application with its family members and materials (own_application_detail).
_DETAIL_READ = Statement(_detail_read)

# Where the applicant may still change the dossier and submit it.
EDITABLE_STATES: frozenset[State] = frozenset({State.DRAFT})


class SubmissionFollowUp(Protocol):
    """What the review lifecycle does once a submission committed (timers, news, fast track)."""

    async def after_submit(self, actor: Actor, application: Application) -> Application: ...


@dataclass(frozen=True)
class Dossier:
    """An application with everything it holds, read once."""

    application: Application
    condition: EffectiveCondition
    applicant: User
    members: list[FamilyMember]
    materials: list[Material]

    def values(self, section: str) -> dict[str, Any]:
        return values_of(self.application.sections, section)

    def saved(self, section: str) -> bool:
        if section == "family" and self.members:
            return True  # each member is saved on its own ("提交")
        return section in self.application.sections

    def applicant_kinds(self) -> frozenset[str]:
        return frozenset(m.kind for m in self.materials if m.family_member_id is None)  # type: ignore[attr-defined]

    def member_kinds(self, member: FamilyMember) -> frozenset[str]:
        return frozenset(
            m.kind
            for m in self.materials
            if m.family_member_id == member.id  # type: ignore[attr-defined]
        )


def _numbers(given: Mapping[str, str] | None) -> dict[str, str]:
    return {
        str(k).strip(): str(v).strip().upper()
        for k, v in (given or {}).items()
        if str(v or "").strip()
    }


class DossierService:
    def __init__(
        self,
        policy: PolicyService,
        clock: Clock,
        faces: FaceVerificationService,
        shared_data: SharedDataSource,
        rate_limits: RateLimits,
    ) -> None:
        self.policy = policy
        self.clock = clock
        self.faces = faces
        self.shared_data = shared_data
        self.rate_limits = rate_limits
        # 重新获取 reads and judges shared data exactly as the one-click test does.
        self.eligibility = EligibilityService(policy, faces, shared_data, clock, rate_limits)
        # Set by core.services once the lifecycle exists (it needs this service first).
        self.lifecycle: SubmissionFollowUp | None = None

    # Reading ------------------------------------------------------------------------

    async def own_application(self, actor: Actor, application_id: str | int) -> Application:
        """An applicant's own application; anyone else's is NOT_FOUND, not FORBIDDEN."""
        require_role(actor, Role.APPLICANT)
        key = known_id(application_id, "申报不存在", field="applicationId")
        application = await Application.get_or_none(id=key, applicant_id=actor.user_id)
        if application is None:
            raise DomainError(ErrorCode.NOT_FOUND, "申报不存在", field="applicationId")
        return application

    async def applications_of(self, actor: Actor | None) -> list[Application]:
        """业务查询: an applicant's applications, newest first."""
        actor = require_role(actor, Role.APPLICANT)
        return list(await Application.filter(applicant_id=actor.user_id).order_by("-id"))

    async def own_application_detail(
        self, actor: Actor, application_id: str | int
    ) -> tuple[Application, list[FamilyMember], list[Material]]:
        """``own_application`` with its family members and materials, in one fixed
        statement (core/fixed_sql.py): the detail is what an applicant reloads most
        (业务查询)."""
        require_role(actor, Role.APPLICANT)
        key = known_id(application_id, "申报不存在", field="applicationId")
        rows = await fetch(Application, _DETAIL_READ, key, actor.user_id)
        if not rows:
            raise DomainError(ErrorCode.NOT_FOUND, "申报不存在", field="applicationId")
        row = rows[0]
        return (
            instance(Application, row),
            children(FamilyMember, row["member_rows"]),
            children(Material, row["material_rows"]),
        )

    async def load(self, application: Application) -> Dossier:
        view = await self.policy.view(await application.policy_year)  # type: ignore[arg-type]
        condition = _condition(view, application)
        applicant = await User.get(id=application.applicant_id)  # type: ignore[attr-defined]
        members = await FamilyMember.filter(application_id=application.id).order_by("id")
        materials = await Material.filter(application_id=application.id).order_by("id")
        return Dossier(application, condition, applicant, list(members), list(materials))

    def _editable(self, application: Application) -> None:
        if application.state not in EDITABLE_STATES:
            raise DomainError(
                ErrorCode.APPLICATION_NOT_EDITABLE,
                "申报已提交，不能修改；如需修改请先撤回或按审核意见重新申报",
            )

    async def touch(self, application_id: int) -> None:
        """Record that the dossier changed, so a submission judging an older read fails."""
        await Application.filter(id=application_id).update(version=F("version") + 1)

    async def _store_section(
        self, application: Application, section: str, values: dict[str, Any], **extra: Any
    ) -> Application:
        sections = dict(application.sections)
        source = {"source": extra.pop("source")} if "source" in extra else {}
        sections[section] = entry(values, self.clock.now(), **source)
        updated = await Application.filter(
            id=application.id, state__in=list(EDITABLE_STATES)
        ).update(sections=sections, version=F("version") + 1, **extra)
        if not updated:
            raise DomainError(ErrorCode.APPLICATION_NOT_EDITABLE, "申报已提交，不能修改")
        await application.refresh_from_db()
        return application

    # Sections -----------------------------------------------------------------------

    async def save_section(
        self, actor: Actor, application_id: str | int, section: str, values: Mapping[str, Any]
    ) -> Application:
        """保存 (and 修订): store a section as typed; malformed values are refused, gaps kept."""
        if section not in FORM_SECTIONS:
            raise DomainError(ErrorCode.INVALID_INPUT, f"没有 {section} 部分", field="section")
        application = await self.own_application(actor, application_id)
        self._editable(application)
        cleaned = clean(values)
        if section == "personal":
            cleaned = await check_personal(cleaned)
        elif section == "settlement":
            cleaned = check_settlement(cleaned)
        return await self._store_section(application, section, cleaned, source="applicant")

    async def confirm_family(self, actor: Actor, application_id: str | int) -> Application:
        """下一步 on the family section, also when nobody moves with the applicant."""
        application = await self.own_application(actor, application_id)
        self._editable(application)
        return await self._store_section(application, "family", {})

    async def refetch_qualification(
        self,
        actor: Actor,
        application_id: str | int,
        verification_id: str,
        *,
        certificate_numbers: Mapping[str, str] | None = None,
        request: audit.RequestInfo | None = None,
    ) -> Application:
        """重新获取: replace the qualification section with the shared database's record.

        Reading shared data needs a fresh face verification of the applicant, used up
        here. Certificate numbers typed now (学历/学位证书编号) are added to those of the
        one-click test. When the shared data proves the condition, no certificate upload
        is asked for any more (fast track); when it no longer does, uploads are asked again.
        """
        application = await self.own_application(actor, application_id)
        self._editable(application)
        dossier = await self.load(application)
        await self.rate_limits.shared_data(dossier.applicant.id)
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
        numbers = _numbers(analysis.certificate_numbers if analysis else None)
        numbers.update(_numbers(certificate_numbers))
        on = local_today(self.clock)
        facts = await self.eligibility.person_facts(view, dossier.applicant, numbers, on)
        await audit.record(
            "shared_data.read",
            actor_id=actor.user_id,
            subject_type="application",
            subject_id=application.id,
            reason="重新获取：入户资格",
            request=request,
        )
        values = view.hook("qualification_from_shared_data")(
            condition=dossier.condition, facts=facts.facts_of(application.category_id)
        )
        if not values:
            raise DomainError(
                ErrorCode.NO_SHARED_DATA,
                "政府共享数据库中没有该入户条件的相关记录，请上传证明材料并手动填写",
            )
        results, _ = self.eligibility.evaluate(view, facts, on)
        proven = any(
            r["categoryId"] == application.category_id
            and r["conditionId"] == application.condition_id
            and r["outcome"] == Outcome.MET.value
            and r["provenBySharedData"]
            for r in results
        )
        return await self._store_section(
            application, "qualification", clean(values), source="shared_data", fast_track=proven
        )

    # Family members (随迁人员) -------------------------------------------------------

    async def add_family_member(
        self, actor: Actor, application_id: str | int, values: Mapping[str, Any]
    ) -> FamilyMember:
        """新增随迁人员: a spouse or a child under 18."""
        application = await self.own_application(actor, application_id)
        self._editable(application)
        fields = await self._member_fields(application, values, member_id=None)
        member = await FamilyMember.create(application_id=application.id, **fields)
        await self.touch(application.id)
        return member

    async def update_family_member(
        self, actor: Actor, member_id: str | int, values: Mapping[str, Any]
    ) -> FamilyMember:
        member = await self._own_member(actor, member_id)
        application = await Application.get(id=member.application_id)  # type: ignore[attr-defined]
        self._editable(application)
        fields = await self._member_fields(application, values, member_id=member.id)
        await FamilyMember.filter(id=member.id).update(**fields)
        await self.touch(application.id)
        await member.refresh_from_db()
        return member

    async def remove_family_member(self, actor: Actor, member_id: str | int) -> Application:
        member = await self._own_member(actor, member_id)
        application = await Application.get(id=member.application_id)  # type: ignore[attr-defined]
        self._editable(application)
        # The member's materials go with them (cascade); their stored files stay, being
        # content-addressed and possibly shared.
        await member.delete()
        await self.touch(application.id)
        await application.refresh_from_db()
        return application

    async def _own_member(self, actor: Actor, member_id: str | int) -> FamilyMember:
        require_role(actor, Role.APPLICANT)
        key = known_id(member_id, "随迁人员不存在", field="memberId")
        member = await FamilyMember.get_or_none(id=key, application__applicant_id=actor.user_id)
        if member is None:
            raise DomainError(ErrorCode.NOT_FOUND, "随迁人员不存在", field="memberId")
        return member

    async def _member_fields(
        self, application: Application, values: Mapping[str, Any], *, member_id: int | None
    ) -> dict[str, Any]:
        cleaned = clean(values)
        relationship = cleaned.pop("relationship", None)
        if relationship not in RELATIONSHIPS:
            raise DomainError(
                ErrorCode.INVALID_INPUT,
                "与申办人关系应为 spouse（配偶）或 child（未满18周岁子女）",
                field="relationship",
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
        if await others.filter(id_number_hash=lookup_hash(id_number)).exists():
            raise DomainError(ErrorCode.INVALID_INPUT, "该随迁人员已添加", field="idNumber")
        if relationship == "spouse" and await others.filter(relationship="spouse").exists():
            raise DomainError(
                ErrorCode.FAMILY_MEMBER_NOT_ELIGIBLE, "只能添加一名配偶", field="relationship"
            )
        birth = birth_date_of(id_number)
        on = local_today(self.clock)
        if relationship == "child" and age_on(birth, on) >= ADULT_AGE:
            raise DomainError(
                ErrorCode.FAMILY_MEMBER_NOT_ELIGIBLE,
                f"随迁子女须未满 {ADULT_AGE} 周岁"
                f"（{on.isoformat()} 时已满 {age_on(birth, on)} 周岁）",
                field="idNumber",
            )
        return {
            "relationship": relationship,
            "real_name": name,
            "id_number": id_number,
            "birth_date": birth,
            "details": cleaned,
        }

    # What is missing ----------------------------------------------------------------

    def problems(self, dossier: Dossier, view: PolicyView, on: date) -> list[Problem]:
        """Every problem, section by section in the dossier's order."""
        found: list[Problem] | None = view.hook("validate_qualification")(
            condition=dossier.condition,
            values=dossier.values("qualification"),
            birth_date=birth_date_of(dossier.applicant.id_number),
            on=on,
            material_kinds=dossier.applicant_kinds(),
            proven_by_shared_data=dossier.application.fast_track,
        )
        problems = list(found or [])
        if found is None and not dossier.saved("qualification"):
            # A category without checks of its own still needs the section saved.
            problems.append(Problem("qualification", "REQUIRED", "请填写并保存入户资格信息"))
        problems += common_problems(dossier, on)
        order = list(SECTIONS)
        return sorted(problems, key=lambda p: order.index(p.section))

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
        if application.state not in EDITABLE_STATES and application.submitted_at is not None:
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
                f"还有 {len(problems)} 项需要补充或修改，请按信息确认页的提示修订",
                details={"problems": [problem_json(p) for p in problems]},
            )
        personal = dossier.values("personal")
        first = await _first_state(personal.get("employer_id"))
        now = self.clock.now()
        snapshot = {
            "year": view.year,
            "revision": view.revision,
            "categoryId": condition.category_id,
            "conditionId": condition.spec.id,
            "title": condition.spec.title,
            "parameters": dict(condition.parameters),
            "judgedOn": on.isoformat(),
            "fastTrack": application.fast_track,
        }
        async with in_transaction():
            # Optimistic lock: only the version that was judged moves on.
            moved = await Application.filter(
                id=application.id, state=application.state, version=application.version
            ).update(
                state=first,
                reached_district=first != State.EMPLOYER_REVIEW,
                version=application.version + 1,
                submitted_at=now,
                state_changed_at=now,
                district=dossier.values("settlement").get("district"),
                employer_id=personal.get("employer_id"),
                parameters_snapshot=snapshot,
            )
            if moved:
                await ReviewEvent.create(
                    application_id=application.id,
                    actor_id=actor.user_id,
                    actor_role="applicant",
                    actor_label="申办人",
                    action="submit",
                    from_state=application.state,
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
        if not moved:
            if application.state not in EDITABLE_STATES and application.submitted_at is not None:
                return application  # the other click won: same submission
            # Edited between our read and our write: nothing was submitted.
            raise DomainError(ErrorCode.CONFLICT, "申报刚被修改，请确认后重新提交")
        if self.lifecycle is not None:
            application = await self.lifecycle.after_submit(actor, application)
        return application


def _condition(view: PolicyView, application: Application) -> EffectiveCondition:
    for category in view.all_categories:
        if category.id == application.category_id:
            for condition in category.conditions:
                if condition.spec.id == application.condition_id:
                    return condition
    raise DomainError(ErrorCode.UNKNOWN_CONDITION, "申报的入户条件已不存在")


def problem_json(problem: Problem) -> dict[str, Any]:
    return {
        "section": problem.section,
        "code": problem.code,
        "message": problem.message,
        "field": problem.field,
        "materialKind": problem.material_kind,
        "familyMemberId": problem.family_member_id,
    }


async def _first_state(employer_id: Any) -> State:
    """Municipal institutions' and state-owned enterprises' employees go to their employer first."""
    employer = await Employer.get_or_none(id=employer_id) if employer_id else None
    if employer is not None and EmployerNature(employer.nature).reviews_applications:
        return State.EMPLOYER_REVIEW
    return State.AWAITING_ACCEPTANCE
