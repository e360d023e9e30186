"""Judging tab (C) 技能类 conditions.

Four checks, all needed: the certificate (its grade, or a shortage occupation), the
occupation in the catalogue, continuous Guangzhou social insurance for the condition's
months after the certificate (back-paid months do not count), and the age.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

from core.facts import ConditionResult, PersonFacts, SocialInsurance
from core.rules import Check, age_at_most, condition_result, insured_months_at_least
from plugins.skill.conditions import CATEGORY_ID, GRADES, SHORTAGE
from plugins.skill.facts import GRADE_LABELS, SkillCertificate, coerce_facts

if TYPE_CHECKING:
    from core.policy import EffectiveCondition

NOT_LOOKED_UP = "未查询职业资格信息"
NOT_FOUND = "政府共享数据库中未查询到您的职业资格证书信息，可上传职业资格证书申报"
CATALOGUE = "我市引进技术技能人才职业目录"


def _wanted(condition_id: str) -> str:
    if condition_id == SHORTAGE:
        return "从事我市产业发展急需的行业紧缺工种"
    return f"具有{GRADE_LABELS[GRADES[condition_id]]}"


def _fits(condition_id: str, record: SkillCertificate) -> bool:
    if condition_id == SHORTAGE:
        return record.is_shortage
    return record.grade == GRADES[condition_id]


def _insurance(
    record: SkillCertificate, insurance: SocialInsurance | None, on: date, months: int
) -> Check:
    if record.issued_on is None:
        return Check(None, f"{record.label}未载明发证日期，无法核实取得证书后的社保缴纳月数")
    return insured_months_at_least(insurance, on, months, since=record.issued_on)


def _best(
    records: Sequence[SkillCertificate], insurance: SocialInsurance | None, on: date, months: int
) -> tuple[SkillCertificate, Check]:
    """The certificate that meets the insurance rule, else the one closest to meeting it."""
    judged = [(r, _insurance(r, insurance, on, months)) for r in records]
    rank = {True: 0, None: 1, False: 2}

    def key(item: tuple[SkillCertificate, Check]) -> tuple[int, int]:
        check = item[1]
        months_got = int(check.fact[1]) if check.fact is not None else 0
        return (rank[check.ok], -months_got)

    return min(judged, key=key)


def judge(
    condition_id: str,
    records: Sequence[SkillCertificate] | None,
    insurance: SocialInsurance | None,
    on: date,
    months: int,
) -> list[Check]:
    if records is None:
        return [Check(None, NOT_LOOKED_UP)]
    fitting = [r for r in records if _fits(condition_id, r)]
    if not fitting:
        if not records:
            return [Check(None, NOT_FOUND)]
        found = "、".join(r.label for r in records)
        if condition_id == SHORTAGE:
            reason = f"查询到的职业资格为{found}，所从事职业不属于行业紧缺工种"
        else:
            reason = f"查询到的职业资格为{found}，该条件要求{_wanted(condition_id)}"
        return [Check(False, reason, ("skill", found))]
    listed = [r for r in fitting if r.listed]
    if not listed:
        occupations = "、".join(f"“{r.occupation}”" for r in fitting)
        return [
            Check(
                False,
                f"具有{fitting[0].label}，但职业{occupations}不在{CATALOGUE}内",
                ("skill", fitting[0].label),
            )
        ]
    record, insured = _best(listed, insurance, on, months)
    extra = "，属行业紧缺工种" if condition_id == SHORTAGE else ""
    qualification = Check(
        True,
        f"具有{record.label}，职业在{CATALOGUE}内{extra}",
        ("skill", record.label),
    )
    return [qualification, insured]


def evaluate(condition: EffectiveCondition, facts: PersonFacts, on: date) -> ConditionResult | None:
    if condition.category_id != CATEGORY_ID:
        return None
    skills = coerce_facts(facts.facts_of(CATEGORY_ID))
    checks = judge(
        condition.spec.id,
        skills.records if skills is not None else None,
        facts.insurance,
        on,
        int(condition.parameters["insurance_months"]),
    )
    checks.append(age_at_most(facts.birth_date, on, int(condition.parameters["age_limit"])))
    return condition_result(condition, facts, checks)
