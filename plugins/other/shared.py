"""Reading units' certificates from the government shared database, by identity number."""

from __future__ import annotations

from core.hookspecs import CategoryFacts
from core.shared_data import SharedDataSource
from plugins.other.conditions import CATEGORY_ID
from plugins.other.facts import OTHER_KIND, OtherFacts, UnitCertificate


async def read_certificates(source: SharedDataSource, id_number: str) -> CategoryFacts:
    found = await source.records(id_number, OTHER_KIND)
    facts = OtherFacts.of(UnitCertificate.from_data(r.certificate_number, r.data) for r in found)
    return CategoryFacts(category_id=CATEGORY_ID, facts=facts, found=bool(facts.records))
