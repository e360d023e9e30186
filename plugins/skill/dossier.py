"""Tab (C) 技能类: the qualification section (入户资格) of an application.

Four things, all re-checked on the day of application: the certificate's grade (or a
shortage occupation), the occupation in the city's catalogue, the months continuously
insured in Guangzhou after the certificate, and the age.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

from core.hookspecs import Problem
from core.qualification import FormField, QualificationForm, whole_months_between
from plugins.skill.catalogue import find_occupation
from plugins.skill.conditions import CATEGORY_ID, GRADES, SHORTAGE
from plugins.skill.facts import GRADE_LABELS, SkillCertificate, coerce_facts

if TYPE_CHECKING:
    from core.policy import EffectiveCondition

SKILL_GRADES = {grade.value: label for grade, label in GRADE_LABELS.items()}
CATALOGUE = "我市引进技术技能人才职业目录"

FIELDS = (
    FormField("occupation", "职业（工种）名称"),
    FormField("grade", "职业资格等级", "choice", SKILL_GRADES),
    FormField("certificate_number", "证书编号"),
    FormField("issued_on", "发证日期（或考核认定日期）", "date"),
    FormField("issuer", "发证机关"),
    FormField("insured_months", "取得证书后在本市连续缴纳社会保险月数", "int"),
)


def validate(
    condition: EffectiveCondition,
    values: Mapping[str, Any],
    birth_date: date,
    on: date,
) -> list[Problem] | None:
    if condition.category_id != CATEGORY_ID:
        return None
    form = QualificationForm(values, on)
    condition_id = condition.spec.id
    months = int(condition.parameters["insurance_months"])
    grade = form.choice("grade", "职业资格等级", SKILL_GRADES)
    if grade is not None and condition_id != SHORTAGE and grade != GRADES[condition_id]:
        form.not_eligible(
            f"所填等级为{SKILL_GRADES[grade]}，该条件要求{GRADE_LABELS[GRADES[condition_id]]}",
            "grade",
        )
    name = form.text("occupation", "职业（工种）名称")
    if name is not None:
        occupation = find_occupation(name)
        if occupation is None:
            form.not_eligible(f"职业“{name}”不在{CATALOGUE}内", "occupation")
        elif condition_id == SHORTAGE and not occupation.shortage:
            form.not_eligible(f"职业“{name}”不属于我市产业发展急需的行业紧缺工种", "occupation")
    form.text("certificate_number", "证书编号")
    form.text("issuer", "发证机关")
    issued = form.date_value("issued_on", "发证日期（或考核认定日期）")
    insured = form.integer("insured_months", "取得证书后在本市连续缴纳社会保险月数")
    if issued is not None and whole_months_between(issued, on) < months:
        form.not_eligible(
            f"{issued.isoformat()} 取得证书，至申报当天不满 {months} 个月，"
            f"该条件要求取得证书后在本市连续缴纳社会保险满 {months} 个月",
            "issued_on",
        )
    elif insured is not None and insured < months:
        form.not_eligible(
            f"取得证书后在本市连续缴纳社会保险 {insured} 个月，该条件要求满 {months} 个月"
            "（补缴月份不计入）",
            "insured_months",
        )
    form.age_at_most(birth_date, int(condition.parameters["age_limit"]))
    return form.problems


def _fits(condition_id: str, record: SkillCertificate) -> bool:
    if condition_id == SHORTAGE:
        return record.is_shortage and record.listed
    return record.grade == GRADES[condition_id] and record.listed


def from_shared_data(condition: EffectiveCondition, facts: Any) -> dict[str, Any] | None:
    """The certificate's values; the insured months come from the applicant (or the review)."""
    if condition.category_id != CATEGORY_ID:
        return None
    skills = coerce_facts(facts)
    if skills is None or not skills.records:
        return {}
    fitting = [r for r in skills.records if _fits(condition.spec.id, r)]
    record = (fitting or list(skills.records))[0]
    return {
        "occupation": record.occupation,
        "grade": record.grade.value,
        "certificate_number": record.certificate_number,
        "issued_on": record.issued_on.isoformat() if record.issued_on else None,
        "issuer": record.issuer,
    }
