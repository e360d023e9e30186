"""Per-request DataLoaders: one query per list, however many applications are shown."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from strawberry.dataloader import DataLoader

from core.models import Employer, FamilyMember, Material, ReviewEvent, User
from core.models.cards import HouseholdCard


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


async def _events(application_ids: Sequence[int]) -> list[list[ReviewEvent]]:
    grouped: dict[int, list[ReviewEvent]] = defaultdict(list)
    for row in await ReviewEvent.filter(application_id__in=list(application_ids)).order_by("id"):
        grouped[row.application_id].append(row)  # type: ignore[attr-defined]
    return [grouped[i] for i in application_ids]


async def _cards(application_ids: Sequence[int]) -> list[HouseholdCard | None]:
    rows = await HouseholdCard.filter(application_id__in=list(application_ids))
    by_application = {row.application_id: row for row in rows}  # type: ignore[attr-defined]
    return [by_application.get(i) for i in application_ids]


async def _employers(ids: Sequence[int]) -> list[Employer | None]:
    by_id = {row.id: row for row in await Employer.filter(id__in=list(ids))}
    return [by_id.get(i) for i in ids]


async def _users(ids: Sequence[int]) -> list[User | None]:
    by_id = {row.id: row for row in await User.filter(id__in=list(ids))}
    return [by_id.get(i) for i in ids]


class Loaders:
    """Created in ``build_context``, never shared between requests."""

    def __init__(self) -> None:
        self.family_members = DataLoader(load_fn=_members)
        self.materials = DataLoader(load_fn=_materials)
        # The review lifecycle: history, card, employer and applicant of each application.
        self.review_events = DataLoader(load_fn=_events)
        self.cards = DataLoader(load_fn=_cards)
        self.employers = DataLoader(load_fn=_employers)
        self.users = DataLoader(load_fn=_users)
