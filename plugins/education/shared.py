"""Reading education records from the government shared database (政府共享数据库).

Degrees and diplomas are found only by the certificate numbers the applicant typed in the
one-click test ("跳过" leaves them unknown). A number that leads to someone else's record
is ignored, and noted so the reasons can say so.
"""

from __future__ import annotations

from collections.abc import Mapping

from core.hookspecs import CategoryFacts
from core.shared_data import SharedDataSource, SharedRecord
from plugins.education.conditions import CATEGORY_ID
from plugins.education.facts import (
    DEGREE_KIND,
    DEGREE_NUMBER,
    DIPLOMA_KIND,
    DIPLOMA_NUMBER,
    OVERSEAS_DEGREE_KIND,
    EducationFacts,
    EducationRecord,
    parse_record,
)

# Which record kinds a typed number is looked up in.
_KINDS_BY_KEY = {
    DIPLOMA_NUMBER: (DIPLOMA_KIND,),
    DEGREE_NUMBER: (DEGREE_KIND, OVERSEAS_DEGREE_KIND),
}


def clean_number(value: str | None) -> str:
    return (value or "").strip().upper()


def _same_person(record: SharedRecord, id_number: str) -> bool:
    return record.id_number.strip().upper() == id_number.strip().upper()


async def read_education(
    source: SharedDataSource, id_number: str, certificate_numbers: Mapping[str, str]
) -> CategoryFacts:
    records: list[EducationRecord] = []
    looked_up: set[str] = set()
    foreign: set[str] = set()
    for key, kinds in _KINDS_BY_KEY.items():
        number = clean_number(certificate_numbers.get(key))
        if not number:
            continue
        looked_up.add(key)
        for kind in kinds:
            found = await source.by_certificate(kind, number)
            if found is None:
                continue
            if not _same_person(found, id_number):
                foreign.add(key)
                continue
            records.append(parse_record(kind, found.certificate_number or number, found.data))
    facts = EducationFacts.of(records, looked_up=looked_up, foreign=foreign)
    return CategoryFacts(category_id=CATEGORY_ID, facts=facts, found=bool(facts.records))
