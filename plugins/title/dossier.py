"""Tab (B) 职称类: the qualification section (入户资格) of an application.

The title's level decides the condition; the series comes from the 28 listed, and a
title name the list lacks is typed by hand (FAQ question 14). A professional
qualification officially corresponding to a title counts as that title.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

from core.hookspecs import Problem
from core.qualification import FormField, QualificationForm
from plugins.title.conditions import CATEGORY_ID, LEVELS, TITLE_SERIES
from plugins.title.facts import LEVEL_LABELS, TitleRecord, coerce_facts

if TYPE_CHECKING:
    from core.policy import EffectiveCondition

TITLE_LEVELS = {level.value: label for level, label in LEVEL_LABELS.items()}

FIELDS = (
    FormField("title_level", "职称级别", "choice", TITLE_LEVELS),
    FormField("title_name", "职称（资格）名称"),
    FormField("series", "职称系列", "choice", {s: s for s in TITLE_SERIES}),
    FormField("from_qualification", "以对应职称的职业资格申报", "bool"),
    FormField("awarded_on", "取得时间", "date"),
    FormField("certificate_number", "证书编号"),
    FormField("issuer", "发证（评审）机构"),
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
    level = form.choice("title_level", "职称级别", TITLE_LEVELS)
    accepted = LEVELS[condition.spec.id]
    if level is not None and level not in accepted:
        wanted = "或".join(TITLE_LEVELS[v] for v in TITLE_LEVELS if v in accepted)
        form.not_eligible(
            f"所填职称级别为{TITLE_LEVELS[level]}，该条件要求{wanted}职称", "title_level"
        )
    form.text("title_name", "职称（资格）名称")
    if not form.flag("from_qualification"):
        # A series the list lacks is accepted as typed; only its absence is a gap.
        form.text("series", "职称系列")
    form.date_value("awarded_on", "取得时间")
    form.text("certificate_number", "证书编号")
    form.text("issuer", "发证（评审）机构")
    form.age_at_most(birth_date, int(condition.parameters["age_limit"]))
    return form.problems


def _values(record: TitleRecord) -> dict[str, Any]:
    return {
        "title_level": record.level.value,
        "title_name": record.name,
        "series": record.series,
        "from_qualification": record.from_qualification,
        "awarded_on": record.awarded_on.isoformat() if record.awarded_on else None,
        "certificate_number": record.certificate_number,
        "issuer": record.issuer,
    }


def from_shared_data(condition: EffectiveCondition, facts: Any) -> dict[str, Any] | None:
    if condition.category_id != CATEGORY_ID:
        return None
    titles = coerce_facts(facts)
    if titles is None or not titles.records:
        return {}
    accepted = LEVELS[condition.spec.id]
    fitting = [r for r in titles.records if r.level in accepted]
    return _values((fitting or list(titles.records))[0])
