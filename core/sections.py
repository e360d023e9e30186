"""How a form section's saved values sit in ``Application.sections``.

``{"qualification": {"values": {...}, "savedAt": "<iso time>", "source": ...}, ...}``:
each section keeps what was typed with when it was saved (and, for the qualification,
where the values came from). Everything that reads or writes that shape goes through
here.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any


def entry(values: Mapping[str, Any], saved_at: datetime, **extra: Any) -> dict[str, Any]:
    """A section as stored: its values, when they were saved, and ``extra`` keys."""
    return {"values": dict(values), "savedAt": saved_at.isoformat(), **extra}


def values_of(sections: Mapping[str, Any] | None, name: str) -> dict[str, Any]:
    """The saved values of section ``name`` (empty when it was never saved)."""
    stored = (sections or {}).get(name) or {}
    return dict(stored.get("values") or {})


def all_values(sections: Mapping[str, Any] | None) -> dict[str, dict[str, Any]]:
    """Each saved section's values, by section name."""
    return {name: values_of(sections, name) for name in sections or {}}


def saved_at(sections: Mapping[str, Any] | None, name: str) -> datetime | None:
    """When section ``name`` was last saved (None: never)."""
    stored = (sections or {}).get(name) or {}
    return datetime.fromisoformat(stored["savedAt"]) if stored.get("savedAt") else None


def source_of(sections: Mapping[str, Any] | None, name: str) -> Any:
    """Where section ``name``'s values came from, if it says (the qualification does)."""
    return ((sections or {}).get(name) or {}).get("source")
