"""Every hook is documented for plugin authors with its arguments, and every hook has a test.

Datasette's habit: a spec nobody documented is a spec nobody can implement, and a spec
no test calls is one that may already be broken.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from core import hookspecs

ROOT = Path(__file__).resolve().parents[1]
GUIDE = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
TESTS = "\n".join(
    p.read_text(encoding="utf-8")
    for p in (ROOT / "tests").rglob("*.py")
    if p.name != Path(__file__).name
)
SPECS = sorted(
    name
    for name, value in vars(hookspecs).items()
    if inspect.isfunction(value) and hasattr(value, "talent_spec")
)


def test_specs_are_found() -> None:
    assert {"register_categories", "evaluate_condition", "check_approval"} <= set(SPECS)


@pytest.mark.parametrize("name", SPECS)
def test_every_hook_is_documented_with_its_arguments(name: str) -> None:
    parameters = inspect.signature(getattr(hookspecs, name)).parameters
    row = next((line for line in GUIDE.splitlines() if line.startswith(f"| `{name}(")), None)
    assert row is not None, f"docs/plugins.md has no row for the hook {name}"
    documented = row.split("(", 1)[1].split(")", 1)[0]
    assert [p.strip() for p in documented.split(",") if p.strip()] == list(parameters), row


@pytest.mark.parametrize("name", SPECS)
def test_every_hook_has_a_test(name: str) -> None:
    # Implemented by a test plugin, or called through the plugin manager by a test.
    assert re.search(rf"\b{name}\b", TESTS), f"no test implements or calls the hook {name}"
