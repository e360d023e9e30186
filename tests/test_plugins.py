"""The plugin host: every category plugin keeps the contract; external plugins join in."""

from __future__ import annotations

import string
from datetime import date
from typing import Annotated, Any

import pytest
import strawberry

from core import hookimpl
from core.categories import CategorySpec, ConditionSpec, MaterialRequirement, Parameter
from core.facts import ConditionResult, Outcome, PersonFacts
from core.hookspecs import CategoryFacts
from core.plugins import PluginConflictError, build_plugin_manager, collect
from core.policy import EffectiveCondition
from core.questions import Question, QuestionOption
from core.settings import Settings
from schema import build_schema
from schema.context import Info
from schema.errors import OperationError, attempt
from tests.graphql import GraphQLClient
from tests.staff import staff_client

BUILTIN = Settings().plugins


def _registry() -> Any:
    return collect(build_plugin_manager(BUILTIN, load_entrypoints=False))


@pytest.mark.parametrize("module", BUILTIN)
def test_category_plugin_contract(module: str) -> None:
    """What every category plugin promises the host."""
    pm = build_plugin_manager([module], load_entrypoints=False)
    registry = collect(pm)
    assert len(registry.categories) == 1, "a category plugin contributes one category"
    category = registry.categories[0]
    assert category.id and category.label_zh and category.label_en and category.tab
    assert category.conditions, "a category has conditions"
    person = PersonFacts(id_number="440111199903175213", name="测试", birth_date=date(1990, 1, 1))
    ids = set()
    for condition in category.conditions:
        assert condition.id not in ids
        ids.add(condition.id)
        assert condition.title and condition.title_en
        for parameter in condition.parameters:
            assert parameter.values, f"{condition.id}.{parameter.name} has dated values"
            for value in parameter.values.values():
                assert parameter.coerce(value) == value
        assert all(m.kind and m.label for m in condition.materials)
        effective = EffectiveCondition(category.id, condition, True, condition.defaults_for(2026))
        result = pm.hook.evaluate_condition(
            condition=effective, facts=person, on=date(2026, 11, 22)
        )
        assert isinstance(result, ConditionResult), f"{condition.id} is evaluated"
        assert (result.category_id, result.condition_id) == (category.id, condition.id)
        assert result.reasons, "every judgement gives reasons"
    # Questions point only at the category's own conditions, and their placeholders
    # name parameters of the first condition they point to.
    for question in pm.hook.register_questions():
        for q in question:
            assert q.category_id == category.id
            for option in q.options:
                assert set(option.condition_ids) <= ids
                names = {f for _, f, _, _ in string.Formatter().parse(option.label) if f}
                if names:
                    first = category.condition(option.condition_ids[0])
                    assert names <= {p.name for p in first.parameters}


def test_builtin_categories_in_tab_order() -> None:
    assert [c.id for c in _registry().categories] == [
        "education",
        "title",
        "skill",
        "high_level",
        "other",
    ]


class _Duplicate:
    @hookimpl
    def register_categories(self) -> list[CategorySpec]:
        return [CategorySpec("education", "重复", "Duplicate", "X", 99)]


def test_duplicate_category_stops_start_up() -> None:
    pm = build_plugin_manager(BUILTIN, load_entrypoints=False, extra=[_Duplicate()])
    with pytest.raises(PluginConflictError, match="education"):
        collect(pm)


@strawberry.type
class _ClashingQuery:
    @strawberry.field
    def categories(self) -> int:
        return 1


class _Clash:
    @hookimpl
    def register_query_types(self) -> list[type[Any]]:
        return [_ClashingQuery]


def test_clashing_field_stops_start_up() -> None:
    pm = build_plugin_manager(BUILTIN, load_entrypoints=False, extra=[_Clash()])
    with pytest.raises(PluginConflictError, match=r"Query\.categories"):
        build_schema(collect(pm))


# A throw-away external plugin: a category of its own, with a GraphQL type and field.

HOUSING = "housing_talent"


@strawberry.type
class HousingQuota:
    remaining: int


