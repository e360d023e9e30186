"""What each section of the dossier expects, and what is still missing from it.

Pure functions over a :class:`~core.dossier.Dossier` read once: the values each form
section takes (checked for shape when saved), the materials each section asks for (the
checklist), and the problems that keep the application from being submitted. The
qualification section's rules belong to the category plugins; everything here is common
to every category.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from core.categories import MaterialRequirement
from core.districts import DISTRICTS
from core.errors import DomainError, ErrorCode
from core.facts import age_on
from core.hookspecs import Problem
from core.ids import parse_id
from core.materials import (
    ADDRESS_TYPES,
    CORE_KINDS,
    HOUSEHOLD_REGISTER,
    ID_CARD,
    OTHER,
    RELATIONSHIPS,
)
from core.models import Employer
from core.validation import normalise_mobile

if TYPE_CHECKING:
    from core.dossier import Dossier
    from core.models import FamilyMember

SECTIONS: dict[str, str] = {
    "qualification": "入户资格",
    "personal": "个人信息",
    "settlement": "入户信息",
    "family": "随迁人员",
    "supplementary": "补充材料",
}
# Sections saved as a form; family members are rows of their own.
FORM_SECTIONS = ("qualification", "personal", "settlement", "supplementary")

PERSONAL_REQUIRED = {
    "gender": "性别",
    "ethnicity": "民族",
    "household_register_address": "户籍地址",
    "employer_id": "引进单位",
}
SETTLEMENT_REQUIRED = {"address_type": "落户地址类型", "district": "落户区", "address": "落户地址"}
# 直系亲属产权房: whose property it is, and how they are related to the applicant.
RELATIVE_REQUIRED = {"property_owner": "房产权利人姓名", "owner_relationship": "与房产权利人的关系"}
DIRECT_RELATIVES = ("父母", "配偶", "子女", "祖父母", "外祖父母", "配偶父母")
PERSONAL_KINDS = frozenset({ID_CARD.kind, HOUSEHOLD_REGISTER.kind})
SETTLEMENT_KINDS = frozenset(m.kind for _, needed in ADDRESS_TYPES.values() for m in needed)
ADULT_AGE = 18

# A section's values are a small form: bound what one save may store.
MAX_KEYS = 60
MAX_TEXT = 500


def _text(value: str) -> str:
    """Keep every character (rare ones included) but in one Unicode form."""
    return unicodedata.normalize("NFC", value).strip()


def clean(values: Mapping[str, Any]) -> dict[str, Any]:
    """A section's values as stored: identifier keys, plain JSON values, bounded text."""
    if len(values) > MAX_KEYS:
        raise DomainError(
            ErrorCode.INVALID_INPUT, f"字段过多（最多 {MAX_KEYS} 项）", field="values"
        )
    cleaned: dict[str, Any] = {}
    for key, value in values.items():
        if not isinstance(key, str) or not key.isidentifier() or len(key) > 64:
            raise DomainError(ErrorCode.INVALID_INPUT, f"字段名 {key!r} 无效", field="values")
        if isinstance(value, str):
            value = _text(value)
            if len(value) > MAX_TEXT:
                raise DomainError(
                    ErrorCode.INVALID_INPUT, f"{key} 不能超过 {MAX_TEXT} 个字", field=key
                )
        elif value is not None and not isinstance(value, int | float | bool):
            raise DomainError(
                ErrorCode.INVALID_INPUT, f"字段 {key} 的值应为文字、数字或是否", field=key
            )
        cleaned[key] = value
    return cleaned


def _blank(value: Any) -> bool:
    return value is None or value == ""


# Checks when a section is saved: malformed values are refused, gaps are kept. ---------


