"""The categories as data: registration, parameters, materials, questions and facts' JSON."""

from __future__ import annotations

import json
import re
import string
from datetime import date
from typing import Any

import pytest

from core.facts import Outcome, PersonFacts
from core.plugins import build_plugin_manager, collect
from core.shared_data import SharedRecord
from plugins.education.facts import EducationFacts
from plugins.high_level.facts import HighLevelFacts
from plugins.other.facts import OtherFacts
from plugins.skill.catalogue import CATALOGUE
from plugins.skill.facts import SkillFacts
from plugins.title.conditions import TITLE_SERIES
from plugins.title.facts import TitleFacts
from tests.plugins.plugin_helpers import (
    PLUGINS,
    InMemorySharedData,
    effective,
    hooks,
    id_number_for,
    spec_of,
)

MATERIAL_KINDS = {
    "diploma",
    "degree_cert",
    "overseas_degree_certification",
    "title_cert",
    "skill_cert",
    "talent_recognition",
    "employer_certificate",
    "household_register_page",
}
ALL_CONDITIONS = [
    (category_id, condition.id)
    for category_id, plugin in PLUGINS.items()
    for condition in plugin.CATEGORY.conditions
]


def test_registered_in_tab_order() -> None:
    pm = build_plugin_manager([p.__name__ for p in PLUGINS.values()], load_entrypoints=False)
    registry = collect(pm)
    assert [(c.tab, c.order, c.id) for c in registry.categories] == [
        ("A", 1, "education"),
        ("B", 2, "title"),
        ("C", 3, "skill"),
        ("D", 4, "high_level"),
        ("E", 5, "other"),
    ]
    for category in registry.categories:
        assert registry.plugin_of_category[category.id] is PLUGINS[category.id]


def test_one_click_test_summaries() -> None:
    summaries = sorted(
        (c.summary_order, c.test_summary)
        for c in (spec_of(cid) for cid in PLUGINS)
        if c.test_summary is not None
    )
    assert summaries == [(1, ("有职称", "无职称")), (2, ("有学历学位信息", "无学历学位信息"))]


@pytest.mark.parametrize(("category_id", "condition_id"), ALL_CONDITIONS)
def test_conditions_are_complete(category_id: str, condition_id: str) -> None:
    condition = spec_of(category_id).condition(condition_id)
    assert condition.title and condition.title_en
    assert re.search(r"[\u4e00-\u9fff]", condition.title)
    kinds = [m.kind for m in condition.materials]
    assert set(kinds) <= MATERIAL_KINDS
    assert "household_register_page" in kinds
    assert all(m.label and m.proves for m in condition.materials)
    for p in condition.parameters:
        assert p.label and p.type == "int"
        assert p.unit == {"age_limit": "周岁", "insurance_months": "个月"}[p.name]
        assert 2020 in p.values
        for value in p.values.values():
            assert p.coerce(value) == value  # within minimum and maximum


def test_condition_orders_are_distinct() -> None:
    for category_id in PLUGINS:
        orders = [c.order for c in spec_of(category_id).conditions]
        assert sorted(orders) == list(range(1, len(orders) + 1))


def test_age_limits_follow_article_5() -> None:
    limits = {
        (cid, c.id): c.defaults_for(2026).get("age_limit")
        for cid in PLUGINS
        for c in spec_of(cid).conditions
    }
    assert limits == {
        ("education", "doctoral"): 50,
        ("education", "master"): 45,
        ("education", "bachelor"): 40,
        ("education", "overseas_bachelor"): 40,
        ("title", "senior"): 50,
        ("title", "intermediate"): 40,
        ("skill", "professional_qualification"): 40,
        ("skill", "senior_technician"): 45,
        ("skill", "technician"): 40,
        ("skill", "senior_worker"): 35,
        ("skill", "shortage_occupation"): 40,
        ("high_level", "academician_programme"): None,
        ("high_level", "city_expert"): 50,
        ("high_level", "skilled_honour"): 45,
        ("other", "market_innovator"): None,
        ("other", "employer_relocation"): None,
        ("other", "provincial_central_unit"): None,
        ("other", "key_enterprise"): None,
        ("other", "city_agency_quota"): None,
    }


