"""The public schema is reviewed as a diff: `schema.graphql` must match `talent schema`."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from core.cli import app

SNAPSHOT = Path(__file__).resolve().parents[1] / "schema.graphql"


def test_schema_snapshot_is_current(monkeypatch) -> None:
    # Only the built-in plugins: an installed external plugin must not leak in.
    monkeypatch.setenv("TALENT_LOAD_ENTRYPOINT_PLUGINS", "false")
    from core.settings import get_settings

    get_settings.cache_clear()
    result = CliRunner().invoke(app, ["schema"])
    get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert result.output == SNAPSHOT.read_text(encoding="utf-8"), (
        "The schema changed: review the diff, then run `make schema` to update schema.graphql"
    )
