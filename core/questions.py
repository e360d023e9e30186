"""The questionnaire (问答测试): questions categories contribute, walked in tab order."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class QuestionOption:
    """An answer. ``condition_ids`` name the conditions it points to; none means go on.

    ``label`` may hold ``{parameter}`` placeholders, filled with the policy year's
    parameters of the first condition named, so the text follows the year's numbers.
    """

    id: str
    label: str
    condition_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Question:
    id: str
    category_id: str
    text: str
    options: tuple[QuestionOption, ...]
    order: int = 0
    # Where a question points to conditions of another category (rare), name it here.
    note: str = ""
