"""The GraphQL schema, assembled at start-up from core's types and the plugins' ones."""

from __future__ import annotations

from schema.build import build_schema

__all__ = ["build_schema"]
