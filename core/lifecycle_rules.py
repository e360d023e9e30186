"""The review lifecycle's one table: every action, where it may start, where it leads, who takes it.

Reading it top to bottom is reading the procedure (办理流程):

- the applicant submits (``core/dossier.py``); an employee of a municipal institution or
  state-owned enterprise goes to their employer first, everyone else straight to the
  district (待受理);
- the employer administrator forwards (送审) or returns; within one hour of forwarding
  it may recall the case, after that only the district can return it;
- the applicant may withdraw (撤回) before the district accepts;
- the district accepts (or the 6th working day does), returns (退案) with an opinion and
  a list of what to correct (一次性告知), refuses (不予受理), approves (审批通过);
- the district starts five working days of publicity (公示); an objection sends the
  case back to review; without one the publicity passes and the district issues the
  household-registration card (入户卡), and finally records the settlement (落户);
- on the fast track (智能审批) the case is approved at submission and the applicant
  generates the card;
- after a return, a refusal or a withdrawal the applicant applies again (重新申报).

Guards that need the database or the clock live in :mod:`core.lifecycle`; here each
transition only names them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from core.states import State


class Party(enum.StrEnum):
    """Who takes a step, relative to the application."""

    APPLICANT = "applicant"  # 申办人, the application's owner
    EMPLOYER_ADMIN = "employer_admin"  # 法人单位系统管理员 of the application's employer
    REVIEWER = "reviewer"  # 区人社局, bound to the application's district
    SYSTEM = "system"  # a timer or the submission itself


PARTY_LABELS: dict[Party, str] = {
    Party.APPLICANT: "申办人",
    Party.EMPLOYER_ADMIN: "引进单位",
    Party.REVIEWER: "区人社局",
    Party.SYSTEM: "系统",
}


class Action(enum.StrEnum):
    SUBMIT = "submit"
    FORWARD = "forward"
    EMPLOYER_RETURN = "employer_return"
    RECALL = "recall"
    WITHDRAW = "withdraw"
    ACCEPT = "accept"
    AUTO_ACCEPT = "auto_accept"
    RETURN = "return"
    REFUSE = "refuse"
    APPROVE = "approve"
    FAST_APPROVE = "fast_approve"
    START_PUBLICITY = "start_publicity"
    OBJECTION = "objection"
    END_PUBLICITY = "end_publicity"
    EXTEND_REVIEW = "extend_review"
    ISSUE_CARD = "issue_card"
    GENERATE_CARD = "generate_card"
    SETTLE = "settle"
    REAPPLY = "reapply"


class Guard(enum.StrEnum):
    """Conditions beyond the state, checked by the lifecycle service."""

    OPINION = "opinion"  # an opinion text is required
    RECALL_WINDOW = "recall_window"  # within one hour of the employer's forwarding
    NOT_EXTENDED = "not_extended"  # the review deadline is extended once
    APPROVAL_CHECKS = "approval_checks"  # the category plugins' check_approval finds nothing
    FAST_TRACK = "fast_track"  # the application is on the fast track
    NOT_FAST_TRACK = "not_fast_track"
    NO_OTHER_APPLICATION = "no_other_application"  # one application in progress per person


@dataclass(frozen=True)
class Transition:
    action: Action
    sources: frozenset[State]
    target: State | None  # None: the target depends on the application (submit)
    parties: frozenset[Party]
    guards: tuple[Guard, ...] = ()
    label: str = ""  # the step as the timeline shows it
    # Taken through the dossier or a timer, never through ``transition()`` by a person.
    internal: bool = False


def _t(
    action: Action,
    sources: set[State],
    target: State | None,
    parties: set[Party],
    label: str,
    *guards: Guard,
    internal: bool = False,
) -> Transition:
    return Transition(
        action, frozenset(sources), target, frozenset(parties), guards, label, internal
    )


S = State
A = Party
BEFORE_ACCEPTANCE = {S.EMPLOYER_REVIEW, S.AWAITING_ACCEPTANCE}
DISTRICT_DECIDES = {S.AWAITING_ACCEPTANCE, S.UNDER_REVIEW}

TRANSITIONS: tuple[Transition, ...] = (
    _t(Action.SUBMIT, {S.DRAFT}, None, {A.APPLICANT}, "提交审核", internal=True),
    _t(Action.FORWARD, {S.EMPLOYER_REVIEW}, S.AWAITING_ACCEPTANCE, {A.EMPLOYER_ADMIN},
       "单位审核通过，送审区人社局"),
    _t(Action.EMPLOYER_RETURN, {S.EMPLOYER_REVIEW}, S.RETURNED, {A.EMPLOYER_ADMIN},
       "单位退回", Guard.OPINION),
    _t(Action.RECALL, {S.AWAITING_ACCEPTANCE}, S.EMPLOYER_REVIEW, {A.EMPLOYER_ADMIN},
       "单位撤回送审", Guard.RECALL_WINDOW),
    _t(Action.WITHDRAW, BEFORE_ACCEPTANCE, S.WITHDRAWN, {A.APPLICANT}, "申办人撤回"),
    _t(Action.ACCEPT, {S.AWAITING_ACCEPTANCE}, S.UNDER_REVIEW, {A.REVIEWER}, "受理"),
    _t(Action.AUTO_ACCEPT, {S.AWAITING_ACCEPTANCE}, S.UNDER_REVIEW, {A.SYSTEM},
       "第6个工作日自动受理", internal=True),
    _t(Action.RETURN, DISTRICT_DECIDES, S.RETURNED, {A.REVIEWER}, "退案", Guard.OPINION),
    _t(Action.REFUSE, DISTRICT_DECIDES, S.REFUSED, {A.REVIEWER}, "不予受理", Guard.OPINION),
    _t(Action.APPROVE, {S.UNDER_REVIEW}, S.APPROVED, {A.REVIEWER}, "审批通过",
       Guard.APPROVAL_CHECKS),
    _t(Action.FAST_APPROVE, BEFORE_ACCEPTANCE, S.APPROVED, {A.SYSTEM},
       "智能审批通过", Guard.FAST_TRACK, Guard.APPROVAL_CHECKS, internal=True),
    _t(Action.START_PUBLICITY, {S.APPROVED}, S.PUBLICITY, {A.REVIEWER}, "开始公示",
       Guard.NOT_FAST_TRACK),
    _t(Action.OBJECTION, {S.PUBLICITY}, S.UNDER_REVIEW, {A.REVIEWER},
       "公示期间有异议，重新审核", Guard.OPINION),
    _t(Action.END_PUBLICITY, {S.PUBLICITY}, S.PUBLICITY_PASSED, {A.SYSTEM},
       "公示期满无异议", internal=True),
    _t(Action.EXTEND_REVIEW, {S.UNDER_REVIEW}, S.UNDER_REVIEW, {A.REVIEWER},
       "延长审核期限", Guard.OPINION, Guard.NOT_EXTENDED),
    _t(Action.ISSUE_CARD, {S.PUBLICITY_PASSED}, S.CARD_ISSUED, {A.REVIEWER}, "出具入户卡"),
    _t(Action.GENERATE_CARD, {S.APPROVED}, S.CARD_ISSUED, {A.APPLICANT}, "生成入户卡",
       Guard.FAST_TRACK),
    _t(Action.SETTLE, {S.CARD_ISSUED}, S.SETTLED, {A.REVIEWER}, "落户办结"),
    _t(Action.REAPPLY, {S.RETURNED, S.REFUSED, S.WITHDRAWN}, S.DRAFT, {A.APPLICANT},
       "重新申报", Guard.NO_OTHER_APPLICATION),
)  # fmt: skip

BY_ACTION: dict[Action, Transition] = {t.action: t for t in TRANSITIONS}
assert len(BY_ACTION) == len(TRANSITIONS), "an action appears twice in the table"

LABELS: dict[str, str] = {t.action.value: t.label for t in TRANSITIONS}


def available(state: State, parties: frozenset[Party]) -> list[Transition]:
    """The steps ``parties`` may take from ``state`` before guards, in table order."""
    return [t for t in TRANSITIONS if not t.internal and state in t.sources and t.parties & parties]
