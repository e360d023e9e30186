"""The lifecycle's hooks: plugins hear of every transition and may block an approval."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import pytest

from core import hookimpl
from core.app import create_plugin_manager
from core.clock import ManualClock
from core.hookspecs import Problem
from core.settings import Settings
from tests.graphql import GraphQLClient
from tests.lifecycle_flow import lifecycle_settings, local, reviewer, submitted


class Listener:
    """A plugin (as a category's would be) that hears transitions and checks approvals."""

    def __init__(self) -> None:
        self.heard: list[tuple[str, str | None, str, str]] = []
        self.block = True

    @hookimpl
    def application_transitioned(
        self, category_id: str, action: str, from_state: str | None, to_state: str, at: datetime
    ) -> None:
        assert isinstance(at, datetime)
        if category_id == "education":
            self.heard.append((action, from_state, to_state, category_id))

    @hookimpl
    async def check_approval(
        self, condition: Any, values: Mapping[str, Any], on: date
    ) -> list[Problem] | None:
        if condition.category_id != "education" or not self.block:
            return None
        assert values["degree_level"] == "bachelor"
        return [Problem("qualification", "NOT_VERIFIED", "学信网学位核验未通过，暂不能审批")]


LISTENER = Listener()


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return lifecycle_settings(settings)


@pytest.fixture
def app_options(settings: Settings) -> dict[str, Any]:
    pm = create_plugin_manager(settings)
    pm.register(LISTENER, name="test-listener")
    LISTENER.heard.clear()
    LISTENER.block = True
    return {"plugin_manager": pm}


APPROVE = """mutation($a: ID!) { approveApplication(applicationId: $a) { __typename
  ... on Application { state } ... on OperationError { code message details } } }"""


async def test_plugins_hear_transitions_and_block_approval(
    app: Any, client: GraphQLClient, clock: ManualClock
) -> None:
    clock.set(local(2026, 11, 2, 10))
    case = await submitted(app, client, 1)
    staff = await reviewer(app, client)
    await staff.execute(
        "mutation($a: ID!) { acceptApplication(applicationId: $a) { __typename } }", {"a": case.id}
    )
    blocked = (await staff.execute(APPROVE, {"a": case.id}))["approveApplication"]
    assert blocked["code"] == "APPROVAL_BLOCKED"
    assert blocked["message"] == "学信网学位核验未通过，暂不能审批"
    assert blocked["details"]["problems"][0]["code"] == "NOT_VERIFIED"
    LISTENER.block = False
    approved = (await staff.execute(APPROVE, {"a": case.id}))["approveApplication"]
    assert approved == {"__typename": "Application", "state": "approved"}
    assert LISTENER.heard == [
        ("submit", "draft", "awaiting_acceptance", "education"),
        ("accept", "awaiting_acceptance", "under_review", "education"),
        ("approve", "under_review", "approved", "education"),
    ]
