"""Names of employers, schools and majors: kept as typed, compared loosely.

A name is stored in NFC with its rare characters intact (𠮷, 堃, 喆, 珺 and the CJK
extension planes are all legal). Searching compares a key instead: NFKC (full-width
letters, digits and brackets become half-width), case-folded, without whitespace, so
"广州（南沙）有限公司" and "广州(南沙) 有限公司" find each other.
"""

from __future__ import annotations

import re
import unicodedata
from typing import TypeVar

from tortoise.expressions import Case, When
from tortoise.functions import Length
from tortoise.models import Model
from tortoise.queryset import QuerySet

from core.errors import DomainError, ErrorCode
from core.paging import Page, PageRequest

M = TypeVar("M", bound=Model)

_SPACES = re.compile(r"\s+")
# Characters no name needs: controls, format characters (zero-width joiners and the
# like), unassigned code points, private use and lone surrogates.
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cn", "Co", "Cs"})


def clean_name(text: str, *, field: str, label: str, max_length: int = 200) -> str:
    """The name as stored: NFC, trimmed, inner runs of whitespace as one space."""
    name = _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()
    if not name:
        raise DomainError(ErrorCode.INVALID_INPUT, f"请填写{label}", field=field)
    if len(name) > max_length:
        raise DomainError(
            ErrorCode.INVALID_INPUT, f"{label}不能超过 {max_length} 个字", field=field
        )
    if any(unicodedata.category(c) in _REFUSED_CATEGORIES for c in name):
        raise DomainError(ErrorCode.INVALID_INPUT, f"{label}含有无法识别的字符", field=field)
    return name


def name_key(text: str) -> str:
    """What two spellings of one name have in common; the column searches compare."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", text)).casefold()


async def name_page(query: QuerySet[M], key: str, page: PageRequest) -> Page[M]:
    """A page of the rows whose name contains ``key``: the exact name first, then names
    starting with it, then the rest, shorter (closer) names before longer ones. An empty
    key lists every row in name order."""
    if key:
        query = query.filter(name_key__contains=key)
    total = await query.count()
    ordered = (
        query.annotate(
            match_rank=Case(
                When(name_key=key, then="0"),
                When(name_key__startswith=key, then="1"),
                default="2",
            ),
            key_length=Length("name_key"),
        ).order_by("match_rank", "key_length", "name_key", "id")
        if key
        else query.order_by("name_key", "id")
    )
    rows = await ordered.offset(page.offset).limit(page.first)
    return Page(items=list(rows), total=total, offset=page.offset)
