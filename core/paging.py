"""Offset pages of a list, capped so no request asks the database for everything."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from core.errors import DomainError, ErrorCode

T = TypeVar("T")

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 50


@dataclass(frozen=True)
class PageRequest:
    first: int
    offset: int


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    total: int
    offset: int

    @property
    def has_more(self) -> bool:
        return self.offset + len(self.items) < self.total


def page_request(first: int | None, offset: int | None) -> PageRequest:
    """``first`` between 1 and :data:`MAX_PAGE_SIZE`, ``offset`` not negative."""
    size = DEFAULT_PAGE_SIZE if first is None else first
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise DomainError(
            ErrorCode.INVALID_INPUT, f"每页条数应在 1 到 {MAX_PAGE_SIZE} 之间", field="first"
        )
    start = offset or 0
    if start < 0:
        raise DomainError(ErrorCode.INVALID_INPUT, "偏移量不能为负数", field="offset")
    return PageRequest(first=size, offset=start)
