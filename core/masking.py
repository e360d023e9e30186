"""Masking personal data (脱敏) in what the service shows.

Who sees a whole value: the person it belongs to, and whoever handles their case
(the district's reviewer, the employer's administrator) when they open that one case,
a read the audit log records. Everyone else, and every list, gets the masked form:

- identity numbers (身份证号码) keep the six-digit region and the last four characters:
  ``440106********0318`` (the shape government systems print on receipts);
- mobiles (手机号码) keep the operator prefix and the last four digits: ``139****5678``;
- names (姓名) keep their first character: ``张*``, ``欧***`` (a compound surname is
  masked too: which names have one cannot be told from the text).

The district reviewer's work queue shows full names (the case is theirs to call by
name), masked numbers. Masking is applied once, where the GraphQL layer builds its
objects, with :func:`mask_id_number`, :func:`mask_mobile`, :func:`mask_name` or
:func:`mask_values` for a form section's free-form values.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

MASK = "*"

# Keys of a dossier section's values (core/dossier_checks.py) holding personal numbers.
_ID_KEYS = frozenset({"id_number", "idNumber", "spouse_id_number", "owner_id_number"})
_MOBILE_KEYS = frozenset({"mobile", "phone", "contact_mobile", "contactMobile"})


def _keep(text: str, head: int, tail: int) -> str:
    """``text`` with everything but ``head`` leading and ``tail`` trailing characters masked."""
    if not text:
        return text
    if len(text) <= head + tail:
        # Too short to keep both ends without giving it all away: keep only the head.
        return text[: min(head, max(len(text) - 1, 0))] + MASK * max(len(text) - head, 1)
    return text[:head] + MASK * (len(text) - head - tail) + text[len(text) - tail :]


def mask_id_number(value: str) -> str:
    """``440106199001010318`` → ``440106********0318``."""
    return _keep(value, 6, 4)


def mask_mobile(value: str) -> str:
    """``13912345678`` → ``139****5678``."""
    return _keep(value, 3, 4)


def mask_name(value: str) -> str:
    """``张三`` → ``张*``, ``欧阳娜娜`` → ``欧***``: the first character stays."""
    if not value:
        return value
    return value[0] + MASK * max(len(value) - 1, 1)


def mask_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """A form section's values with identity numbers and mobiles masked, the rest as is."""
    masked: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, str) and key in _ID_KEYS:
            masked[key] = mask_id_number(value)
        elif isinstance(value, str) and key in _MOBILE_KEYS:
            masked[key] = mask_mobile(value)
        else:
            masked[key] = value
    return masked


def shown(value: str, *, whole: bool, mask: Callable[[str], str] = mask_id_number) -> str:
    """``value`` itself for a viewer who may see it whole, else its masked form."""
    return value if whole else mask(value)


def mask_ocr_fields(recognised: Mapping[str, Any]) -> dict[str, Any]:
    """A material's recognised fields (``{name: {value, raw, ...}}``) with the identity
    numbers and mobiles read from the photo masked, value and raw text alike."""
    masked: dict[str, Any] = {}
    for name, found in recognised.items():
        mask = mask_id_number if name in _ID_KEYS else mask_mobile if name in _MOBILE_KEYS else None
        if mask is not None and isinstance(found, Mapping):
            masked[name] = {
                k: mask(v) if k in ("value", "raw") and isinstance(v, str) else v
                for k, v in found.items()
            }
        else:
            masked[name] = found
    return masked
