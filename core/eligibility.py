"""Eligibility: the one-click test's analysis and the way from it into an application.

Core orchestrates and knows no category: it reads the facts every category shares
(social insurance, earlier settlements), asks each enabled category's plugin for its own
facts (``read_shared_data``) and judgement (``evaluate_condition``), and adds the
requirements common to all conditions.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from core import audit
from core.actors import Actor, require_role
from core.clock import Clock
from core.crypto import lookup_hash
from core.districts import office_of
from core.errors import DomainError, ErrorCode
from core.facts import (
    ConditionResult,
    InsuranceMonth,
    Outcome,
    PersonFacts,
    Settlement,
    SocialInsurance,
)
from core.hookspecs import CategoryFacts
from core.models import (
    Application,
    EligibilityAnalysis,
    ReapplicationPermit,
    Role,
    User,
)
from core.policy import PolicyService, PolicyView
from core.ratelimit import RateLimits
from core.shared_data import SharedDataSource, SharedRecord
from core.validation import birth_date_of, normalise_id_number
from core.verifications import FaceVerificationService

LOCAL_TIME = ZoneInfo("Asia/Shanghai")
ANALYSIS_VALIDITY = timedelta(hours=24)

# 办理须知: what the applicant accepts before the service reads their shared data.
NOTICE = (
    "1. 一键测试和一键申报需要获取您在政府共享平台的个人数据，为保护您的个人隐私，"
    "请先进行微警认证（人脸识别）。\n"
    "2. 测试结果仅供参考，以区人社部门审核结果为准。\n"
    "3. 申办人须在广州就业（签订劳动合同或在本市注册经营），并在本市正常缴纳社会保险；"
    "补缴的社会保险不计入连续缴费时间。\n"
    "4. 申办人须如实填报，提供虚假材料的不予受理，且五年内不得再次申报。"
)


def local_today(clock: Clock) -> date:
    return clock.now().astimezone(LOCAL_TIME).date()


def _month(text: str) -> date:
    year, month = text[:7].split("-")
    return date(int(year), int(month), 1)


def read_insurance(records: list[SharedRecord], on: date) -> SocialInsurance | None:
    """Periods ``{"from": "2024-01", "to": "2026-10" | null, "back_paid": bool}``."""
    if not records:
        return None
    months: dict[date, bool] = {}
    for record in records:
        for period in record.data.get("periods", []):
            start = _month(period["from"])
            end = _month(period["to"]) if period.get("to") else on.replace(day=1)
            back_paid = bool(period.get("back_paid", False))
            month = start
            while month <= end:
                # A month paid on time once is not back-paid because it was also topped up.
                months[month] = months.get(month, True) and back_paid
                month = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return SocialInsurance(tuple(InsuranceMonth(m, b) for m, b in sorted(months.items())))


def read_settlements(records: list[SharedRecord]) -> tuple[Settlement, ...]:
    return tuple(
        Settlement(
            year=int(r.data["year"]),
            district=str(r.data.get("district", "")),
            completed=bool(r.data.get("completed", True)),
        )
        for r in records
    )


def _result_json(result: ConditionResult, title: str) -> dict[str, Any]:
    return {
        "categoryId": result.category_id,
        "conditionId": result.condition_id,
        "title": title,
        "outcome": result.outcome.value,
        "reasons": list(result.reasons),
        "facts": dict(result.facts_used),
        "provenBySharedData": result.proven_by_shared_data,
    }


class EligibilityService:
    def __init__(
        self,
        policy: PolicyService,
        faces: FaceVerificationService,
        shared_data: SharedDataSource,
        clock: Clock,
        rate_limits: RateLimits,
    ) -> None:
        self.policy = policy
        self.faces = faces
        self.shared_data = shared_data
        self.clock = clock
        self.rate_limits = rate_limits

    # Facts --------------------------------------------------------------------------

    async def person_facts(
        self, view: PolicyView, user: User, certificate_numbers: Mapping[str, str], on: date
    ) -> PersonFacts:
        source = self.shared_data
        insurance, settlements = await asyncio.gather(
            source.records(user.id_number, "social_insurance"),
            source.records(user.id_number, "settlement"),
        )
        pending = view.hook("read_shared_data")(
            source=source, id_number=user.id_number, certificate_numbers=certificate_numbers
        )
        found: list[CategoryFacts] = list(await asyncio.gather(*pending))
        return PersonFacts(
            id_number=user.id_number,
            name=user.real_name,
            birth_date=birth_date_of(user.id_number),
            insurance=read_insurance(insurance, on),
            settlements=read_settlements(settlements),
            category_facts={f.category_id: f.facts for f in found},
            from_shared_data={f.category_id: f.found for f in found},
        )

    # Judgement ----------------------------------------------------------------------

    def prerequisites(self, facts: PersonFacts, on: date) -> list[dict[str, Any]]:
        """What every condition requires, whatever its category."""
        required = "各类入户条件均要求在本市就业并正常缴纳社会保险"
        if facts.insurance is None:
            ok, reason = False, f"未查询到在本市缴纳社会保险的记录；{required}"
        elif facts.insurance.is_paid_now(on):
            ok, reason = True, "目前在本市正常缴纳社会保险"
        else:
            ok, reason = False, f"目前未在本市正常缴纳社会保险；{required}"
        return [{"id": "social_insurance", "ok": ok, "reason": reason}]

    def evaluate(
        self, view: PolicyView, facts: PersonFacts, on: date
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        prerequisites = self.prerequisites(facts, on)
        failed = [p["reason"] for p in prerequisites if p["ok"] is False]
        evaluate = view.hook("evaluate_condition")
        results = []
        for category in view.categories:
            for condition in category.conditions:
                if not condition.enabled:
                    continue
                result: ConditionResult | None = evaluate(condition=condition, facts=facts, on=on)
                if result is None:
                    result = ConditionResult(
                        category.id,
                        condition.spec.id,
                        Outcome.UNKNOWN,
                        ("该条件需由区人社部门审核材料后认定",),
                    )
                if failed and result.outcome != Outcome.NOT_MET:
                    result = ConditionResult(
                        result.category_id,
                        result.condition_id,
                        Outcome.NOT_MET,
                        (*result.reasons, *failed),
                        result.facts_used,
                    )
                elif failed:
                    result = ConditionResult(
                        result.category_id,
                        result.condition_id,
                        result.outcome,
                        (*result.reasons, *failed),
                        result.facts_used,
                    )
                results.append(_result_json(result, condition.spec.title))
        return results, prerequisites

    def summary(self, view: PolicyView, facts: PersonFacts) -> list[dict[str, Any]]:
        """The seeds' four cases: whether shared data held titles and education records."""
        rows = []
        for category in sorted(
            (c for c in view.categories if c.spec.test_summary),
            key=lambda c: c.spec.summary_order,
        ):
            assert category.spec.test_summary is not None
            found = bool(facts.from_shared_data.get(category.id))
            yes, no = category.spec.test_summary
            rows.append({"categoryId": category.id, "found": found, "text": yes if found else no})
        return rows

    async def barred(self, facts: PersonFacts) -> dict[str, Any] | None:
        """禁止再报: an earlier completed settlement, unless a district reopened the right."""
        done = [s for s in facts.settlements if s.completed]
        if not done:
            return None
        if await ReapplicationPermit.filter(
            id_number_hash=lookup_hash(facts.id_number), used_at=None
        ).exists():
            return None
        latest = max(done, key=lambda s: s.year)
        return {"year": latest.year, "district": latest.district}

    # The one-click test -------------------------------------------------------------

    async def analyse(
        self,
        actor: Actor,
        user: User,
        *,
        verification_id: str,
        notice_accepted: bool,
        certificate_numbers: Mapping[str, str],
        request: audit.RequestInfo | None = None,
    ) -> EligibilityAnalysis:
        require_role(actor, Role.APPLICANT)
        if not notice_accepted:
            raise DomainError(
                ErrorCode.NOTICE_NOT_ACCEPTED, "请先阅读并勾选办理须知", field="noticeAccepted"
            )
        numbers = {
            str(k).strip(): str(v).strip().upper()
            for k, v in certificate_numbers.items()
            if str(v).strip()
        }
        await self.rate_limits.shared_data(user.id)
        verification = await self.faces.check_passed(verification_id, "shared_data")
        if verification.verified_id_number != user.id_number:
            raise DomainError(
                ErrorCode.VERIFICATION_FAILED,
                "人脸识别结果与登录账号的身份不一致",
                field="verificationId",
            )
        await self.faces.consume(verification_id, "shared_data")
        view = await self.policy.current_view()
        on = local_today(self.clock)
        facts = await self.person_facts(view, user, numbers, on)
        await audit.record(
            "shared_data.read",
            actor_id=actor.user_id,
            subject_type="person",
            subject_id=user.id,
            reason="一键测试：入户条件智能分析",
            request=request,
        )
        results, prerequisites = self.evaluate(view, facts, on)
        return await EligibilityAnalysis.create(
            id=uuid.uuid4(),
            user=user,
            policy_year_id=view.policy_year_id,
            reference_date=on,
            certificate_numbers=numbers,
            summary=self.summary(view, facts),
            prerequisites=prerequisites,
            results=results,
            barred=await self.barred(facts),
            created_at=self.clock.now(),
        )

    async def get(self, actor: Actor, analysis_id: str) -> EligibilityAnalysis:
        try:
            key = uuid.UUID(str(analysis_id))
        except ValueError as exc:
            raise DomainError(ErrorCode.NOT_FOUND, "分析结果不存在", field="analysisId") from exc
        row = await EligibilityAnalysis.get_or_none(id=key, user_id=actor.user_id)
        if row is None:
            raise DomainError(ErrorCode.NOT_FOUND, "分析结果不存在", field="analysisId")
        return row

    # Into an application ------------------------------------------------------------

    async def start_application(
        self,
        actor: Actor,
        *,
        analysis_id: str,
        category_id: str | None,
        condition_id: str | None,
        request: audit.RequestInfo | None = None,
    ) -> Application:
        """开始申报 / 自主选择入户条件申报: a draft under one condition.

        Without a condition, the analysis must have found exactly one met condition.
        """
        require_role(actor, Role.APPLICANT)
        analysis = await self.get(actor, analysis_id)
        if self.clock.now() - analysis.created_at > ANALYSIS_VALIDITY:
            raise DomainError(ErrorCode.ANALYSIS_EXPIRED, "智能分析结果已过期，请重新进行一键申报")
        view = await self.policy.current_view()
        if analysis.policy_year_id != view.policy_year_id:
            raise DomainError(ErrorCode.ANALYSIS_EXPIRED, "政策年度已变更，请重新进行一键申报")
        permit = await self._check_not_barred(analysis)

        results = {(r["categoryId"], r["conditionId"]): r for r in analysis.results}
        if condition_id is None:
            met = [r for r in analysis.results if r["outcome"] == Outcome.MET.value]
            met = [r for r in met if _is_enabled(view, r["categoryId"], r["conditionId"])]
            if not met:
                raise DomainError(
                    ErrorCode.NO_CONDITION_MET,
                    "智能分析未找到符合的入户条件，可自主选择入户条件申报",
                )
            if len(met) > 1:
                raise DomainError(
                    ErrorCode.CONDITION_CHOICE_REQUIRED,
                    "有多项符合的入户条件，请选择其中一项",
                    details={
                        "choices": [
                            {
                                "categoryId": r["categoryId"],
                                "conditionId": r["conditionId"],
                                "title": r["title"],
                            }
                            for r in met
                        ]
                    },
                )
            category_id, condition_id = met[0]["categoryId"], met[0]["conditionId"]
        if category_id is None:
            raise DomainError(ErrorCode.INVALID_INPUT, "请指定入户条件所属类别", field="categoryId")
        view.condition(category_id, condition_id)  # enabled this year, or a typed error
        result = results.get((category_id, condition_id))
        fast_track = bool(
            result and result["outcome"] == Outcome.MET.value and result["provenBySharedData"]
        )
        draft = await Application.filter(applicant_id=actor.user_id, state="draft").first()
        if draft is None:
            draft = await Application.create(
                applicant_id=actor.user_id,
                policy_year_id=view.policy_year_id,
                category_id=category_id,
                condition_id=condition_id,
                fast_track=fast_track,
                analysis_id=analysis.id,
            )
        else:
            # One draft at a time: choosing again changes the draft's condition, as
            # "选择新的申报条件" does; what was saved in its sections stays.
            draft.category_id = category_id
            draft.condition_id = condition_id
            draft.fast_track = fast_track
            draft.analysis_id = analysis.id
            draft.policy_year_id = view.policy_year_id
            await draft.save()
        if permit is not None:
            permit.used_at = self.clock.now()
            await permit.save(update_fields=["used_at"])
        await audit.record(
            "application.start",
            actor_id=actor.user_id,
            subject_type="application",
            subject_id=draft.id,
            reason=f"{category_id}/{condition_id}",
            request=request,
        )
        return draft

    async def _check_not_barred(self, analysis: EligibilityAnalysis) -> ReapplicationPermit | None:
        if not analysis.barred:
            return None
        user = await User.get(id=analysis.user_id)
        permit = await ReapplicationPermit.filter(
            id_number_hash=lookup_hash(user.id_number), used_at=None
        ).first()
        if permit is not None:
            return permit
        year, district = analysis.barred["year"], analysis.barred["district"]
        details: dict[str, Any] = {"year": year, "district": district}
        contact = "市、区人社部门引进人才对外服务窗口"
        try:
            office = office_of(district)
        except DomainError:
            office = None
        if office is not None:
            details["office"] = {
                "name": office.office,
                "address": office.address,
                "phones": list(office.phones),
                "hours": office.hours,
            }
            contact = f"{office.office}（{office.address}，电话 {'、'.join(office.phones)}）"
        raise DomainError(
            ErrorCode.REAPPLICATION_BARRED,
            f"已禁止再报，{year}年已办理引进在职人才业务，如需开通再次申报权限，请联系{contact}提交申请",
            details=details,
        )

    async def reopen_right(
        self,
        actor: Actor,
        id_number: str,
        reason: str,
        *,
        request: audit.RequestInfo | None = None,
    ) -> ReapplicationPermit:
        """A district reviewer or administrator reopens a person's right to apply again."""
        require_role(actor, Role.REVIEWER, Role.ADMIN)
        id_number = normalise_id_number(id_number)
        if not reason.strip():
            raise DomainError(ErrorCode.INVALID_INPUT, "请填写开通原因", field="reason")
        districts = actor.districts()
        permit = await ReapplicationPermit.create(
            id_number=id_number,
            granted_by_id=actor.user_id,
            district=districts[0] if districts else None,
            reason=reason.strip(),
        )
        await audit.record(
            "application_right.reopen",
            actor_id=actor.user_id,
            subject_type="person",
            subject_id=id_number[:6] + "********" + id_number[-4:],
            reason=reason.strip(),
            request=request,
        )
        return permit


def _is_enabled(view: PolicyView, category_id: str, condition_id: str) -> bool:
    try:
        view.condition(category_id, condition_id)
    except DomainError:
        return False
    return True
