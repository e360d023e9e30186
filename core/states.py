"""The application's states (办理状态), named in the domain's English with the words shown.

The transitions between them live in the lifecycle (``core/lifecycle_rules.py``); here is
only what each state is and how the applicant reads it.

Two states go beyond the manual's screens: ``approved`` (审批通过), where an approved
case waits for the district to start its publicity (or, on the fast track, for the
applicant to generate the card), and ``publicity_passed`` (公示期满), where five working
days of publicity passed without objection and the district issues the card.
"""

from __future__ import annotations

import enum


class State(enum.StrEnum):
    DRAFT = "draft"
    EMPLOYER_REVIEW = "employer_review"
    AWAITING_ACCEPTANCE = "awaiting_acceptance"
    UNDER_REVIEW = "under_review"
    RETURNED = "returned"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"
    APPROVED = "approved"
    PUBLICITY = "publicity"
    PUBLICITY_PASSED = "publicity_passed"
    CARD_ISSUED = "card_issued"
    SETTLED = "settled"


LABELS: dict[State, str] = {
    State.DRAFT: "填报中",
    State.EMPLOYER_REVIEW: "单位审核中",
    State.AWAITING_ACCEPTANCE: "未受理，等待区人社局受理",
    State.UNDER_REVIEW: "已受理，审批中",
    State.RETURNED: "已退案",
    State.REFUSED: "不予受理",
    State.WITHDRAWN: "已撤回",
    State.APPROVED: "审批通过",
    State.PUBLICITY: "公示中",
    State.PUBLICITY_PASSED: "公示期满，待出卡",
    State.CARD_ISSUED: "已出卡，可下载入户卡",
    State.SETTLED: "已落户",
}

# States in which an application is out of the applicant's hands and not finished: a
# person has at most one application that is in one of these or in ``draft``.
IN_PROGRESS: frozenset[State] = frozenset(
    {
        State.EMPLOYER_REVIEW,
        State.AWAITING_ACCEPTANCE,
        State.UNDER_REVIEW,
        State.APPROVED,
        State.PUBLICITY,
        State.PUBLICITY_PASSED,
    }
)
# Where the applicant may apply again (重新申报).
REAPPLICABLE: frozenset[State] = frozenset({State.RETURNED, State.REFUSED, State.WITHDRAWN})
# States the district office works on; before them the application is the applicant's
# or their employer's.
DISTRICT_STATES: frozenset[State] = frozenset(State) - {State.DRAFT, State.EMPLOYER_REVIEW}
