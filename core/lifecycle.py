"""The review lifecycle (审核流程): one service that takes every step of the table.

``LifecycleService.transition`` finds who the actor is for the application (its
applicant, its employer's administrator, its district's reviewer), checks the table in
``core/lifecycle_rules.py`` and the step's guards, and moves the application with a
conditional UPDATE on its ``version``: of two reviewers acting at once one wins, the
other gets ``CONFLICT``. In the same transaction it appends the step to the history
(``ReviewEvent``, never updated), writes the audit log, and arms or disarms the timers
(``acceptance.auto``: the 6th working day; ``publicity.end``: after 5 working days).
After the commit it sends the applicant's SMS through the outbox, publishes the change
for the subscription, and tells the plugins (``application_transitioned``).
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from tortoise.transactions import in_transaction

from core import audit
from core.actors import Actor, require_actor
from core.cards import CardService
from core.clock import Clock
from core.districts import find_office
from core.dossier_checks import SETTLEMENT_REQUIRED, check_settlement
from core.dossier_checks import clean as clean_values
from core.errors import DomainError, ErrorCode
from core.events import ApplicationChanged, Broker
from core.hookspecs import Problem
from core.ids import known_id
from core.jobs import JobQueue
from core.lifecycle_rules import (
    BY_ACTION,
    PARTY_LABELS,
    Action,
    Guard,
    Party,
    Transition,
    available,
)
from core.models import Application, Employer, ReviewEvent, Role, User
from core.models.jobs import Job
from core.plugins import PluginRegistry
from core.policy import EffectiveCondition, PolicyService
from core.sections import entry, values_of
from core.sms import SmsOutbox
from core.states import IN_PROGRESS, LABELS, State
from core.workdays import add_working_days, day_start, local_date, working_day_deadline

logger = logging.getLogger("talent.lifecycle")

ACCEPTANCE_WORKING_DAYS = 6  # accepted automatically on the 6th working day
REVIEW_WORKING_DAYS = 15
OBJECTION_WORKING_DAYS = 20  # an objection is investigated within 20 working days
EXTENSION_WORKING_DAYS = 10
PUBLICITY_WORKING_DAYS = 5
RECALL_WINDOW = timedelta(hours=1)
OPINION_MAX = 2000

AUTO_ACCEPT_JOB = "acceptance.auto"
PUBLICITY_END_JOB = "publicity.end"

# The SMS the applicant receives, by action: the issue's return, refusal, approval,
# publicity, card issue and the employer's decisions.
_SMS: dict[Action, str] = {
    Action.FORWARD: "您的引进人才入户申报（编号{id}）已由{actor}审核通过，送{district}人社局受理。",
    Action.EMPLOYER_RETURN: "您的引进人才入户申报（编号{id}）被{actor}退回：{opinion}。"
    "请登录申办系统查看意见并重新申报。",
    Action.RETURN: "您的引进人才入户申报（编号{id}）已被{actor}退案，审核意见：{opinion}。"
    "请登录申办系统按审核意见修改后重新申报。",
    Action.REFUSE: "您的引进人才入户申报（编号{id}）{actor}不予受理，意见：{opinion}。"
    "可登录申办系统查看意见并重新申报。",
    Action.APPROVE: "您的引进人才入户申报（编号{id}）已审批通过，将进行公示。",
    Action.FAST_APPROVE: "您的引进人才入户申报（编号{id}）已智能审批通过，"
    "请登录申办系统确认落户地址并生成入户卡。",
    Action.START_PUBLICITY: "您的引进人才入户申报（编号{id}）正在公示，"
    "公示期{publicity_start}至{publicity_end}。",
    Action.ISSUE_CARD: "您的《广州市入户人员信息卡》已出具（编号{id}），请登录申办系统下载。",
    Action.GENERATE_CARD: "您的《广州市入户人员信息卡》已生成（编号{id}），请登录申办系统下载。",
}


def _ids(actor: Actor, role: Role) -> set[int]:
    return {g.employer_id for g in actor.grants if g.role == role and g.employer_id is not None}


def employer_ids(actor: Actor) -> set[int]:
    """The employers whose applications the actor administers (法人单位系统管理员)."""
    return _ids(actor, Role.EMPLOYER_ADMIN)


def parties(actor: Actor | None, application: Application) -> frozenset[Party]:
    """Who ``actor`` is for ``application``; empty when it is not theirs to see."""
    if actor is None:
        return frozenset({Party.SYSTEM})
    found: set[Party] = set()
    if actor.has(Role.APPLICANT) and application.applicant_id == actor.user_id:  # type: ignore[attr-defined]
        found.add(Party.APPLICANT)
    state = State(application.state)
    if (
        state != State.DRAFT
        and application.employer_id is not None
        and application.employer_id in employer_ids(actor)
    ):
        found.add(Party.EMPLOYER_ADMIN)
    if application.reached_district and application.district in set(actor.districts()):
        found.add(Party.REVIEWER)
    return frozenset(found)


@dataclass
class _Step:
    """What one transition writes besides the state."""

    fields: dict[str, Any] = field(default_factory=dict)
    schedule: list[tuple[str, str, datetime]] = field(default_factory=list)  # kind, key, due
    cancel: list[str] = field(default_factory=list)
    issue_card: bool = False


class LifecycleService:
    def __init__(
        self,
        registry: PluginRegistry,
        policy: PolicyService,
        clock: Clock,
        outbox: SmsOutbox,
        jobs: JobQueue,
        cards: CardService,
        events: Broker,
    ) -> None:
        self.registry = registry
        self.policy = policy
        self.clock = clock
        self.outbox = outbox
        self.jobs = jobs
        self.cards = cards
        self.events = events

    def register_jobs(self) -> None:
        """The timers this service owns, registered once at start-up."""
        self.jobs.register(AUTO_ACCEPT_JOB, self._auto_accept)
        self.jobs.register(PUBLICITY_END_JOB, self._end_publicity)

    def today(self) -> date:
        return local_date(self.clock.now())

    # Finding an application ---------------------------------------------------------

    async def find(
        self, actor: Actor | None, application_id: str | int
    ) -> tuple[Application, frozenset[Party]]:
        """The application and who the actor is for it; NOT_FOUND when it is not theirs."""
        key = known_id(application_id, "申报不存在", field="applicationId")
        application = await Application.get_or_none(id=key)
        who = parties(actor, application) if application is not None else frozenset()
        if application is None or not who:
            raise DomainError(ErrorCode.NOT_FOUND, "申报不存在", field="applicationId")
        return application, who

    async def open_case(
        self,
        actor: Actor | None,
        application_id: str | int,
        *,
        request: audit.RequestInfo | None = None,
    ) -> tuple[Application, User]:
        """A handler's (reviewer, employer administrator) full read of a case, audit-logged."""
        actor = require_actor(actor)
        application, _ = await self.find(actor, application_id)
        applicant = await User.get(id=application.applicant_id)  # type: ignore[attr-defined]
        await audit.record(
            "application.read",
            actor_id=actor.user_id,
            subject_type="application",
            subject_id=application.id,
            reason="审核查看申报详情",
            request=request,
        )
        return application, applicant

    def allowed_actions(self, actor: Actor | None, application: Application) -> list[Action]:
        """What the actor may do now, guards on the clock and flags included."""
        state = State(application.state)
        result = []
        for t in available(state, parties(actor, application)):
            if Guard.FAST_TRACK in t.guards and not application.fast_track:
                continue
            if Guard.NOT_FAST_TRACK in t.guards and application.fast_track:
                continue
            if Guard.NOT_EXTENDED in t.guards and application.review_extended:
                continue
            if Guard.RECALL_WINDOW in t.guards and not self._within_recall(application):
                continue
            result.append(t.action)
        return result

    def _within_recall(self, application: Application) -> bool:
        forwarded = application.forwarded_at
        return forwarded is not None and self.clock.now() - forwarded <= RECALL_WINDOW

    # Taking a step ------------------------------------------------------------------

    async def transition(
        self,
        actor: Actor | None,
        application_id: str | int,
        action: Action | str,
        *,
        opinion: str | None = None,
        corrections: Sequence[str] | None = None,
        expected_version: int | None = None,
        request: audit.RequestInfo | None = None,
    ) -> Application:
        """Take ``action`` on the application as ``actor`` (``None``: the system's timers)."""
        try:
            step = BY_ACTION[Action(action)]
        except ValueError as exc:
            raise DomainError(
                ErrorCode.INVALID_INPUT, f"未知操作 {action}", field="action"
            ) from exc
        application, who = await self.find(actor, application_id)
        if step.internal and actor is not None:
            raise DomainError(ErrorCode.FORBIDDEN, "该步骤由系统自动执行")
        party = next((p for p in sorted(step.parties & who)), None)
        if party is None:
            raise DomainError(ErrorCode.FORBIDDEN, "没有执行该操作的权限")
        if expected_version is not None and expected_version != application.version:
            raise DomainError(
                ErrorCode.CONFLICT,
                "申报已有新的办理进度，请刷新后再操作",
                details={"state": application.state, "version": application.version},
            )
        return await self._take(
            application,
            step,
            party,
            actor,
            opinion=(opinion or "").strip() or None,
            corrections=[c.strip() for c in corrections or () if c and c.strip()],
            request=request,
        )

    async def _take(
        self,
        application: Application,
        step: Transition,
        party: Party,
        actor: Actor | None,
        *,
        opinion: str | None,
        corrections: list[str],
        request: audit.RequestInfo | None = None,
        target: State | None = None,
    ) -> Application:
        source = State(application.state)
        if source not in step.sources:
            raise DomainError(
                ErrorCode.INVALID_TRANSITION,
                f"申报当前为“{LABELS[source]}”，不能{step.label}",
                details={
                    "state": source.value,
                    "action": step.action.value,
                    "allowedActions": [a.value for a in self.allowed_actions(actor, application)],
                },
            )
        await self._check_guards(application, step, opinion)
        now = self.clock.now()
        target = target or step.target
        assert target is not None
        effects = self._effects(application, step, source, target, now)
        label = await self._actor_label(application, party)
        details: dict[str, Any] | None = {"corrections": corrections} if corrections else None
        async with in_transaction():
            moved = await Application.filter(
                id=application.id, state=source.value, version=application.version
            ).update(
                state=target.value,
                version=application.version + 1,
                state_changed_at=now,
                **effects.fields,
            )
            if not moved:
                current = await Application.get(id=application.id)
                raise DomainError(
                    ErrorCode.CONFLICT,
                    "申报刚被他人处理，请刷新后查看最新进度",
                    details={"state": current.state, "version": current.version},
                )
            await ReviewEvent.create(
                application_id=application.id,
                actor_id=actor.user_id if actor else None,
                actor_role=party.value,
                actor_label=label,
                action=step.action.value,
                from_state=source.value,
                to_state=target.value,
                opinion=opinion,
                details=details,
                created_at=now,
            )
            await audit.record(
                f"application.{step.action.value}",
                actor_id=actor.user_id if actor else None,
                subject_type="application",
                subject_id=application.id,
                reason=(opinion or "")[:255],
                request=request,
            )
            for key in effects.cancel:
                await self.jobs.cancel(key)
            for kind, key, due in effects.schedule:
                await self.jobs.schedule(
                    kind, key=key, due_at=due, payload={"applicationId": application.id}
                )
            if effects.issue_card:
                await self.cards.issue(application.id, actor_id=actor.user_id if actor else None)
        await application.refresh_from_db()
        await self._announce(application, step.action, source, target, party, label, opinion, now)
        return application

    async def _check_guards(
        self, application: Application, step: Transition, opinion: str | None
    ) -> None:
        for guard in step.guards:
            if guard == Guard.OPINION:
                if not opinion:
                    raise DomainError(ErrorCode.INVALID_INPUT, "请填写意见", field="opinion")
                if len(opinion) > OPINION_MAX:
                    raise DomainError(
                        ErrorCode.INVALID_INPUT, f"意见不能超过 {OPINION_MAX} 字", field="opinion"
                    )
            elif guard == Guard.RECALL_WINDOW:
                if not self._within_recall(application):
                    raise DomainError(
                        ErrorCode.RECALL_WINDOW_CLOSED,
                        "送审已超过一小时，单位不能自行撤回；请联系区人才办退案后再修改",
                    )
            elif guard == Guard.NOT_EXTENDED:
                if application.review_extended:
                    raise DomainError(ErrorCode.INVALID_TRANSITION, "审核期限只能延长一次")
            elif guard == Guard.FAST_TRACK:
                if not application.fast_track:
                    raise DomainError(
                        ErrorCode.INVALID_TRANSITION, "只有智能审批的申报由申办人生成入户卡"
                    )
            elif guard == Guard.NOT_FAST_TRACK:
                if application.fast_track:
                    raise DomainError(
                        ErrorCode.INVALID_TRANSITION, "智能审批的申报无需公示，由申办人生成入户卡"
                    )
            elif guard == Guard.APPROVAL_CHECKS:
                problems = await self.approval_problems(application)
                if problems:
                    raise DomainError(
                        ErrorCode.APPROVAL_BLOCKED,
                        "；".join(p.message for p in problems),
                        details={
                            "problems": [
                                {"code": p.code, "message": p.message, "field": p.field}
                                for p in problems
                            ]
                        },
                    )
            elif guard == Guard.NO_OTHER_APPLICATION:
                others = Application.filter(
                    applicant_id=application.applicant_id,  # type: ignore[attr-defined]
                    state__in=[State.DRAFT.value, *(s.value for s in IN_PROGRESS)],
                ).exclude(id=application.id)
                if await others.exists():
                    raise DomainError(
                        ErrorCode.APPLICATION_IN_PROGRESS,
                        "您已有一项填报中或办理中的申报，请在该申报中继续办理",
                    )

    def _effects(
        self,
        application: Application,
        step: Transition,
        source: State,
        target: State,
        now: datetime,
    ) -> _Step:
        effects = _Step()
        today = local_date(now)
        key = application.id
        if source == State.AWAITING_ACCEPTANCE and target != State.AWAITING_ACCEPTANCE:
            effects.cancel.append(f"{AUTO_ACCEPT_JOB}:{key}")
        if source == State.PUBLICITY and target != State.PUBLICITY:
            effects.cancel.append(f"{PUBLICITY_END_JOB}:{key}")
        action = step.action
        if action == Action.FORWARD:
            effects.fields |= {"forwarded_at": now, "reached_district": True}
            effects.schedule.append(self._auto_accept_timer(application.id, now))
        elif action in (Action.ACCEPT, Action.AUTO_ACCEPT):
            effects.fields |= {
                "accepted_at": now,
                "review_due_on": add_working_days(today, REVIEW_WORKING_DAYS),
                "review_extended": False,
            }
        elif action == Action.OBJECTION:
            effects.fields |= {
                "review_due_on": add_working_days(today, OBJECTION_WORKING_DAYS),
                "review_extended": False,
            }
        elif action == Action.EXTEND_REVIEW:
            due = application.review_due_on or today
            effects.fields |= {
                "review_due_on": add_working_days(due, EXTENSION_WORKING_DAYS),
                "review_extended": True,
            }
        elif action == Action.START_PUBLICITY:
            ends = add_working_days(today, PUBLICITY_WORKING_DAYS)
            effects.fields |= {"publicity_started_on": today, "publicity_ends_on": ends}
            effects.schedule.append(
                (PUBLICITY_END_JOB, f"{PUBLICITY_END_JOB}:{key}", day_start(ends + timedelta(1)))
            )
        elif action == Action.RECALL:
            effects.fields |= {"forwarded_at": None, "reached_district": False}
        elif action == Action.FAST_APPROVE:
            effects.fields["reached_district"] = True
        elif action in (Action.ISSUE_CARD, Action.GENERATE_CARD):
            effects.issue_card = True
        elif action == Action.REAPPLY:
            effects.fields |= {
                "forwarded_at": None,
                "reached_district": False,
                "accepted_at": None,
                "review_due_on": None,
                "review_extended": False,
                "publicity_started_on": None,
                "publicity_ends_on": None,
            }
        return effects

    def _auto_accept_timer(self, application_id: int, since: datetime) -> tuple[str, str, datetime]:
        return (
            AUTO_ACCEPT_JOB,
            f"{AUTO_ACCEPT_JOB}:{application_id}",
            working_day_deadline(since, ACCEPTANCE_WORKING_DAYS),
        )

    async def _actor_label(self, application: Application, party: Party) -> str:
        """How the applicant sees who acted: the bureau or the employer, never a name."""
        office = find_office(application.district or "")
        if party == Party.REVIEWER and office is not None:
            return office.bureau
        if party == Party.EMPLOYER_ADMIN and application.employer_id is not None:
            employer = await Employer.get_or_none(id=application.employer_id)
            if employer is not None:
                return employer.name
        return PARTY_LABELS[party]

    # After the commit ---------------------------------------------------------------

    async def _announce(
        self,
        application: Application,
        action: Action,
        source: State | None,
        target: State,
        party: Party,
        label: str,
        opinion: str | None,
        now: datetime,
    ) -> None:
        template = _SMS.get(action)
        if template is not None:
            applicant = await User.get(id=application.applicant_id)  # type: ignore[attr-defined]
            text = template.format(
                id=application.id,
                actor=label,
                district=application.district or "",
                opinion=(opinion or "")[:200],
                publicity_start=application.publicity_started_on,
                publicity_end=application.publicity_ends_on,
            )
            await self.outbox.send(
                mobile=applicant.mobile,
                purpose=f"lifecycle.{action.value}",
                text=text,
                user=applicant,
            )
        await self.events.publish(
            ApplicationChanged(
                application_id=application.id,
                applicant_id=application.applicant_id,  # type: ignore[attr-defined]
                state=target.value,
                at=now,
            )
        )
        for result in self.registry.plugin_manager.hook.application_transitioned(
            application_id=application.id,
            category_id=application.category_id,
            condition_id=application.condition_id,
            action=action.value,
            from_state=source.value if source else None,
            to_state=target.value,
            actor_role=party.value,
            opinion=opinion,
            at=now,
        ):
            if inspect.isawaitable(result):
                try:
                    await result
                except Exception:
                    # The step is committed; a plugin's failure to listen cannot undo it.
                    logger.exception("application_transitioned failed for %s", application.id)

    async def generate_card(
        self,
        actor: Actor,
        application_id: str | int,
        *,
        settlement: Mapping[str, Any] | None = None,
        request: audit.RequestInfo | None = None,
    ) -> Application:
        """智能审批: the applicant confirms or corrects the settlement address, then the card.

        The dossier asked for the settlement section before submission like any other;
        on the fast track the applicant may still correct it here, once approved, and the
        card is generated with what is saved.
        """
        application, who = await self.find(actor, application_id)
        if settlement is not None:
            if Party.APPLICANT not in who:
                raise DomainError(ErrorCode.FORBIDDEN, "没有执行该操作的权限")
            if application.state != State.APPROVED or not application.fast_track:
                raise DomainError(
                    ErrorCode.INVALID_TRANSITION,
                    f"申报当前为“{LABELS[State(application.state)]}”，不能生成入户卡",
                )
            values = check_settlement(clean_values(settlement))
            missing = [label for name, label in SETTLEMENT_REQUIRED.items() if not values.get(name)]
            if missing:
                raise DomainError(
                    ErrorCode.INVALID_INPUT, f"请填写{'、'.join(missing)}", field="settlement"
                )
            sections = dict(application.sections or {})
            sections["settlement"] = entry(values, self.clock.now())
            changed = await Application.filter(
                id=application.id, version=application.version
            ).update(
                sections=sections, district=values["district"], version=application.version + 1
            )
            if not changed:
                raise DomainError(ErrorCode.CONFLICT, "申报刚被修改，请刷新后再操作")
        return await self.transition(actor, application.id, Action.GENERATE_CARD, request=request)

    # Plugins' approval checks -------------------------------------------------------

    async def approval_problems(self, application: Application) -> list[Problem]:
        view = await self.policy.view(await application.policy_year)  # type: ignore[arg-type]
        condition = _condition(view.all_categories, application)
        problems: list[Problem] = []
        for result in self.registry.plugin_manager.hook.check_approval(
            condition=condition,
            application_id=application.id,
            values=values_of(application.sections, "qualification"),
            fast_track=application.fast_track,
            on=self.today(),
        ):
            if inspect.isawaitable(result):
                result = await result
            problems.extend(result or [])
        return problems

    # Submission, timers -------------------------------------------------------------

    async def after_submit(self, actor: Actor, application: Application) -> Application:
        """What follows a submission the dossier made: the employer, the clock, the news.

        The dossier moved the application out of ``draft`` (with its district and
        employer) and appended the ``submit`` step; here the acceptance timer is armed,
        the change announced, and a fast-track case approved at once.
        """
        state = State(application.state)
        now = self.clock.now()
        if state == State.AWAITING_ACCEPTANCE and not application.fast_track:
            kind, key, due = self._auto_accept_timer(application.id, now)
            await self.jobs.schedule(
                kind, key=key, due_at=due, payload={"applicationId": application.id}
            )
        await application.refresh_from_db()
        await self._announce(
            application,
            Action.SUBMIT,
            State.DRAFT,
            state,
            Party.APPLICANT,
            PARTY_LABELS[Party.APPLICANT],
            None,
            now,
        )
        if application.fast_track:
            application = await self._take(
                application, BY_ACTION[Action.FAST_APPROVE], Party.SYSTEM, None,
                opinion="政府共享数据已核验入户条件，智能审批通过", corrections=[],
            )  # fmt: skip
        return application

    async def _auto_accept(self, job: Job) -> None:
        await self._timer(job, Action.AUTO_ACCEPT, State.AWAITING_ACCEPTANCE)

    async def _end_publicity(self, job: Job) -> None:
        await self._timer(job, Action.END_PUBLICITY, State.PUBLICITY)

    async def _timer(self, job: Job, action: Action, expected: State) -> None:
        application = await Application.get_or_none(id=int(job.payload["applicationId"]))
        if application is None or application.state != expected:
            return  # the application moved on: nothing left to do
        await self._take(
            application, BY_ACTION[action], Party.SYSTEM, None, opinion=None, corrections=[]
        )


def _condition(categories: Sequence[Any], application: Application) -> EffectiveCondition:
    for category in categories:
        if category.id == application.category_id:
            for condition in category.conditions:
                if condition.spec.id == application.condition_id:
                    return condition
    raise DomainError(ErrorCode.UNKNOWN_CONDITION, "申报的入户条件已不存在")


def corrections_of(event: ReviewEvent) -> list[str]:
    details: Mapping[str, Any] = event.details or {}
    return [str(c) for c in details.get("corrections") or []]
