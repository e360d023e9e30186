"""Reading titles from the government shared database, by identity number."""

from __future__ import annotations

from core.hookspecs import CategoryFacts
from core.shared_data import SharedDataSource
from plugins.title.conditions import CATEGORY_ID
from plugins.title.facts import TITLE_KIND, TitleFacts, TitleRecord


async def read_titles(source: SharedDataSource, id_number: str) -> CategoryFacts:
    found = await source.records(id_number, TITLE_KIND)
    facts = TitleFacts.of(TitleRecord.from_data(r.certificate_number, r.data) for r in found)
    return CategoryFacts(category_id=CATEGORY_ID, facts=facts, found=bool(facts.records))