HousingQuotaResult = Annotated[
    HousingQuota | OperationError, strawberry.union("HousingQuotaResult")
]


@strawberry.type
class HousingQuery:
    @strawberry.field
    async def housing_quota(self, info: Info) -> HousingQuotaResult:
        async def run() -> HousingQuota:
            await info.context.require_category(HOUSING)
            return HousingQuota(remaining=42)

        return await attempt(run())


@strawberry.type
class HousingMutation:
    @strawberry.mutation
    async def reserve_housing(self, info: Info) -> HousingQuotaResult:
        async def run() -> HousingQuota:
            await info.context.require_category(HOUSING)
            return HousingQuota(remaining=41)

        return await attempt(run())


@strawberry.type(
    description="A type no field names: it reaches the schema through register_graphql_types."
)
class HousingStationNotice:
    station: str


class HousingPlugin:
    @hookimpl
    def register_categories(self) -> list[CategorySpec]:
        condition = ConditionSpec(
            id="resident_researcher",
            title="驻站科研人员，年龄在45周岁及以下",
            title_en="Resident researcher, aged 45 or under",
            order=1,
            parameters=(Parameter("age_limit", "年龄上限", "int", {2020: 45}, 18, 65, "周岁"),),
            materials=(MaterialRequirement("station_letter", "工作站证明", "驻站身份"),),
        )
        return [CategorySpec(HOUSING, "安居人才", "Housing talent", "F", 6, (condition,))]

    @hookimpl
    def register_query_types(self) -> list[type[Any]]:
        return [HousingQuery]

    @hookimpl
    def register_mutation_types(self) -> list[type[Any]]:
        return [HousingMutation]

    @hookimpl
    def register_graphql_types(self) -> list[type[Any]]:
        return [HousingStationNotice]

    @hookimpl
    def evaluate_condition(
        self, condition: EffectiveCondition, facts: PersonFacts, on: date
    ) -> ConditionResult | None:
        if condition.category_id != HOUSING:
            return None
        stations = facts.facts_of(HOUSING)
        if not stations:
            return ConditionResult(HOUSING, condition.spec.id, Outcome.UNKNOWN, ("需工作站证明",))
        return ConditionResult(
            HOUSING, condition.spec.id, Outcome.MET, (f"驻站于{stations[0]}",), {}, True
        )

    @hookimpl
    async def read_shared_data(self, source: Any, id_number: str) -> CategoryFacts:
        records = await source.records(id_number, "research_station")
        stations = [r.data["station"] for r in records]
        return CategoryFacts(HOUSING, stations, bool(stations))

    @hookimpl
    def register_questions(self) -> list[Question]:
        return [
            Question(
                id="housing.station",
                category_id=HOUSING,
                text="您是否为驻站科研人员?",
                order=10,
                options=(
                    QuestionOption(
                        "yes", "是，年龄在{age_limit}周岁以下", ("resident_researcher",)
                    ),
                    QuestionOption("no", "否"),
                ),
            )
        ]


@pytest.fixture
def app_options() -> dict[str, Any]:
    return {
        "plugin_manager": build_plugin_manager(
            BUILTIN, load_entrypoints=False, extra=[HousingPlugin()]
        )
    }


async def test_external_plugin_appears_in_schema_and_categories(
    app: Any, client: GraphQLClient
) -> None:
    sdl = app.state.schema.as_str()
    assert "housingQuota" in sdl
    assert "type HousingStationNotice" in sdl
    quota = "housingQuota { ... on HousingQuota { remaining } ... on OperationError { code } }"
    reserve = "reserveHousing { ... on HousingQuota { remaining } ... on OperationError { code } }"
    data = await client.execute(f"{{ categories {{ id tab }} {quota} }}")
    assert data["categories"][-1] == {"id": HOUSING, "tab": "F"}
    assert data["housingQuota"] == {"remaining": 42}
    assert (await client.execute(f"mutation {{ {reserve} }}"))["reserveHousing"] == {
        "remaining": 41
    }

    admin = await staff_client(app, client)
    year = (await app.state.services.policy.current_year()).year
    off = await admin.execute(
        """mutation($y: Int!) { setCategoryEnabled(year: $y, categoryId: "housing_talent", enabled: false) {
        __typename } }""",
        {"y": year},
    )
    assert off["setCategoryEnabled"]["__typename"] == "PolicyYear"
    data = await client.execute(f"{{ categories {{ id }} {quota} }}")
    assert HOUSING not in [c["id"] for c in data["categories"]]
    assert data["housingQuota"] == {"code": "CATEGORY_DISABLED"}
    assert (await client.execute(f"mutation {{ {reserve} }}"))["reserveHousing"] == {
        "code": "CATEGORY_DISABLED"
    }


