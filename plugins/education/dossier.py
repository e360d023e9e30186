"""Tab (A) 学历类: the qualification section (入户资格) of an application.

What the applicant types (or OCR, or 重新获取 fills in) about their diploma (学历) and
degree (学位), re-checked against the chosen condition on the day of application.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

from core.hookspecs import Problem
from core.qualification import FormField, QualificationForm
from plugins.education.conditions import (
    BACHELOR,
    CATEGORY_ID,
    DEGREE,
    DIPLOMA,
    OVERSEAS_BACHELOR,
    OVERSEAS_CERTIFICATION,
)
from plugins.education.facts import (
    DEGREE_LABELS,
    DIPLOMA_LABELS,
    MODE_LABELS,
    Degree,
    Diploma,
    EducationFacts,
    Level,
    OverseasDegree,
    StudyMode,
    coerce_facts,
)

if TYPE_CHECKING:
    from core.policy import EffectiveCondition

DIPLOMA_LEVELS = {level.value: label for level, label in DIPLOMA_LABELS.items()}
DEGREE_LEVELS = {level.value: label for level, label in DEGREE_LABELS.items()}
STUDY_MODES = {mode.value: label for mode, label in MODE_LABELS.items()}

FIELDS = (
    FormField("diploma_level", "学历层次", "choice", DIPLOMA_LEVELS),
    FormField("study_mode", "学习形式", "choice", STUDY_MODES),
    FormField("institution", "毕业院校"),
    FormField("major", "专业"),
    FormField("graduated_on", "毕业时间", "date"),
    FormField("diploma_number", "学历证书编号"),
    FormField("degree_level", "学位", "choice", DEGREE_LEVELS),
    FormField("degree_abroad", "学位在国(境)外取得", "bool"),
    FormField("degree_number", "学位证书编号"),
    FormField("degree_awarded_on", "学位授予时间", "date"),
    FormField("certification_number", "国(境)外学历学位认证书编号"),
    FormField("degree_institution", "国(境)外学位授予院校"),
    FormField("country", "学位授予国家（地区）"),
)
# The postgraduate conditions' level (the condition id is the level's value).
POSTGRADUATE = {Level.DOCTORAL.value: Level.DOCTORAL, Level.MASTER.value: Level.MASTER}


def _diploma(form: QualificationForm) -> None:
    form.text("diploma_number", "学历证书编号")
    form.text("institution", "毕业院校")
    form.text("major", "专业")
    form.date_value("graduated_on", "毕业时间")


def _domestic_degree(form: QualificationForm) -> None:
    form.text("degree_number", "学位证书编号")
    form.date_value("degree_awarded_on", "学位授予时间")


def _overseas_degree(form: QualificationForm) -> None:
    form.text("certification_number", "国(境)外学历学位认证书编号")
    form.text("degree_institution", "学位授予院校")
    form.text("country", "学位授予国家（地区）")
    form.date_value("degree_awarded_on", "学位授予时间")


def _postgraduate(
    form: QualificationForm, level: Level, uploaded: frozenset[str], proven: bool
) -> None:
    """Doctoral or master's: the diploma or the degree of the level, at least one."""
    diploma = form.choice("diploma_level", "学历层次", DIPLOMA_LEVELS, required=False)
    degree = form.choice("degree_level", "学位", DEGREE_LEVELS, required=False)
    wanted = f"{DIPLOMA_LABELS[level]}或{DEGREE_LABELS[level]}"
    if not form.given("diploma_level") and not form.given("degree_level"):
        form.problem("REQUIRED", f"请填写学历或学位信息（该条件要求{wanted}）", "degree_level")
        return
    by_diploma = diploma == level.value
    by_degree = degree == level.value
    abroad = form.flag("degree_abroad")
    if not by_diploma and not by_degree:
        typed = "、".join(
            label
            for label in (DIPLOMA_LEVELS.get(diploma or ""), DEGREE_LEVELS.get(degree or ""))
            if label
        )
        form.not_eligible(f"所填为{typed or '其他学历学位'}，该条件要求{wanted}", "degree_level")
        return
    if by_diploma:
        _diploma(form)
    if by_degree:
        _overseas_degree(form) if abroad else _domestic_degree(form)
    if not proven:
        kinds = [DIPLOMA.kind] if by_diploma else []
        if by_degree:
            kinds.append(OVERSEAS_CERTIFICATION.kind if abroad else DEGREE.kind)
        form.one_material_of(
            kinds,
            uploaded,
            f"请上传{DIPLOMA_LABELS[level]}证书或{DEGREE_LABELS[level]}证书（至少一项）",
        )


