"""Employer codes: the 18-character unified social credit code, the 9-character organisation code.

统一社会信用代码 (GB 32100) is checked with python-stdnum (``stdnum.cn.uscc``).
python-stdnum has no module for the older 组织机构代码 (GB 11714), so its check is here,
in one place. A unified code embeds the organisation code in its characters 9–17, which
is how an employer registered before 2015 with only its 9-character code is still found
by its new 18-character one.

A wrong check digit is an expected failure (``INVALID_CREDIT_CODE``), not an empty search:
the person mistyped a character and should be told which code is wrong.
"""

from __future__ import annotations

import re
from typing import Literal

from stdnum.cn import uscc
from stdnum.exceptions import InvalidChecksum, ValidationError

from core.errors import DomainError, ErrorCode

CodeKind = Literal["credit_code", "organisation_code"]

# GB 11714-1997: eight body characters (digits or capital letters) and a check character.
_ORGANISATION_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ORGANISATION_SHAPE = re.compile(r"^[0-9A-Z]{8}[0-9X]$")
_SEPARATORS = re.compile(r"[\s\-－—_./·]")
# Full-width letters and digits typed with a Chinese input method.
_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}


def compact(text: str) -> str:
    """Upper case, half-width, without spaces or the hyphen of ``12345678-9``."""
    return _SEPARATORS.sub("", text.translate(_FULL_WIDTH)).upper()


def organisation_check_digit(body: str) -> str:
    """The ninth character of an organisation code for its eight-character body."""
    total = sum(int(c, 36) * w for c, w in zip(body, _ORGANISATION_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def is_organisation_code(code: str) -> bool:
    return bool(_ORGANISATION_SHAPE.match(code)) and code[8] == organisation_check_digit(code[:8])


def validate_organisation_code(text: str, *, field: str = "organisationCode") -> str:
    """The compact 9-character code, or ``INVALID_CREDIT_CODE``."""
    code = compact(text)
    if not _ORGANISATION_SHAPE.match(code):
        raise DomainError(
            ErrorCode.INVALID_CREDIT_CODE,
            "组织机构代码应为 9 位数字或大写字母（最后一位为数字或 X）",
            field=field,
            details={"kind": "organisation_code", "reason": "format"},
        )
    if code[8] != organisation_check_digit(code[:8]):
        raise DomainError(
            ErrorCode.INVALID_CREDIT_CODE,
            "组织机构代码校验位错误，请核对后重新输入",
            field=field,
            details={"kind": "organisation_code", "reason": "check_digit"},
        )
    return code


def validate_credit_code(text: str, *, field: str = "creditCode") -> str:
    """The compact 18-character code, or ``INVALID_CREDIT_CODE``."""
    code = compact(text)
    try:
        return str(uscc.validate(code))
    except InvalidChecksum:
        raise DomainError(
            ErrorCode.INVALID_CREDIT_CODE,
            "统一社会信用代码校验位错误，请核对后重新输入",
            field=field,
            details={"kind": "credit_code", "reason": "check_digit"},
        ) from None
    except ValidationError:
        raise DomainError(
            ErrorCode.INVALID_CREDIT_CODE,
            "统一社会信用代码应为 18 位数字或大写字母",
            field=field,
            details={"kind": "credit_code", "reason": "format"},
        ) from None


def embedded_organisation_code(credit_code: str) -> str | None:
    """Characters 9–17 of a unified code, when they form a valid organisation code.

    Codes issued since 2015 embed a valid one; a few early or individual-business codes
    do not, and then there is nothing to match an older 9-character record against.
    """
    candidate = credit_code[8:17]
    return candidate if is_organisation_code(candidate) else None


def code_kind(text: str) -> CodeKind | None:
    """Whether a search text looks like one of the two codes (before its check digit)."""
    code = compact(text)
    if not (code.isascii() and code.isalnum()):
        return None
    if len(code) == 18 and code[2:8].isdigit():
        return "credit_code"
    if len(code) == 9 and any(c.isdigit() for c in code):
        return "organisation_code"
    return None


def validate_any(text: str, *, field: str = "creditCode") -> tuple[CodeKind, str]:
    """An 18- or a 9-character code, checked; which one it is and its compact form."""
    code = compact(text)
    if len(code) == 9:
        return "organisation_code", validate_organisation_code(code, field=field)
    return "credit_code", validate_credit_code(code, field=field)
