"""The questionnaire (问答测试) walked as a frontend does, with back (上一步) and reset (重置)."""

from __future__ import annotations

from typing import Any

from tests.graphql import GraphQLClient
from tests.staff import staff_client

WALK = """query($a: [AnswerInput!]!) { questionnaire(answers: $a) {
  __typename
  ... on QuestionnaireStep {
    answered { question { id } answer { id label } }
    next { id categoryId text options { id label } }
    hint { text notes conditions { id categoryId title } } }
  ... on OperationError { code message } } }"""


async def step(client: GraphQLClient, answers: list[tuple[str, str]]) -> dict[str, Any]:
    data = await client.execute(WALK, {"a": [{"questionId": q, "optionId": o} for q, o in answers]})
    result: dict[str, Any] = data["questionnaire"]
    assert result["__typename"] in ("QuestionnaireStep", "OperationError")
    return result


async def test_the_full_walk_in_the_seeds_order(client: GraphQLClient) -> None:
    answers: list[tuple[str, str]] = []
    first = await step(client, answers)
    assert first["next"]["text"] == "您是否有在广州缴纳社会保险?"
    asked = []
    current = first
    choices = {"social_insurance": "yes"}
    while current["next"] is not None:
        question = current["next"]
        asked.append(question["id"])
        # Every category question offers a way on ("以上均不是" / "否").
        option = choices.get(question["id"]) or question["options"][-1]["id"]
        answers.append((question["id"], option))
        current = await step(client, answers)
    assert asked == [
        "social_insurance",
        "education.level",
        "title.level",
        "high_level.recognised",
        "skill.conditions",
        "other.circumstances",
    ]
    hint = current["hint"]
    assert hint["conditions"] == []
    assert hint["text"].startswith("根据您的回答")
    assert "请问您的学历是" in hint["text"]
    assert len(current["answered"]) == len(asked)


async def test_an_answer_naming_conditions_ends_in_a_hint(client: GraphQLClient) -> None:
    walked = await step(
        client,
        [("social_insurance", "yes"), ("education.level", "none"), ("title.level", "senior")],
    )
    assert walked["next"] is None
    assert [c["id"] for c in walked["hint"]["conditions"]] == ["senior"]
    assert "高级" in walked["hint"]["text"]
    assert walked["hint"]["notes"] == []


async def test_no_insurance_is_noted_in_the_hint(client: GraphQLClient) -> None:
    walked = await step(client, [("social_insurance", "no"), ("education.level", "bachelor")])
    assert [c["id"] for c in walked["hint"]["conditions"]] == ["bachelor"]
    assert any("社会保险" in n for n in walked["hint"]["notes"])


async def test_back_and_reset(client: GraphQLClient) -> None:
    answers = [("social_insurance", "yes"), ("education.level", "none")]
    at_title = await step(client, answers)
    assert at_title["next"]["id"] == "title.level"
    labels = [o["label"] for o in at_title["next"]["options"]]
    assert labels == ["高级职称，年龄在50周岁以下", "中级职称，年龄在40周岁以下", "以上均不具有"]
    back = await step(client, answers[:-1])  # 上一步
    assert back["next"]["id"] == "education.level"
    assert [a["question"]["id"] for a in back["answered"]] == ["social_insurance"]
    reset = await step(client, [])  # 重置
    assert reset["next"]["id"] == "social_insurance"
    assert reset["answered"] == []


async def test_bad_answers_are_typed_errors(client: GraphQLClient) -> None:
    wrong_question = await step(client, [("education.level", "none")])
    assert wrong_question["code"] == "INVALID_INPUT"
    wrong_option = await step(client, [("social_insurance", "maybe")])
    assert wrong_option["code"] == "INVALID_INPUT"
    after_the_end = await step(
        client,
        [("social_insurance", "yes"), ("education.level", "bachelor"), ("title.level", "none")],
    )
    assert after_the_end["code"] == "INVALID_INPUT"


async def test_the_year_decides_questions_and_figures(app: Any, client: GraphQLClient) -> None:
    admin = await staff_client(app, client)
    walk_to_skill = [
        ("social_insurance", "yes"),
        ("education.level", "none"),
        ("title.level", "none"),
        ("high_level.recognised", "no"),
    ]
    current = await step(client, walk_to_skill)
    skill_2026 = " ".join(o["label"] for o in current["next"]["options"])
    assert "满6个月以上" in skill_2026 and "满12个月以上" not in skill_2026

    # The 2019 policy year carries the older figures the seed's questionnaire shows.
    await admin.execute(
        "mutation { createPolicyYear(year: 2019, makeCurrent: true) { __typename } }"
    )
    current = await step(client, walk_to_skill)
    skill_2019 = [o["label"] for o in current["next"]["options"]]
    assert "满6个月以上" in skill_2019[0]  # senior technician
    assert "满12个月以上" in skill_2019[1]  # technician
    assert "满24个月以上" in skill_2019[3]  # senior worker

    # A category switched off for the year drops out of the walk.
    await admin.execute(
        'mutation { setCategoryEnabled(year: 2019, categoryId: "title", enabled: false) { __typename } }'
    )
    current = await step(client, walk_to_skill[:2])
    assert current["next"]["id"] == "high_level.recognised"
    # An option whose conditions are all off is not offered.
    await admin.execute(
        'mutation { setConditionEnabled(year: 2019, categoryId: "education", conditionId: "doctoral", enabled: false) { __typename } }'
    )
    current = await step(client, walk_to_skill[:1])
    assert "doctoral" not in [o["id"] for o in current["next"]["options"]]
