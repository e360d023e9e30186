"""Reading skill certificates from the government shared database, by identity number."""

from __future__ import annotations

from core.hookspecs import CategoryFacts
from core.shared_data import SharedDataSource
from plugins.skill.conditions import CATEGORY_ID
from plugins.skill.facts import SKILL_KIND, SkillCertificate, SkillFacts


async def read_skills(source: SharedDataSource, id_number: str) -> CategoryFacts:
    found = await source.records(id_number, SKILL_KIND)
    facts = SkillFacts.of(SkillCertificate.from_data(r.certificate_number, r.data) for r in found)
    return CategoryFacts(category_id=CATEGORY_ID, facts=facts, found=bool(facts.records))
