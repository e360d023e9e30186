"""Drive every row of the category tables (``tests/plugins/*.yaml``) through the plugins.

A row names the condition, the applicant's birth date, the reference date, the records the
shared database holds (or the applicant's own form), parameter overrides, the expected
outcome and fragments the reasons must contain.
"""

from __future__ import annotations

import pytest

from tests.plugins.plugin_helpers import PLUGINS, Row, load_table, run_row

TABLES = ("education", "title", "skill", "high_level", "other")
ROWS = [row for name in TABLES for row in load_table(name)]


def _fragments(value: str | list[str] | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


@pytest.mark.parametrize("row", ROWS, ids=[r.id for r in ROWS])
async def test_row(row: Row) -> None:
    outcome = await run_row(row)
    result = outcome.result
    said = "；".join(result.reasons)
    context = f"{row.id}（{row['case']}）: {result.outcome.value}: {said}"

    assert result.category_id == row.category_id
    assert result.condition_id == row["condition"]
    assert result.outcome.value == row["expect"], context
    for fragment in _fragments(row.get("reason")):
        assert fragment in said, context
    for fragment in _fragments(row.get("not_reason")):
        assert fragment not in said, context
    if "found" in row.values:
        assert outcome.shared is not None, context
        assert outcome.shared.found is row["found"], context
    if "proven" in row.values:
        assert result.proven_by_shared_data is row["proven"], context
    elif result.outcome.value != "met":
        assert not result.proven_by_shared_data, context


def test_tables_cover_every_condition() -> None:
    covered = {(r.category_id, r["condition"]) for r in ROWS}
    for category_id, plugin in PLUGINS.items():
        for condition in plugin.CATEGORY.conditions:
            assert (category_id, condition.id) in covered
    outcomes = {(r.category_id, r["condition"], r["expect"]) for r in ROWS}
    for category_id, plugin in PLUGINS.items():
        expected = {"met", "unknown"} if category_id == "other" else {"met", "not_met", "unknown"}
        for condition in plugin.CATEGORY.conditions:
            got = {e for c, cond, e in outcomes if c == category_id and cond == condition.id}
            assert expected <= got, (category_id, condition.id, got)
