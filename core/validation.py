"""Checks of what people type: identity numbers, mobile numbers, passwords."""

from __future__ import annotations

import re
from datetime import date

from stdnum import exceptions as stdnum_exceptions
from stdnum.cn import ric

from core.errors import DomainError, ErrorCode

_MOBILE = re.compile(r"^1[3-9]\d{9}$")

PASSWORD_POLICY = "".join(
    (
        "密码长度 8 至 64 位，至少包含大写字母、小写字母、数字、符号中的三类，",
        "且不得包含账号或身份证号码",
    )
)


def normalise_id_number(value: str) -> str:
    """Validate an 18-character resident identity number (居民身份证号码) and normalise it.

    The check digit (GB 11643) and the embedded birth date are verified; a trailing
    ``x`` is upper-cased.
    """
    compact = re.sub(r"[\s-]", "", value or "").upper()
    if len(compact) != 18:
        raise DomainError(ErrorCode.INVALID_ID_NUMBER, "身份证号码应为 18 位", field="idNumber")
    try:
        ric.validate(compact)
    except stdnum_exceptions.InvalidChecksum as exc:
        raise DomainError(
            ErrorCode.INVALID_ID_NUMBER, "身份证号码校验位不正确", field="idNumber"
        ) from exc
    except stdnum_exceptions.ValidationError as exc:
        raise DomainError(
            ErrorCode.INVALID_ID_NUMBER, "身份证号码格式不正确", field="idNumber"
        ) from exc
    return compact


def birth_date_of(id_number: str) -> date:
    birth: date = ric.get_birth_date(id_number)
    return birth


def normalise_mobile(value: str) -> str:
    compact = re.sub(r"[\s-]", "", value or "")
    if compact.startswith("+86"):
        compact = compact[3:]
    if not _MOBILE.match(compact):
        raise DomainError(ErrorCode.INVALID_MOBILE, "手机号码格式不正确", field="mobile")
    return compact


def check_password(password: str, *, forbidden: tuple[str, ...] = ()) -> None:
    """Enforce :data:`PASSWORD_POLICY`; raise WEAK_PASSWORD with the policy text."""
    classes = sum(
        bool(re.search(p, password)) for p in (r"[A-Z]", r"[a-z]", r"\d", r"[^A-Za-z0-9]")
    )
    lowered = password.lower()
    if (
        not 8 <= len(password) <= 64
        or classes < 3
        or any(f and f.lower() in lowered for f in forbidden)
    ):
        raise DomainError(ErrorCode.WEAK_PASSWORD, PASSWORD_POLICY, field="password")
