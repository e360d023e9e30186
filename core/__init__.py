"""Core of the talent-introduction household-registration service (引进在职人才入户).

Core owns users, sessions, policy years, applications and their review; it knows no
talent category by name. Categories arrive as pluggy plugins that import the marker
from here: ``from core import hookimpl``.
"""

from __future__ import annotations

import pluggy

PROJECT_NAME = "talent"

hookimpl = pluggy.HookimplMarker(PROJECT_NAME)
hookspec = pluggy.HookspecMarker(PROJECT_NAME)

__all__ = ["PROJECT_NAME", "hookimpl", "hookspec"]
