"""Assemble one strawberry schema from core's operations and the plugins' contributions."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types

from core.plugins import PluginConflictError, PluginRegistry
from core.settings import Settings
from schema.accounts import AccountMutation, AccountQuery
from schema.applications import ApplicationMutation, ApplicationQuery
from schema.audit import AuditQuery
from schema.cards import CardMutation, CardQuery
from schema.eligibility import EligibilityMutation, EligibilityQuery
from schema.errors import is_unexpected
from schema.executor import PlainFieldExecutor
from schema.lifecycle import LifecycleMutation, LifecycleQuery
from schema.limits import Limits
from schema.materials import MaterialMutation, MaterialQuery
from schema.operation import Pipeline, TalentSchema
from schema.organisations import OrganisationMutation, OrganisationQuery
from schema.policy import PolicyMutation, PolicyQuery
from schema.reference import ReferenceQuery
from schema.review import ReviewMutation, ReviewQuery
from schema.subscriptions import Subscription

CORE_QUERY_TYPES: tuple[type[Any], ...] = (
    AccountQuery,
    PolicyQuery,
    EligibilityQuery,
    ApplicationQuery,
    MaterialQuery,
    ReferenceQuery,
    LifecycleQuery,
    ReviewQuery,
    OrganisationQuery,
    CardQuery,
    AuditQuery,
)
CORE_MUTATION_TYPES: tuple[type[Any], ...] = (
    AccountMutation,
    PolicyMutation,
    EligibilityMutation,
    ApplicationMutation,
    MaterialMutation,
    LifecycleMutation,
    ReviewMutation,
    OrganisationMutation,
    CardMutation,
)


def _merge(name: str, types: tuple[type[Any], ...]) -> type[Any]:
    """``merge_types`` only warns on overlapping fields; a clash must stop start-up."""
    owner: dict[str, str] = {}
    for t in types:
        for f in t.__strawberry_definition__.fields:
            key = f.graphql_name or f.python_name
            if key in owner:
                raise PluginConflictError(
                    f"{name}.{key} is contributed by both {owner[key]} and {t.__qualname__}"
                )
            owner[key] = t.__qualname__
    return merge_types(name, types)


def build_schema(registry: PluginRegistry, settings: Settings | None = None) -> strawberry.Schema:
    """The schema; ``settings`` set the query limits (schema/limits.py), whose defaults
    apply without them."""
    query = _merge("Query", CORE_QUERY_TYPES + registry.query_types)
    mutation = _merge("Mutation", CORE_MUTATION_TYPES + registry.mutation_types)
    limits = Limits.from_settings(settings or Settings())
    return TalentSchema(
        query=query,
        mutation=mutation,
        subscription=Subscription,
        types=list(registry.graphql_types),
        config=StrawberryConfig(disable_field_suggestions=not limits.field_suggestions),
        # Parsing and validation from caches with the query limits, error masking and
        # latency, for every operation (schema/operation.py).
        pipeline=Pipeline(limits, is_unexpected),
        execution_context_class=PlainFieldExecutor,
    )
