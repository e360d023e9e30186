"""Checks that category rules share, each giving a reason a person can read.

These helpers know no category; plugins call them with the numbers from their
condition's parameters.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from core.facts import ConditionResult, Outcome, PersonFacts, SocialInsurance, age_on

if TYPE_CHECKING:
    from core.policy import EffectiveCondition


@dataclass(frozen=True)
class Check:
    ok: bool | None  # None: not enough information to tell
    reason: str
    fact: tuple[str, str] | None = None  # (name, value) for ``facts_used``


def age_at_most(birth_date: date, on: date, limit: int) -> Check:
    """ "N周岁以下" includes N: age N qualifies, N+1 does not."""
    age = age_on(birth_date, on)
    fact = ("age", str(age))
    when = on.isoformat()
    if age <= limit:
        return Check(
            True, f"{when} 时 {age} 周岁，符合 {limit} 周岁以下（含 {limit} 周岁）的要求", fact
        )
    return Check(
        False, f"{when} 时 {age} 周岁，该条件要求 {limit} 周岁以下（含 {limit} 周岁）", fact
    )


def insured_months_at_least(
    insurance: SocialInsurance | None, on: date, months: int, since: date | None = None
) -> Check:
    """Continuous Guangzhou social insurance of at least ``months`` (back-paid months excluded)."""
    if insurance is None:
        return Check(None, "未查询到在本市缴纳社会保险的记录，需核实")
    got = insurance.continuous_months(on, since)
    after = f"自 {since.isoformat()} 取得证书后" if since else ""
    fact = ("insured_months", str(got))
    if got >= months:
        return Check(
            True, f"{after}在本市连续缴纳社会保险 {got} 个月，满足 {months} 个月的要求", fact
        )
    return Check(
        False,
        f"{after}在本市连续缴纳社会保险 {got} 个月（补缴月份不计入），该条件要求满 {months} 个月",
        fact,
    )


def condition_result(
    condition: EffectiveCondition, facts: PersonFacts, checks: Sequence[Check]
) -> ConditionResult:
    """A condition's result from its checks: any failure fails it, any unknown leaves it unknown.

    It counts as proven by shared data only when met on the category's shared-data
    records, which is what lets an application take the fast track (智能审批).
    """
    if any(c.ok is False for c in checks):
        outcome = Outcome.NOT_MET
    elif any(c.ok is None for c in checks):
        outcome = Outcome.UNKNOWN
    else:
        outcome = Outcome.MET
    return ConditionResult(
        category_id=condition.category_id,
        condition_id=condition.spec.id,
        outcome=outcome,
        reasons=tuple(c.reason for c in checks),
        facts_used=dict(c.fact for c in checks if c.fact is not None),
        proven_by_shared_data=(
            outcome is Outcome.MET
            and bool(facts.from_shared_data.get(condition.category_id, False))
        ),
    )
