"""Per-request DataLoaders: one query per list, however many applications are shown."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from strawberry.dataloader import DataLoader

from core.models import FamilyMember, Material


async def _members(application_ids: Sequence[int]) -> list[list[FamilyMember]]:
    grouped: dict[int, list[FamilyMember]] = defaultdict(list)
    for row in await FamilyMember.filter(application_id__in=list(application_ids)).order_by("id"):
        grouped[row.application_id].append(row)  # type: ignore[attr-defined]
    return [grouped[i] for i in application_ids]


async def _materials(application_ids: Sequence[int]) -> list[list[Material]]:
    grouped: dict[int, list[Material]] = defaultdict(list)
    for row in await Material.filter(application_id__in=list(application_ids)).order_by("id"):
        grouped[row.application_id].append(row)  # type: ignore[attr-defined]
    return [grouped[i] for i in application_ids]


class Loaders:
    """Created in ``build_context``, never shared between requests."""

    def __init__(self) -> None:
        self.family_members = DataLoader(load_fn=_members)
        self.materials = DataLoader(load_fn=_materials)
