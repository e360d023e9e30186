"""The application's states (办理状态), named in the domain's English with the words shown.

The transitions between them live in the lifecycle; here is only what each state is.
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
    PUBLICITY = "publicity"
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
    State.PUBLICITY: "公示中",
    State.CARD_ISSUED: "已出卡，可下载入户卡",
    State.SETTLED: "已落户",
}