async def check_personal(values: dict[str, Any]) -> dict[str, Any]:
    if not _blank(values.get("gender")) and values["gender"] not in ("男", "女"):
        raise DomainError(ErrorCode.INVALID_INPUT, "性别应为男或女", field="gender")
    if not _blank(values.get("mobile")):
        values["mobile"] = normalise_mobile(str(values["mobile"]))
    if not _blank(values.get("employer_id")):
        employer_id = parse_id(values["employer_id"])
        if employer_id is None:
            raise DomainError(ErrorCode.INVALID_INPUT, "引进单位无效", field="employer_id")
        if not await Employer.filter(id=employer_id).exists():
            # FAQ 5: the employer is chosen from the search, never typed by hand.
            raise DomainError(
                ErrorCode.INVALID_INPUT,
                "请通过搜索选择引进单位，不支持手动录入",
                field="employer_id",
            )
        values["employer_id"] = employer_id
    return values


def check_settlement(values: dict[str, Any]) -> dict[str, Any]:
    kind = values.get("address_type")
    if not _blank(kind) and kind not in ADDRESS_TYPES:
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            "落户地址类型应为 own_property（本人产权房）、relative_property（直系亲属产权房）"
            "或 collective_household（单位集体户）",
            field="address_type",
        )
    district = values.get("district")
    if not _blank(district) and district not in DISTRICTS:
        raise DomainError(ErrorCode.INVALID_INPUT, f"{district} 不是广州市的区", field="district")
    relationship = values.get("owner_relationship")
    if not _blank(relationship) and relationship not in DIRECT_RELATIVES:
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            f"与房产权利人的关系应为{'、'.join(DIRECT_RELATIVES)}之一",
            field="owner_relationship",
        )
    return values


# The materials each section asks for ----------------------------------------------------


@dataclass(frozen=True)
class MaterialCheck:
    """One line of a section's material checklist: what to upload and whether it is there."""

    section: str
    requirement: MaterialRequirement
    provided: bool
    family_member_id: int | None = None


def qualification_requirements(dossier: Dossier) -> tuple[MaterialRequirement, ...]:
    """The condition's certificates; none on the fast track (shared data proved them).

    Kinds core owns (the household register) are asked for by the personal section.
    """
    if dossier.application.fast_track:
        return ()
    core_kinds = {m.kind for m in CORE_KINDS}
    return tuple(m for m in dossier.condition.spec.materials if m.kind not in core_kinds)


def settlement_requirements(dossier: Dossier) -> tuple[MaterialRequirement, ...]:
    kind = dossier.values("settlement").get("address_type")
    return ADDRESS_TYPES[kind][1] if kind in ADDRESS_TYPES else ()


def checklist(dossier: Dossier) -> list[MaterialCheck]:
    applicant = dossier.applicant_kinds()
    rows = [
        MaterialCheck("qualification", m, m.kind in applicant)
        for m in qualification_requirements(dossier)
    ]
    rows += [
        MaterialCheck("personal", m, m.kind in applicant) for m in (ID_CARD, HOUSEHOLD_REGISTER)
    ]
    rows += [
        MaterialCheck("settlement", m, m.kind in applicant)
        for m in settlement_requirements(dossier)
    ]
    for member in dossier.members:
        kinds = dossier.member_kinds(member)
        rows += [
            MaterialCheck("family", m, m.kind in kinds, member.id)
            for m in RELATIONSHIPS[member.relationship][1]
        ]
    rows.append(MaterialCheck("supplementary", OTHER, OTHER.kind in applicant))
    return rows


def section_of_material(dossier: Dossier, kind: str, family_member_id: int | None) -> str:
    """Where the confirmation page shows a material."""
    if family_member_id is not None:
        return "family"
    if kind in PERSONAL_KINDS:
        return "personal"
    if kind in {m.kind for m in dossier.condition.spec.materials}:
        return "qualification"
    if kind in SETTLEMENT_KINDS:
        return "settlement"
    return "supplementary"


# What is missing ---------------------------------------------------------------------


def _missing_materials(rows: list[MaterialCheck], member_names: Mapping[int, str]) -> list[Problem]:
    problems = []
    for row in rows:
        if row.provided or not row.requirement.required:
            continue
        whose = member_names.get(row.family_member_id, "") if row.family_member_id else ""
        problems.append(
            Problem(
                row.section,
                "MATERIAL_MISSING",
                f"请上传{whose + '的' if whose else ''}{row.requirement.label}",
                material_kind=row.requirement.kind,
                family_member_id=row.family_member_id,
            )
        )
    return problems