def _bachelor(form: QualificationForm) -> None:
    """Both: a full-time bachelor's diploma from a regular university and a bachelor's degree."""
    diploma = form.choice("diploma_level", "学历层次", DIPLOMA_LEVELS)
    mode = form.choice("study_mode", "学习形式", STUDY_MODES)
    degree = form.choice("degree_level", "学位", DEGREE_LEVELS)
    if diploma is not None and diploma != Level.BACHELOR.value:
        form.not_eligible(
            f"所填学历为{DIPLOMA_LEVELS[diploma]}，该条件要求大学本科学历", "diploma_level"
        )
    if mode is not None and mode != StudyMode.FULL_TIME.value:
        form.not_eligible(
            f"所填学习形式为{STUDY_MODES[mode]}，该条件要求普通高校全日制", "study_mode"
        )
    if degree is not None and degree != Level.BACHELOR.value:
        form.not_eligible(f"所填学位为{DEGREE_LEVELS[degree]}，该条件要求学士学位", "degree_level")
    if form.flag("degree_abroad"):
        form.not_eligible(
            "该条件要求国内普通高校的学士学位；国(境)外学士学位请选择相应条件", "degree_abroad"
        )
    _diploma(form)
    _domestic_degree(form)


def _overseas_bachelor(form: QualificationForm) -> None:
    degree = form.choice("degree_level", "学位", DEGREE_LEVELS)
    if degree is not None and degree != Level.BACHELOR.value:
        form.not_eligible(
            f"所填学位为{DEGREE_LEVELS[degree]}，该条件要求国(境)外学士学位", "degree_level"
        )
    _overseas_degree(form)


def validate(
    condition: EffectiveCondition,
    values: Mapping[str, Any],
    birth_date: date,
    on: date,
    material_kinds: frozenset[str],
    proven_by_shared_data: bool,
) -> list[Problem] | None:
    if condition.category_id != CATEGORY_ID:
        return None
    form = QualificationForm(values, on)
    condition_id = condition.spec.id
    if condition_id in POSTGRADUATE:
        _postgraduate(form, POSTGRADUATE[condition_id], material_kinds, proven_by_shared_data)
    elif condition_id == BACHELOR:
        _bachelor(form)
    elif condition_id == OVERSEAS_BACHELOR:
        _overseas_bachelor(form)
    form.age_at_most(birth_date, int(condition.parameters["age_limit"]))
    return form.problems


# 重新获取 -------------------------------------------------------------------------------


def _diploma_values(d: Diploma) -> dict[str, Any]:
    return {
        "diploma_level": d.level.value,
        "study_mode": d.mode.value,
        "institution": d.institution,
        "major": d.major,
        "graduated_on": d.graduated_on.isoformat() if d.graduated_on else None,
        "diploma_number": d.certificate_number,
    }


def _degree_values(d: Degree) -> dict[str, Any]:
    return {
        "degree_level": d.level.value,
        "degree_abroad": False,
        "degree_number": d.certificate_number,
        "degree_awarded_on": d.awarded_on.isoformat() if d.awarded_on else None,
    }


def _overseas_values(d: OverseasDegree) -> dict[str, Any]:
    return {
        "degree_level": d.level.value,
        "degree_abroad": True,
        "certification_number": d.certificate_number,
        "degree_institution": d.institution,
        "country": d.country,
        "degree_awarded_on": d.awarded_on.isoformat() if d.awarded_on else None,
    }


def _first(items: tuple[Any, ...], *tests: Any) -> Any:
    """The first item passing the strictest test that any item passes."""
    for test in tests:
        for item in items:
            if test(item):
                return item
    return None


def _level(level: Level) -> Any:
    return lambda r: r.level == level


def from_shared_data(condition: EffectiveCondition, facts: Any) -> dict[str, Any] | None:
    if condition.category_id != CATEGORY_ID:
        return None
    edu: EducationFacts | None = coerce_facts(facts)
    if edu is None or not edu.records:
        return {}
    condition_id = condition.spec.id
    values: dict[str, Any] = {}
    if condition_id == OVERSEAS_BACHELOR:
        overseas = _first(edu.overseas_degrees, _level(Level.BACHELOR), lambda r: True)
        return _overseas_values(overseas) if overseas else {}
    level = POSTGRADUATE.get(condition_id, Level.BACHELOR)
    full_time = StudyMode.FULL_TIME
    diploma = _first(
        edu.diplomas, lambda d: d.level == level and d.mode == full_time, _level(level)
    ) or (edu.diplomas[0] if edu.diplomas else None)
    degree = _first(edu.degrees, _level(level))
    overseas = _first(edu.overseas_degrees, _level(level)) if condition_id in POSTGRADUATE else None
    if diploma is not None:
        values.update(_diploma_values(diploma))
    if degree is not None:
        values.update(_degree_values(degree))
    elif overseas is not None:
        values.update(_overseas_values(overseas))
    elif edu.degrees:
        values.update(_degree_values(edu.degrees[0]))
    return values
