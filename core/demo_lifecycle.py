"""Demo applications in every state of the lifecycle, and an employer administrator.

Each demo applicant (``case.<state>``) has one application taken to its state through
the lifecycle service itself, so its timeline, timers, SMS and card are real. Loading
twice changes nothing: when the first demo case exists, nothing is added.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from stdnum.cn import ric

from core.actors import Actor
from core.lifecycle_rules import Action
from core.models import (
    Application,
    Employer,
    EmployerNature,
    PolicyYear,
    ReviewEvent,
    Role,
    RoleGrant,
    User,
)
from core.sections import entry
from core.services import Services
from core.states import State

EMPLOYER_ADMIN = "employer.admin"
TITLE = "具有国内普通高校全日制大学本科学历并有学士学位，年龄在40周岁及以下"
MUNICIPAL_EMPLOYER = "广州市属国有企业示范集团有限公司"
# When the demo's dossiers say their sections were saved.
SAVED_AT = datetime(2026, 11, 2, 9, 0, tzinfo=timezone(timedelta(hours=8)))

# target state -> the steps after submission (actor: reviewer | employer | applicant | system)
PATHS: dict[str, list[tuple[str, Action, str | None]]] = {
    "draft": [],
    "employer_review": [],
    "awaiting_acceptance": [],
    "under_review": [("reviewer", Action.ACCEPT, None)],
    "returned": [
        ("reviewer", Action.ACCEPT, None),
        ("reviewer", Action.RETURN, "学位证书照片不清晰，请重新上传"),
    ],
    "refused": [("reviewer", Action.REFUSE, "所填学历不符合本科类入户条件")],
    "withdrawn": [("applicant", Action.WITHDRAW, None)],
    "approved": [("reviewer", Action.ACCEPT, None), ("reviewer", Action.APPROVE, None)],
    "publicity": [
        ("reviewer", Action.ACCEPT, None),
        ("reviewer", Action.APPROVE, None),
        ("reviewer", Action.START_PUBLICITY, None),
    ],
    "publicity_passed": [
        ("reviewer", Action.ACCEPT, None),
        ("reviewer", Action.APPROVE, None),
        ("reviewer", Action.START_PUBLICITY, None),
        ("system", Action.END_PUBLICITY, None),
    ],
    "card_issued": [
        ("reviewer", Action.ACCEPT, None),
        ("reviewer", Action.APPROVE, None),
        ("reviewer", Action.START_PUBLICITY, None),
        ("system", Action.END_PUBLICITY, None),
        ("reviewer", Action.ISSUE_CARD, None),
    ],
    "settled": [
        ("reviewer", Action.ACCEPT, None),
        ("reviewer", Action.APPROVE, None),
        ("reviewer", Action.START_PUBLICITY, None),
        ("system", Action.END_PUBLICITY, None),
        ("reviewer", Action.ISSUE_CARD, None),
        ("reviewer", Action.SETTLE, None),
    ],
}


def _id_number(n: int) -> str:
    body = f"4401061996{(n % 12) + 1:02d}15{n * 2 + 11:03d}"  # a man born 1996
    return body + ric.calc_check_digit(body + "0")


async def _actor(user: User) -> Actor:
    return Actor.of(user, list(await RoleGrant.filter(user_id=user.id)))


def _sections(employer_id: int) -> dict[str, Any]:
    def saved(values: dict[str, Any]) -> dict[str, Any]:
        return entry(values, SAVED_AT)

    return {
        "qualification": saved(
            {
                "diploma_level": "bachelor",
                "study_mode": "full_time",
                "institution": "中山大学",
                "major": "软件工程",
                "graduated_on": "2018-06-30",
                "diploma_number": "105581201805009999",
                "degree_level": "bachelor",
                "degree_number": "1055842018009999",
                "degree_awarded_on": "2018-06-30",
            }
        ),
        "personal": saved(
            {
                "gender": "男",
                "ethnicity": "汉族",
                "household_register_address": "湖南省长沙市",
                "employer_id": employer_id,
            }
        ),
        "settlement": saved(
            {
                "address_type": "collective_household",
                "district": "天河区",
                "address": "广州市天河区天河路1号集体户",
            }
        ),
        "family": saved({}),
    }


async def load_lifecycle_demo(services: Services, password: str) -> list[str]:
    """Demo cases in every state and an employer administrator; a line per account."""
    lines = [
        f"{EMPLOYER_ADMIN} / {password} / employer admin: {MUNICIPAL_EMPLOYER}",
        *(f"case.{state} / {password} / applicant with an application {state}" for state in PATHS),
    ]
    if await User.filter(username="case.draft").exists():
        return lines
    municipal, _ = await Employer.get_or_create(
        name=MUNICIPAL_EMPLOYER,
        defaults={"nature": EmployerNature.MUNICIPAL_SOE, "district": "天河区"},
    )
    enterprise, _ = await Employer.get_or_create(
        name="广州示范科技有限公司",
        defaults={"nature": EmployerNature.ENTERPRISE, "district": "天河区"},
    )
    if not await User.filter(username=EMPLOYER_ADMIN).exists():
        boss = await services.accounts.register(
            username=EMPLOYER_ADMIN, real_name="单位管理员", id_number=_id_number(40),
            mobile="13800000040", password=password,
        )  # fmt: skip
        await RoleGrant.create(user=boss, role=Role.EMPLOYER_ADMIN, employer_id=municipal.id)
    boss = await User.get(username=EMPLOYER_ADMIN)
    reviewer = await User.get(username="reviewer.tianhe")
    year = await PolicyYear.get(is_current=True)
    for n, state in enumerate(PATHS, start=1):
        user = await services.accounts.register(
            username=f"case.{state}", real_name=f"示例{n}号", id_number=_id_number(n),
            mobile=f"1370000{n:04d}", password=password,
        )  # fmt: skip
        through_employer = state == "employer_review"
        employer = municipal if through_employer else enterprise
        application = await Application.create(
            applicant=user, policy_year=year, category_id="education", condition_id="bachelor",
            sections=_sections(employer.id), analysis=None,
        )  # fmt: skip
        if state == "draft":
            continue
        now = services.clock.now()
        first = State.EMPLOYER_REVIEW if through_employer else State.AWAITING_ACCEPTANCE
        await Application.filter(id=application.id).update(
            state=first, version=1, submitted_at=now, state_changed_at=now, district="天河区",
            employer_id=employer.id, reached_district=not through_employer,
            parameters_snapshot={"year": year.year, "categoryId": "education",
                                 "conditionId": "bachelor", "title": TITLE},
        )  # fmt: skip
        await ReviewEvent.create(
            application_id=application.id, actor_id=user.id, actor_role="applicant",
            actor_label="申办人", action="submit", from_state="draft", to_state=first,
            created_at=now,
        )  # fmt: skip
        await application.refresh_from_db()
        await services.lifecycle.after_submit(await _actor(user), application)
        actors = {"reviewer": reviewer, "employer": boss, "applicant": user}
        for who, action, opinion in PATHS[state]:
            actor = None if who == "system" else await _actor(actors[who])
            await services.lifecycle.transition(actor, application.id, action, opinion=opinion)
    return lines