@pytest.mark.parametrize(
    ("year", "months"),
    [
        (
            2017,
            {
                "professional_qualification": 12,
                "senior_technician": 6,
                "technician": 12,
                "senior_worker": 24,
                "shortage_occupation": 6,
            },
        ),
        (
            2019,
            {
                "professional_qualification": 12,
                "senior_technician": 6,
                "technician": 12,
                "senior_worker": 24,
                "shortage_occupation": 6,
            },
        ),
        (
            2020,
            dict.fromkeys(
                [
                    "professional_qualification",
                    "senior_technician",
                    "technician",
                    "senior_worker",
                    "shortage_occupation",
                ],
                6,
            ),
        ),
        (
            2026,
            dict.fromkeys(
                [
                    "professional_qualification",
                    "senior_technician",
                    "technician",
                    "senior_worker",
                    "shortage_occupation",
                ],
                6,
            ),
        ),
    ],
)
def test_skill_insurance_months_by_policy_year(year: int, months: dict[str, int]) -> None:
    got = {c.id: c.defaults_for(year)["insurance_months"] for c in spec_of("skill").conditions}
    assert got == months


@pytest.mark.parametrize(("category_id", "condition_id"), ALL_CONDITIONS)
def test_other_categories_conditions_are_left_alone(category_id: str, condition_id: str) -> None:
    condition = effective(category_id, condition_id, 2026)
    facts = PersonFacts("440106199001010012", "测试", date(1990, 1, 1))
    for plugin_id, plugin in PLUGINS.items():
        result = plugin.evaluate_condition(condition=condition, facts=facts, on=date(2026, 11, 22))
        if plugin_id == category_id:
            assert result is not None and result.condition_id == condition_id
        else:
            assert result is None


@pytest.mark.parametrize(("category_id", "condition_id"), ALL_CONDITIONS)
def test_without_the_categorys_facts_nothing_is_met(category_id: str, condition_id: str) -> None:
    """No shared data read for the category (facts absent): unknown, or not met by age."""
    facts = PersonFacts("440106199001010012", "测试", date(1990, 1, 1))
    result = hooks(category_id).evaluate_condition(
        condition=effective(category_id, condition_id, 2026), facts=facts, on=date(2026, 11, 22)
    )
    expected = (
        Outcome.NOT_MET
        if (category_id, condition_id) == ("skill", "senior_worker")
        else Outcome.UNKNOWN
    )
    assert result.outcome is expected
    assert not result.proven_by_shared_data
    assert result.reasons


# Questions ---------------------------------------------------------------------------------


def _questions() -> list[Any]:
    return [q for plugin in PLUGINS.values() for q in plugin.register_questions()]


def test_one_question_per_category_in_the_seeds_order() -> None:
    questions = sorted(_questions(), key=lambda q: q.order)
    assert [q.category_id for q in questions] == [
        "education",
        "title",
        "high_level",
        "skill",
        "other",
    ]
    assert [q.text for q in questions[:4]] == [
        "请问您的学历是?",
        "请问您是否具有以下职称?",
        "您是否是我市高层次、高技能人才?",
        "请问您是否具备以下条件?",
    ]


@pytest.mark.parametrize("year", [2019, 2020, 2026])
def test_question_options_point_to_own_conditions_and_fill_in(year: int) -> None:
    for question in _questions():
        spec = spec_of(question.category_id)
        ids = [o.id for o in question.options]
        assert len(ids) == len(set(ids))
        assert any(not o.condition_ids for o in question.options), "no 'none of these' option"
        for option in question.options:
            for condition_id in option.condition_ids:
                spec.condition(condition_id)
            names = {f for _, f, _, _ in string.Formatter().parse(option.label) if f}
            if names:
                parameters = spec.condition(option.condition_ids[0]).defaults_for(year)
                assert names <= parameters.keys()
                assert "{" not in option.label.format(**parameters)


def _labels(category_id: str, year: int) -> dict[str, str]:
    (question,) = PLUGINS[category_id].register_questions()
    spec = spec_of(category_id)
    return {
        o.id: o.label.format(**spec.condition(o.condition_ids[0]).defaults_for(year))
        if o.condition_ids
        else o.label
        for o in question.options
    }


def test_title_question_in_the_seeds_words() -> None:
    assert list(_labels("title", 2026).values()) == [
        "高级职称，年龄在50周岁以下",
        "中级职称，年龄在40周岁以下",
        "以上均不具有",
    ]


def test_high_level_question_yes_points_to_every_condition() -> None:
    (question,) = PLUGINS["high_level"].register_questions()
    yes, no = question.options
    assert (yes.label, no.label) == ("是", "否")
    assert set(yes.condition_ids) == {c.id for c in spec_of("high_level").conditions}
    assert no.condition_ids == ()