async def test_external_category_joins_the_questionnaire_and_the_one_click_test(
    app: Any, client: GraphQLClient
) -> None:
    from core.shared_import import import_records
    from tests.people import applicant

    walk = """query($a: [AnswerInput!]!) { questionnaire(answers: $a) {
      ... on QuestionnaireStep { next { id options { label } } hint { conditions { id } } } } }"""
    answers = [
        {"questionId": "social_insurance", "optionId": "yes"},
        {"questionId": "education.level", "optionId": "none"},
        {"questionId": "title.level", "optionId": "none"},
        {"questionId": "high_level.recognised", "optionId": "no"},
        {"questionId": "skill.conditions", "optionId": "none"},
        {"questionId": "other.circumstances", "optionId": "none"},
    ]
    step = (await client.execute(walk, {"a": answers}))["questionnaire"]
    assert step["next"]["id"] == "housing.station"
    assert step["next"]["options"][0]["label"] == "是，年龄在45周岁以下"
    answers.append({"questionId": "housing.station", "optionId": "yes"})
    step = (await client.execute(walk, {"a": answers}))["questionnaire"]
    assert step["hint"]["conditions"] == [{"id": "resident_researcher"}]

    who = {"id_number": "440111199903175213", "name": "张三", "certificate_numbers": {}}
    await import_records(
        [
            {"kind": "research_station", "id_number": who["id_number"], "data": {"station": "南沙科学城"}},
            {"kind": "social_insurance", "id_number": who["id_number"],
             "data": {"periods": [{"from": "2020-01", "to": None}]}},
        ]
    )  # fmt: skip
    user = await applicant(client, who)
    analysis = await user.test(app)
    housing = [c for c in analysis["conditions"] if c["categoryId"] == HOUSING]
    assert [(c["conditionId"], c["outcome"]) for c in housing] == [("resident_researcher", "MET")]
    started = await user.start(analysis["id"])
    assert (started["categoryId"], started["fastTrack"]) == (HOUSING, True)


@strawberry.type
class _BrokenQuery:
    @strawberry.field
    def broken_field(self) -> int:
        raise RuntimeError("database password is hunter2")


class _BrokenPlugin:
    @hookimpl
    def register_query_types(self) -> list[type[Any]]:
        return [_BrokenQuery]


async def test_unexpected_errors_are_masked_and_carry_the_request_id(
    settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    import httpx

    from core.app import create_app
    from tests.database import empty_tables

    await empty_tables(settings.database_url)
    pm = build_plugin_manager(BUILTIN, load_entrypoints=False, extra=[_BrokenPlugin()])
    application = create_app(settings, plugin_manager=pm)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            response = await http.post(
                "/graphql",
                json={"query": "{ brokenField }"},
                headers={"x-request-id": "req-42"},
            )
            syntax = await http.post("/graphql", json={"query": "{ categories { nope } }"})
    body = response.json()
    assert body["errors"][0]["message"] == "Unexpected error."
    assert "hunter2" not in response.text
    assert response.headers["x-request-id"] == "req-42"
    # The real error is in the log, for the operator who has the request id.
    assert any("hunter2" in r.getMessage() or "hunter2" in str(r.exc_info) for r in caplog.records)
    # Validation errors stay readable.
    assert "nope" in syntax.json()["errors"][0]["message"]
