"""Fixtures for the OCR tests: the shared photo set and one recogniser for the session."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from core.ocr.engine import Recogniser, get_recogniser
from core.ocr.kinds import CORE_MAPPINGS
from core.ocr.mapping import KindMapping, merge_mappings
from plugins.education.ocr import FIELD_MAPPINGS as EDUCATION
from plugins.skill.ocr import FIELD_MAPPINGS as SKILL
from plugins.title.ocr import FIELD_MAPPINGS as TITLE

# shared/ sits beside the repository (CI clones main with shared/ next to it).
FIXTURES = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "ocr"


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    assert FIXTURES.is_dir(), f"OCR fixtures missing at {FIXTURES}"
    return FIXTURES


@pytest.fixture(scope="session")
def mappings() -> dict[str, KindMapping]:
    return dict(merge_mappings(CORE_MAPPINGS, EDUCATION, TITLE, SKILL))


@pytest.fixture(scope="session")
def recogniser() -> Recogniser:
    """Loaded once (~1.6 s): every model test shares it, as the server's workers do."""
    return get_recogniser()


def ground_truth(fixtures_dir: Path, sample: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((fixtures_dir / f"{sample}.json").read_text("utf-8"))
    return data
