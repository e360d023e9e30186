"""The plugin manager and the frozen registry of everything plugins contribute.

Collect, check, freeze: at start-up every plugin's categories and GraphQL types are
gathered once, duplicates stop the start, and requests only read the result.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, cast

import pluggy

from core import PROJECT_NAME, hookspecs
from core.categories import CategorySpec
from core.errors import DomainError, ErrorCode

ENTRYPOINT_GROUP = "talent.plugins"


class PluginConflictError(RuntimeError):
    """Two plugins contribute the same name; raised at start-up, never at request time."""


def build_plugin_manager(
    modules: Iterable[str] = (),
    *,
    load_entrypoints: bool = True,
    extra: Iterable[object] = (),
) -> pluggy.PluginManager:
    """Register the built-in plugins by module name, then external ones by entry point."""
    pm = pluggy.PluginManager(PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    for name in modules:
        pm.register(importlib.import_module(name), name=name)
    if load_entrypoints:
        pm.load_setuptools_entrypoints(ENTRYPOINT_GROUP)
    for plugin in extra:
        pm.register(plugin)
    return pm


@dataclass(frozen=True)
class PluginRegistry:
    """What the plugins contributed, checked and frozen."""

    plugin_manager: pluggy.PluginManager
    categories: tuple[CategorySpec, ...]
    plugin_of_category: Mapping[str, object]
    graphql_types: tuple[type[Any], ...]
    query_types: tuple[type[Any], ...]
    mutation_types: tuple[type[Any], ...]

    def category(self, category_id: str) -> CategorySpec:
        for c in self.categories:
            if c.id == category_id:
                return c
        raise DomainError(ErrorCode.UNKNOWN_CATEGORY, f"没有类别 {category_id}", field="categoryId")

    def hook_without(self, name: str, category_ids: Iterable[str]) -> Any:
        """The hook caller ``name`` narrowed to plugins whose categories are not listed."""
        remove = {self.plugin_of_category[c] for c in category_ids}
        if not remove:
            return getattr(self.plugin_manager.hook, name)
        return self.plugin_manager.subset_hook_caller(name, remove_plugins=remove)


def collect(pm: pluggy.PluginManager) -> PluginRegistry:
    categories: dict[str, CategorySpec] = {}
    plugin_of: dict[str, object] = {}
    for impl in pm.hook.register_categories.get_hookimpls():
        specs = cast(list[CategorySpec], impl.function() or [])
        for spec in specs:
            if spec.id in categories:
                raise PluginConflictError(
                    f"category {spec.id!r} is registered by both "
                    f"{pm.get_name(plugin_of[spec.id])} and {impl.plugin_name}"
                )
            condition_ids = [c.id for c in spec.conditions]
            if len(set(condition_ids)) != len(condition_ids):
                raise PluginConflictError(f"category {spec.id!r} repeats a condition id")
            categories[spec.id] = spec
            plugin_of[spec.id] = impl.plugin
    ordered = tuple(sorted(categories.values(), key=lambda c: (c.order, c.id)))
    return PluginRegistry(
        plugin_manager=pm,
        categories=ordered,
        plugin_of_category=MappingProxyType(plugin_of),
        graphql_types=_flatten(pm.hook.register_graphql_types()),
        query_types=_flatten(pm.hook.register_query_types()),
        mutation_types=_flatten(pm.hook.register_mutation_types()),
    )


def _flatten(results: Iterable[list[type[Any]] | None]) -> tuple[type[Any], ...]:
    return tuple(t for result in results for t in (result or []))