def _required(section: str, values: Mapping[str, Any], labels: Mapping[str, str]) -> list[Problem]:
    return [
        Problem(section, "REQUIRED", f"请填写{label}", name)
        for name, label in labels.items()
        if _blank(values.get(name))
    ]


def personal_problems(dossier: Dossier) -> list[Problem]:
    values = dossier.values("personal")
    problems = _required("personal", values, PERSONAL_REQUIRED)
    # The 17th digit of the identity number is odd for men (GB 11643).
    gender = "男" if int(dossier.applicant.id_number[16]) % 2 else "女"
    if values.get("gender") in ("男", "女") and values["gender"] != gender:
        problems.append(Problem("personal", "INVALID", "性别与身份证号码不一致", "gender"))
    typed = str(values.get("id_number") or "").upper()
    if typed and typed != dossier.applicant.id_number:
        problems.append(
            Problem("personal", "INVALID", "身份证号码与登录账号的身份不一致", "id_number")
        )
    return problems + _someone_elses_documents(dossier)


def _someone_elses_documents(dossier: Dossier) -> list[Problem]:
    """The applicant's identity card or register page showing another identity number.

    Only a number recognition offered counts: it passed its check digit, so a misread
    is all but ruled out, and a photo of the wrong person's card is caught before the
    district sees it. A photo read by hand (取消识别) is the reviewer's to compare.
    """
    problems = []
    for material in dossier.materials:
        if material.family_member_id is not None or material.kind not in PERSONAL_KINDS:  # type: ignore[attr-defined]
            continue
        found = (material.ocr_fields or {}).get("id_number") or {}
        number = str(found.get("value") or "").upper()
        if found.get("offered") and number and number != dossier.applicant.id_number:
            label = ID_CARD.label if material.kind == ID_CARD.kind else HOUSEHOLD_REGISTER.label
            problems.append(
                Problem(
                    "personal",
                    "INVALID",
                    f"上传的{label}上的身份证号码不是申办人本人的，请上传本人的证件",
                    material_kind=material.kind,
                )
            )
    return problems


def settlement_problems(dossier: Dossier) -> list[Problem]:
    values = dossier.values("settlement")
    problems = _required("settlement", values, SETTLEMENT_REQUIRED)
    if values.get("address_type") == "relative_property":
        problems += _required("settlement", values, RELATIVE_REQUIRED)
    return problems


def family_problems(dossier: Dossier, on: date) -> list[Problem]:
    problems = []
    if not dossier.saved("family"):
        problems.append(Problem("family", "REQUIRED", "请确认随迁人员（无随迁人员时点击下一步）"))
    for member in dossier.members:
        if member.relationship == "child" and _adult(member, on):
            problems.append(
                Problem(
                    "family",
                    "NOT_ELIGIBLE",
                    f"{member.real_name}已满 {ADULT_AGE} 周岁，不能作为随迁子女",
                    family_member_id=member.id,
                )
            )
    return problems


def _adult(member: FamilyMember, on: date) -> bool:
    return member.birth_date is not None and age_on(member.birth_date, on) >= ADULT_AGE


def supplementary_problems(dossier: Dossier) -> list[Problem]:
    """其他材料 must say what it is (FAQ 13: the kind for anything the lists lack)."""
    return [
        Problem(
            "supplementary",
            "INVALID",
            f"请说明其他材料“{m.filename or m.id}”的名称",
            "label",
            material_kind=OTHER.kind,
        )
        for m in dossier.materials
        if m.kind == OTHER.kind and not m.label.strip()
    ]


def common_problems(dossier: Dossier, on: date) -> list[Problem]:
    """Every problem but the category plugin's own checks of the qualification."""
    problems = personal_problems(dossier)
    problems += settlement_problems(dossier)
    problems += family_problems(dossier, on)
    problems += supplementary_problems(dossier)
    names = {m.id: m.real_name for m in dossier.members}
    problems += _missing_materials(checklist(dossier), names)
    return problems
