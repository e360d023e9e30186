"""Per-request DataLoaders: one query per list, however many applications are shown."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from functools import cached_property

from strawberry.dataloader import DataLoader

from core.fixed_sql import Statement, fetch, instance
from core.models import Employer, FamilyMember, Material, ReviewEvent, User
from core.models.cards import HouseholdCard

# A fixed statement (core/fixed_sql.py): an application detail asks for this every time.
_MEMBERS_READ = Statement(
    lambda kind: (
        "SELECT * FROM family_members WHERE application_id "
        + ("= ANY($1)" if kind == "postgres" else "IN ({in})")
        + " ORDER BY id"
    )
)


async def _members(application_ids: Sequence[int]) -> list[list[FamilyMember]]:
    grouped: dict[int, list[FamilyMember]] = defaultdict(list)
    for row in await fetch(FamilyMember, _MEMBERS_READ, list(application_ids)):
        grouped[row["application_id"]].append(instance(FamilyMember, row))
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
    """Created in ``build_context``, never shared between requests. Each loader is made
    on first use: most requests use none or one of them."""

    @cached_property
    def family_members(self) -> DataLoader[int, list[FamilyMember]]:
        return DataLoader(load_fn=_members)

    @cached_property
    def materials(self) -> DataLoader[int, list[Material]]:
        return DataLoader(load_fn=_materials)

    # The review lifecycle: history, card, employer and applicant of each application.
    @cached_property
    def review_events(self) -> DataLoader[int, list[ReviewEvent]]:
        return DataLoader(load_fn=_events)

    @cached_property
    def cards(self) -> DataLoader[int, HouseholdCard | None]:
        return DataLoader(load_fn=_cards)

    @cached_property
    def employers(self) -> DataLoader[int, Employer | None]:
        return DataLoader(load_fn=_employers)

    @cached_property
    def users(self) -> DataLoader[int, User | None]:
        return DataLoader(load_fn=_users)
