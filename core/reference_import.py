"""Loading lists of employers, schools and majors (demo data, or an operator's file).

Idempotent: a row already present (the same code, or the same name) is left as it is,
so loading twice, or after people have renamed employers through requests, changes
nothing. Every code is checked as a request's would be: a file with a wrong check digit
is refused, not half loaded.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from core.credit_codes import (
    embedded_organisation_code,
    validate_credit_code,
    validate_organisation_code,
)
from core.errors import DomainError, ErrorCode
from core.models import Employer, EmployerNature, Major, MajorLevel, School, SchoolLevel
from core.names import clean_name, name_key


async def import_employers(records: Iterable[Mapping[str, Any]]) -> int:
    """Add the employers not yet listed; return how many were added."""
    rows = []
    for record in records:
        name = clean_name(str(record["name"]), field="name", label="单位名称")
        credit_code = (
            validate_credit_code(record["credit_code"]) if record.get("credit_code") else None
        )
        organisation_code = (
            validate_organisation_code(record["organisation_code"])
            if record.get("organisation_code")
            else None
        )
        if credit_code:
            embedded = embedded_organisation_code(credit_code)
            if organisation_code and organisation_code != embedded:
                raise DomainError(
                    ErrorCode.INVALID_CREDIT_CODE,
                    f"{name}: 组织机构代码与统一社会信用代码不符",
                    field="organisation_code",
                )
            organisation_code = embedded
        if not (credit_code or organisation_code):
            raise DomainError(ErrorCode.INVALID_INPUT, f"{name}: 缺少单位代码", field="credit_code")
        rows.append(
            Employer(
                name=name,
                name_key=name_key(name),
                credit_code=credit_code,
                organisation_code=organisation_code,
                nature=EmployerNature(record.get("nature") or EmployerNature.ENTERPRISE),
                phone=str(record.get("phone") or ""),
                district=record.get("district"),
            )
        )
    added = 0
    async with in_transaction():
        for row in rows:
            match = Q(organisation_code=row.organisation_code) if row.organisation_code else Q()
            if row.credit_code:
                match = Q(credit_code=row.credit_code) | match
            if await Employer.filter(match).exists():
                continue
            await row.save()
            added += 1
    return added


async def import_schools(records: Iterable[Mapping[str, Any]]) -> int:
    added = 0
    async with in_transaction():
        for record in records:
            name = clean_name(str(record["name"]), field="name", label="院校名称")
            key = name_key(name)
            code = record.get("code") or None
            match = Q(name_key=key) | Q(code=code) if code else Q(name_key=key)
            if await School.filter(match).exists():
                continue
            await School.create(
                name=name,
                name_key=key,
                code=code,
                level=SchoolLevel(record.get("level") or SchoolLevel.UNDERGRADUATE),
                province=str(record.get("province") or ""),
            )
            added += 1
    return added


async def import_majors(records: Iterable[Mapping[str, Any]]) -> int:
    added = 0
    async with in_transaction():
        for record in records:
            name = clean_name(str(record["name"]), field="name", label="专业名称")
            key = name_key(name)
            level = MajorLevel(record.get("level") or MajorLevel.BACHELOR)
            if await Major.filter(name_key=key, level=level).exists():
                continue
            await Major.create(
                name=name,
                name_key=key,
                level=level,
                discipline=str(record.get("discipline") or ""),
                code=record.get("code") or None,
            )
            added += 1
    return added
