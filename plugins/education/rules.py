"""Judging tab (A) 学历类 conditions.

Each condition needs a qualification and an age. The qualification is met when a known
record proves it, not met when the known records show something else, and unknown when
nothing was looked up or found (the applicant may still prove it with certificates).
An age over the limit is never unknown: the birth date comes from the identity number.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import TYPE_CHECKING

from core.facts import ConditionResult, PersonFacts
from core.rules import Check, age_at_most, condition_result
from plugins.education.conditions import (
    BACHELOR,
    CATEGORY_ID,
    DOCTORAL,
    MASTER,
    OVERSEAS_BACHELOR,
)
from plugins.education.facts import (
    DEGREE_LABELS,
    DEGREE_NUMBER,
    DIPLOMA_LABELS,
    DIPLOMA_NUMBER,
    MODE_LABELS,
    Diploma,
    EducationFacts,
    EducationRecord,
    Level,
    StudyMode,
    coerce_facts,
)

if TYPE_CHECKING:
    from core.policy import EffectiveCondition

NOT_LOOKED_UP = "未提供证书编号，未查询学历学位信息"
NOT_FOUND = "未在政府共享数据库中查询到所填证书编号的学历学位信息，可上传学历学位证书申报"
_KEY_LABELS = {DIPLOMA_NUMBER: "学历证书编号", DEGREE_NUMBER: "学位证书编号"}


def _describe(record: EducationRecord) -> str:
    where = "，".join(
        x
        for x in (record.institution, getattr(record, "country", ""), record.certificate_number)
        if x
    )
    return f"{record.label}（{where}）" if where else record.label


def _fact(records: Sequence[EducationRecord]) -> tuple[str, str]:
    return ("education", "、".join(_describe(r) for r in records))


def _foreign(edu: EducationFacts) -> list[str]:
    return [f"所填{_KEY_LABELS[k]}对应的记录不属于申办人本人，已忽略" for k in sorted(edu.foreign)]


def _notes(edu: EducationFacts) -> str:
    notes = _foreign(edu) + [
        f"未提供{_KEY_LABELS[k]}，未查询相应信息"
        for k in (DIPLOMA_NUMBER, DEGREE_NUMBER)
        if k not in edu.looked_up
    ]
    return f"（{'；'.join(notes)}）" if notes else ""


def _absent(edu: EducationFacts, wanted: str) -> Check:
    """No record proves the qualification: unknown if none was found, else not met."""
    if not edu.records:
        return Check(None, NOT_FOUND + _notes(edu))
    found = "、".join(r.label for r in edu.records)
    return Check(
        False, f"查询到的学历学位为{found}，该条件要求{wanted}{_notes(edu)}", _fact(edu.records)
    )


def _postgraduate(level: Level) -> Callable[[EducationFacts | None], Check]:
    wanted = f"{DIPLOMA_LABELS[level]}或{DEGREE_LABELS[level]}"

    def judge(edu: EducationFacts | None) -> Check:
        if edu is None or not edu.looked_up:
            return Check(None, NOT_LOOKED_UP)
        matches = [r for r in edu.records if r.level == level]
        if matches:
            return Check(True, f"具有{'、'.join(_describe(r) for r in matches)}", _fact(matches))
        return _absent(edu, wanted)

    return judge


def _domestic_bachelor(edu: EducationFacts | None) -> Check:
    """Both parts are needed: a full-time bachelor's diploma and a bachelor's degree."""
    if edu is None or not edu.looked_up:
        return Check(None, NOT_LOOKED_UP)
    wanted = "国内普通高校全日制大学本科学历并有学士学位"
    diplomas = [d for d in edu.diplomas if d.level == Level.BACHELOR]
    full_time = [d for d in diplomas if d.mode == StudyMode.FULL_TIME]
    degrees = [d for d in edu.degrees if d.level == Level.BACHELOR]
    if full_time and degrees:
        used: list[EducationRecord] = [full_time[0], degrees[0]]
        return Check(True, f"具有{'，并有'.join(_describe(r) for r in used)}", _fact(used))
    if not diplomas and not degrees:
        return _absent(edu, wanted)

    have: list[EducationRecord] = [*full_time, *degrees]
    missing: list[str] = []
    unknown: list[str] = []
    if not full_time:
        if diplomas:
            missing.append(_wrong_mode(diplomas[0]))
        elif DIPLOMA_NUMBER in edu.looked_up:
            missing.append("未查询到普通高校全日制大学本科学历")
        else:
            unknown.append("未提供学历证书编号，无法核实普通高校全日制大学本科学历")
    if not degrees:
        if DEGREE_NUMBER in edu.looked_up:
            missing.append("未查询到学士学位")
        else:
            unknown.append("未提供学位证书编号，无法核实学士学位")
    prefix = f"具有{'、'.join(_describe(r) for r in have)}，但" if have else ""
    fact = _fact(have or diplomas)
    foreign = "".join(f"（{note}）" for note in _foreign(edu))
    if missing:
        said = "；".join(missing + unknown)
        return Check(False, f"{prefix}{said}：该条件要求{wanted}{foreign}", fact)
    return Check(None, f"{prefix}{'；'.join(unknown)}{foreign}", fact)


def _wrong_mode(diploma: Diploma) -> str:
    return f"本科学历的学习形式为{MODE_LABELS[diploma.mode]}，不是普通高校全日制"


def _overseas_bachelor(edu: EducationFacts | None) -> Check:
    if edu is None or not edu.looked_up:
        return Check(None, NOT_LOOKED_UP)
    matches = [d for d in edu.overseas_degrees if d.level == Level.BACHELOR]
    if matches:
        return Check(True, f"具有{_describe(matches[0])}", _fact(matches[:1]))
    if DEGREE_NUMBER not in edu.looked_up:
        return Check(
            None, "未提供学位证书编号（国(境)外学历学位认证书编号），未查询国(境)外学位信息"
        )
    return _absent(edu, "国(境)外学士学位")


JUDGES: dict[str, Callable[[EducationFacts | None], Check]] = {
    DOCTORAL: _postgraduate(Level.DOCTORAL),
    MASTER: _postgraduate(Level.MASTER),
    BACHELOR: _domestic_bachelor,
    OVERSEAS_BACHELOR: _overseas_bachelor,
}


def evaluate(condition: EffectiveCondition, facts: PersonFacts, on: date) -> ConditionResult | None:
    if condition.category_id != CATEGORY_ID:
        return None
    judge = JUDGES[condition.spec.id]
    qualification = judge(coerce_facts(facts.facts_of(CATEGORY_ID)))
    age = age_at_most(facts.birth_date, on, int(condition.parameters["age_limit"]))
    return condition_result(condition, facts, [qualification, age])