def test_skill_question_shows_the_policy_years_months() -> None:
    old = _labels("skill", 2019)
    assert (
        "并获得相应高级技师职业资格后，在本市就业、连续缴纳社会保险满6个月以上"
        in old["senior_technician"]
    )
    assert "满12个月以上" in old["technician"]
    assert "满12个月以上" in old["professional_qualification"]
    assert "满24个月以上" in old["senior_worker"]
    assert "参加社保满6个月以上，从事我市产业发展急需的行业紧缺工种" in old["shortage_occupation"]
    assert old["none"] == "以上均不具有"
    new = _labels("skill", 2026)
    for option_id in (
        "senior_technician",
        "technician",
        "professional_qualification",
        "senior_worker",
    ):
        assert "满6个月以上" in new[option_id]


def test_education_question_has_five_answers() -> None:
    labels = _labels("education", 2026)
    assert len(labels) == 5
    assert labels["bachelor"] == "国内普通高校全日制大学本科学历并有学士学位，年龄在40周岁以下"
    assert labels["none"] == "以上均不是"


# Reference data and facts ------------------------------------------------------------------


def test_twenty_eight_title_series() -> None:
    assert len(TITLE_SERIES) == len(set(TITLE_SERIES)) == 28
    assert "工程技术人员" in TITLE_SERIES and "民用航空飞行技术人员" in TITLE_SERIES


def test_catalogue_names_unique_with_shortage_occupations() -> None:
    names = [o.name for o in CATALOGUE]
    assert len(names) == len(set(names))
    assert any(o.shortage for o in CATALOGUE) and not all(o.shortage for o in CATALOGUE)


class _RefusingSource:
    async def records(self, id_number: str, kind: str) -> list[SharedRecord]:
        raise AssertionError("records() was not expected")

    async def by_certificate(self, kind: str, certificate_number: str) -> SharedRecord | None:
        raise AssertionError("education without certificate numbers must not query")


async def test_education_without_numbers_queries_nothing() -> None:
    (pending,) = hooks("education").read_shared_data(
        source=_RefusingSource(), id_number="440106199001010012", certificate_numbers={}
    )
    found = await pending
    assert found.category_id == "education"
    assert found.found is False
    assert found.facts == EducationFacts()


async def test_facts_survive_json() -> None:
    """Each category's facts, as read from shared data, round-trip through JSON."""
    person = id_number_for(date(1990, 1, 1))
    records = [
        SharedRecord(
            "diploma",
            person,
            "D1",
            {
                "level": "bachelor",
                "mode": "full_time",
                "institution": "暨南大学",
                "graduated_on": "2012-06-30",
            },
        ),
        SharedRecord("degree", person, "G1", {"level": "bachelor", "awarded_on": "2012-06-30"}),
        SharedRecord("overseas_degree", person, "O1", {"level": "master", "country": "英国"}),
        SharedRecord(
            "title",
            person,
            "T1",
            {"name": "经济师", "level": "intermediate", "awarded_on": "2019-01-01"},
        ),
        SharedRecord(
            "skill_certificate",
            person,
            "S1",
            {
                "occupation": "电工",
                "grade": "technician",
                "issued_on": "2020-01-01",
                "shortage": False,
            },
        ),
        SharedRecord(
            "talent_recognition",
            person,
            None,
            {"type": "model_worker", "valid_until": "2030-01-01"},
        ),
        SharedRecord(
            "other_recognition", person, None, {"type": "key_enterprise", "issued_on": "2026-01-01"}
        ),
    ]
    source = InMemorySharedData(records)
    numbers = {"diploma": "d1", "degree": "G1"}
    types: dict[str, Any] = {
        "education": EducationFacts,
        "title": TitleFacts,
        "skill": SkillFacts,
        "high_level": HighLevelFacts,
        "other": OtherFacts,
    }
    for category_id, facts_type in types.items():
        (pending,) = hooks(category_id).read_shared_data(
            source=source, id_number=person, certificate_numbers=numbers
        )
        found = await pending
        assert found.found, category_id
        again = facts_type.from_json(json.loads(json.dumps(found.facts.to_json())))
        assert again == found.facts, category_id


async def test_overseas_degree_number_typed_as_degree() -> None:
    person = id_number_for(date(1996, 4, 18), sequence=2)
    source = InMemorySharedData(
        [SharedRecord("overseas_degree", person, "JSJ-1", {"level": "bachelor"})]
    )
    (pending,) = hooks("education").read_shared_data(
        source=source, id_number=person, certificate_numbers={"degree": "jsj-1"}
    )
    found = await pending
    assert found.found
    assert [d.certificate_number for d in found.facts.overseas_degrees] == ["JSJ-1"]
