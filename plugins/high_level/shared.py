"""Reading talent recognitions from the government shared database, by identity number."""

from __future__ import annotations

from core.hookspecs import CategoryFacts
from core.shared_data import SharedDataSource
from plugins.high_level.conditions import CATEGORY_ID
from plugins.high_level.facts import RECOGNITION_KIND, HighLevelFacts, Recognition


async def read_recognitions(source: SharedDataSource, id_number: str) -> CategoryFacts:
    found = await source.records(id_number, RECOGNITION_KIND)
    facts = HighLevelFacts.of(Recognition.from_data(r.certificate_number, r.data) for r in found)
    return CategoryFacts(category_id=CATEGORY_ID, facts=facts, found=bool(facts.records))
