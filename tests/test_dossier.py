"""The dossier (填报) over GraphQL: sections, family members, materials, confirmation, submission.

The clock stands at noon on 2026-11-22 in Guangzhou; demo people come from
core/demo_data. Recognition (OCR) is off: these tests upload generated photos whose
content nobody reads; tests/test_materials.py covers recognition.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from tortoise import connections

from core.clock import ManualClock
from core.models import Application, AuditLog, Employer, EmployerNature, Material, ReviewEvent
from core.settings import Settings
from tests.conftest import FACE_SECRET, SECRET
from tests.graphql import GraphQLClient
from tests.people import Applicant, applicant, load_shared_data, person
from tests.plugins.plugin_helpers import id_number_for
from tests.uploads import UPLOAD, tiny_png, upload

NOON_2026_11_22 = datetime(2026, 11, 22, 4, 0, tzinfo=UTC)

PROBLEM = "section code message field materialKind familyMemberId"
CONFIRMATION = f"""
  ... on Confirmation {{
    canSubmit conditionTitle
    condition {{ id parameters {{ name value }} }}
    application {{ id state fastTrack sections }}
    sections {{ section title saved source values complete
      materials {{ id kind familyMemberId label }}
      checklist {{ requirement {{ kind label required }} provided familyMemberId }}
      problems {{ {PROBLEM} }} }}
    familyMembers {{ id relationship realName birthDate }}
    problems {{ {PROBLEM} }} }}
  ... on OperationError {{ code message field details }}"""

SAVE = f"""mutation($a: ID!, $s: DossierSection!, $v: JSON) {{
  saveSection(applicationId: $a, section: $s, values: $v) {{ __typename {CONFIRMATION} }} }}"""
CONFIRM = (
    f"""query($a: ID!) {{ applicationConfirmation(id: $a) {{ __typename {CONFIRMATION} }} }}"""
)
REFETCH = f"""mutation($a: ID!, $v: ID!, $n: [CertificateNumberInput!]) {{
  refetchQualification(applicationId: $a, verificationId: $v, certificateNumbers: $n) {{
    __typename {CONFIRMATION} }} }}"""
MEMBER = """
  ... on FamilyMember { id relationship relationshipLabel realName idNumber birthDate details }
  ... on OperationError { code message field }"""
ADD_MEMBER = f"""mutation($a: ID!, $i: FamilyMemberInput!) {{
  addFamilyMember(applicationId: $a, input: $i) {{ __typename {MEMBER} }} }}"""
UPDATE_MEMBER = f"""mutation($m: ID!, $i: FamilyMemberInput!) {{
  updateFamilyMember(memberId: $m, input: $i) {{ __typename {MEMBER} }} }}"""
REMOVE_MEMBER = """mutation($m: ID!) { removeFamilyMember(memberId: $m) {
  __typename ... on Application { id familyMembers { id } materials { id } }
  ... on OperationError { code } } }"""
SUBMIT = """mutation($a: ID!) { submitApplication(applicationId: $a) {
  __typename
  ... on Application { id state submittedAt parametersSnapshot }
  ... on OperationError { code message details } } }"""
APPLICATION = """query($a: ID!) { application(id: $a) {
  __typename ... on Application { id state sections }
  ... on OperationError { code } } }"""

BACHELOR = {
    "diploma_level": "bachelor",
    "study_mode": "full_time",
    "institution": "福州大学",
    "major": "土木工程",
    "graduated_on": "2012-06-30",
    "diploma_number": "103861201205000001",
    "degree_level": "bachelor",
    "degree_number": "1038642012000001",
    "degree_awarded_on": "2012-06-30",
}
SPOUSE_ID = id_number_for(date(1989, 3, 3), sequence=13)
CHILD_ID = id_number_for(date(2019, 5, 5), sequence=24)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOON_2026_11_22)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        storage_dir=tmp_path / "files",
        secret_key=SECRET,
        face_verification_secret=FACE_SECRET,
        load_entrypoint_plugins=False,
        ocr_enabled=False,
    )


# Helpers speaking GraphQL -----------------------------------------------------------


async def start(
    app: Any, client: GraphQLClient, case: str, condition: tuple[str, str] | None, n: int = 1
) -> tuple[Applicant, str, dict[str, Any]]:
    """One-click test then 开始申报 (or 自主选择 with ``condition``)."""
    user = await applicant(client, person(case), n)
    analysis = await user.test(app)
    started = await user.start(analysis["id"], *(condition or (None, None)))
    assert started["__typename"] == "Application", started
    return user, started["id"], started


async def save(
    user: Applicant, application_id: str, section: str, values: dict[str, Any] | None
) -> dict[str, Any]:
    data = await user.client.execute(SAVE, {"a": application_id, "s": section, "v": values})
    result: dict[str, Any] = data["saveSection"]
    return result


async def confirmation(user: Applicant, application_id: str) -> dict[str, Any]:
    result: dict[str, Any] = (await user.client.execute(CONFIRM, {"a": application_id}))[
        "applicationConfirmation"
    ]
    assert result["__typename"] == "Confirmation", result
    return result


async def add_member(
    user: Applicant, application_id: str, relationship: str, name: str, id_number: str
) -> dict[str, Any]:
    data = await user.client.execute(
        ADD_MEMBER,
        {
            "a": application_id,
            "i": {
                "relationship": relationship,
                "realName": name,
                "idNumber": id_number,
                "details": {"gender": "男", "household_register_address": "福建省福州市鼓楼区"},
            },
        },
    )
    result: dict[str, Any] = data["addFamilyMember"]
    return result


async def put(
    user: Applicant,
    application_id: str,
    kind: str,
    *,
    member: str | None = None,
    label: str = "",
    colour: str = "white",
) -> dict[str, Any]:
    result = await upload(
        user.client, application_id, kind, tiny_png(colour=colour), member=member, label=label
    )
    assert result["__typename"] == "Material", result
    return result


async def submit(user: Applicant, application_id: str) -> dict[str, Any]:
    result: dict[str, Any] = (await user.client.execute(SUBMIT, {"a": application_id}))[
        "submitApplication"
    ]
    return result


def section(report: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = next(s for s in report["sections"] if s["section"] == name)
    return found


def codes(problems: list[dict[str, Any]]) -> set[tuple[str, str, str | None, str | None]]:
    return {(p["section"], p["code"], p["field"], p["materialKind"]) for p in problems}


async def employer(nature: EmployerNature = EmployerNature.ENTERPRISE) -> str:
    row = await Employer.create(name="广州云帆信息科技有限公司", nature=nature)
    return str(row.id)


async def complete_dossier(user: Applicant, application_id: str) -> dict[str, Any]:
    """Fill every section of a 林晓燕 (seed case 2) bachelor application, uploads included."""
    await put(user, application_id, "diploma")
    await put(user, application_id, "degree_cert", colour="ivory")
    await save(user, application_id, "QUALIFICATION", BACHELOR)
    await put(user, application_id, "id_card_front", colour="beige")
    await put(user, application_id, "household_register_page", colour="linen")
    personal = {
        "gender": "女",
        "ethnicity": "汉族",
        "household_register_address": "福建省福州市鼓楼区五一北路 1 号",
        "employer_id": await employer(),
        "mobile": "13900000001",
    }
    await save(user, application_id, "PERSONAL", personal)
    settlement = {
        "address_type": "collective_household",
        "district": "天河区",
        "address": "广州市天河区天河路 385 号（单位集体户）",
    }
    await save(user, application_id, "SETTLEMENT", settlement)
    await put(user, application_id, "collective_household_page", colour="khaki")
    await save(user, application_id, "FAMILY", None)
    return await save(user, application_id, "SUPPLEMENTARY", {"note": "无"})


# The journey ------------------------------------------------------------------------


async def test_the_whole_journey_to_a_submitted_application(
    app: Any, client: GraphQLClient
) -> None:
    await load_shared_data()
    # 林晓燕 skipped the certificate numbers: nothing proves a condition, she picks the
    # bachelor condition herself (自主选择入户条件申报) and proves it with certificates.
    user, application_id, started = await start(
        app, client, "seed case 2", ("education", "bachelor")
    )
    assert started["fastTrack"] is False

    report = await confirmation(user, application_id)
    assert report["canSubmit"] is False
    assert report["conditionTitle"].startswith("具有国内普通高校全日制大学本科学历并有学士学位")
    qualification = section(report, "QUALIFICATION")
    assert {c["requirement"]["kind"] for c in qualification["checklist"]} == {
        "diploma",
        "degree_cert",
    }
    assert ("QUALIFICATION", "MATERIAL_MISSING", None, "diploma") in codes(report["problems"])

    # 入户资格: certificates uploaded, values typed, 保存.
    await put(user, application_id, "diploma")
    await put(user, application_id, "degree_cert", colour="ivory")
    saved = await save(user, application_id, "QUALIFICATION", BACHELOR)
    assert saved["__typename"] == "Confirmation", saved
    qualification = section(saved, "QUALIFICATION")
    assert qualification["complete"] is True, qualification["problems"]
    assert qualification["source"] == "applicant"
    assert [m["kind"] for m in qualification["materials"]] == ["diploma", "degree_cert"]

    # 个人信息.
    await put(user, application_id, "id_card_front", colour="beige")
    await put(user, application_id, "household_register_page", colour="linen")
    employer_id = await employer()
    saved = await save(
        user,
        application_id,
        "PERSONAL",
        {
            "gender": "女",
            "ethnicity": "汉族",
            "household_register_address": "福建省福州市鼓楼区五一北路 1 号",
            "employer_id": employer_id,
        },
    )
    assert section(saved, "PERSONAL")["complete"] is True, section(saved, "PERSONAL")

    # 入户信息: the employer's collective household, with its front page.
    saved = await save(
        user,
        application_id,
        "SETTLEMENT",
        {"address_type": "collective_household", "district": "天河区", "address": "天河路 385 号"},
    )
    settlement = section(saved, "SETTLEMENT")
    assert [c["requirement"]["kind"] for c in settlement["checklist"]] == [
        "collective_household_page"
    ]
    assert settlement["complete"] is False
    await put(user, application_id, "collective_household_page", colour="khaki")

    # 随迁人员: her husband, with the marriage certificate and his household register.
    spouse = await add_member(user, application_id, "spouse", "王建国", SPOUSE_ID)
    assert spouse["__typename"] == "FamilyMember", spouse
    assert spouse["birthDate"] == "1989-03-03"
    await put(user, application_id, "marriage_cert", member=spouse["id"], colour="pink")
    await put(user, application_id, "household_register_page", member=spouse["id"], colour="gray")

    # 补充材料: something the lists lack, as 其他材料 with its name.
    await put(user, application_id, "other", label="在职证明", colour="navy")
    saved = await save(user, application_id, "SUPPLEMENTARY", {"note": "附在职证明"})

    # 信息确认.
    report = await confirmation(user, application_id)
    assert report["problems"] == []
    assert report["canSubmit"] is True
    assert all(s["complete"] for s in report["sections"]), report["sections"]
    kinds = {s["section"]: [m["kind"] for m in s["materials"]] for s in report["sections"]}
    assert kinds == {
        "QUALIFICATION": ["diploma", "degree_cert"],
        "PERSONAL": ["id_card_front", "household_register_page"],
        "SETTLEMENT": ["collective_household_page"],
        "FAMILY": ["marriage_cert", "household_register_page"],
        "SUPPLEMENTARY": ["other"],
    }
    assert [m["realName"] for m in report["familyMembers"]] == ["王建国"]

    # 提交审核.
    submitted = await submit(user, application_id)
    assert submitted["__typename"] == "Application", submitted
    assert submitted["state"] == "awaiting_acceptance"
    snapshot = submitted["parametersSnapshot"]
    assert snapshot["year"] == 2026
    assert (snapshot["categoryId"], snapshot["conditionId"]) == ("education", "bachelor")
    assert snapshot["parameters"] == {"age_limit": 40}
    assert snapshot["judgedOn"] == "2026-11-22"
    row = await Application.get(id=int(application_id))
    assert (row.district, row.employer_id) == ("天河区", int(employer_id))
    assert await ReviewEvent.filter(application_id=row.id, action="submit").count() == 1


async def test_a_municipal_institutions_employee_goes_to_the_employer_first(
    app: Any, client: GraphQLClient
) -> None:
    await load_shared_data()
    user, application_id, _ = await start(app, client, "seed case 2", ("education", "bachelor"))
    await complete_dossier(user, application_id)
    institution = await employer(EmployerNature.MUNICIPAL_INSTITUTION)
    personal = section(await confirmation(user, application_id), "PERSONAL")["values"]
    await save(user, application_id, "PERSONAL", {**personal, "employer_id": institution})
    submitted = await submit(user, application_id)
    assert submitted["state"] == "employer_review", submitted


# Sections ---------------------------------------------------------------------------


async def test_each_section_is_saved_reloaded_and_revised(app: Any, client: GraphQLClient) -> None:
    await load_shared_data()
    user, application_id, _ = await start(app, client, "seed case 2", ("education", "bachelor"))
    settlement = {"address_type": "own_property", "district": "海珠区", "address": "新港中路 1 号"}
    values = {
        "QUALIFICATION": BACHELOR,
        "PERSONAL": {"gender": "女", "ethnicity": "畲族", "household_register_address": "福州"},
        "SETTLEMENT": settlement,
        "SUPPLEMENTARY": {"note": "其他说明"},
    }
    for name, typed in values.items():
        saved = await save(user, application_id, name, typed)
        assert saved["__typename"] == "Confirmation", saved
    reloaded = (await user.client.execute(APPLICATION, {"a": application_id}))["application"]
    assert reloaded["sections"] == {
        "qualification": BACHELOR,
        "personal": values["PERSONAL"],
        "settlement": settlement,
        "supplementary": {"note": "其他说明"},
    }
    report = await confirmation(user, application_id)
    assert section(report, "PERSONAL")["saved"] is True
    assert section(report, "FAMILY")["saved"] is False
    # The gender typed matches the identity number (its 17th digit is even: 女).
    assert ("PERSONAL", "INVALID", "gender", None) not in codes(report["problems"])
    assert ("PERSONAL", "REQUIRED", "employer_id", None) in codes(report["problems"])

    # 修订 from the confirmation page: the settlement section saved again replaces it.
    revised = {**settlement, "district": "越秀区", "address": "东风中路 1 号"}
    report = await save(user, application_id, "SETTLEMENT", revised)
    assert section(report, "SETTLEMENT")["values"] == revised
    reloaded = (await user.client.execute(APPLICATION, {"a": application_id}))["application"]
    assert reloaded["sections"]["settlement"] == revised

    # Malformed values are refused and nothing changes.
    refused = await save(user, application_id, "PERSONAL", {"gender": "未知"})
    assert (refused["__typename"], refused["code"], refused["field"]) == (
        "OperationError",
        "INVALID_INPUT",
        "gender",
    )
    refused = await save(user, application_id, "PERSONAL", {"employer_id": 999999})
    assert (refused["code"], refused["field"]) == ("INVALID_INPUT", "employer_id")
    refused = await save(user, application_id, "PERSONAL", {"nested": {"a": 1}})
    assert refused["code"] == "INVALID_INPUT"
    reloaded = (await user.client.execute(APPLICATION, {"a": application_id}))["application"]
    assert reloaded["sections"]["personal"] == values["PERSONAL"]

    wrong = await save(user, application_id, "PERSONAL", {**values["PERSONAL"], "gender": "男"})
    assert ("PERSONAL", "INVALID", "gender", None) in codes(wrong["problems"])


async def test_settlement_address_types_and_their_evidence(app: Any, client: GraphQLClient) -> None:
    await load_shared_data()
    types = (
        await client.execute(
            "{ settlementAddressTypes { id label materials { kind } relationships } }"
        )
    )["settlementAddressTypes"]
    assert {t["id"]: [m["kind"] for m in t["materials"]] for t in types} == {
        "own_property": ["property_cert"],
        "relative_property": ["property_cert", "relationship_proof"],
        "collective_household": ["collective_household_page"],
    }
    assert "父母" in next(t for t in types if t["id"] == "relative_property")["relationships"]

    user, application_id, _ = await start(app, client, "seed case 2", ("education", "bachelor"))
    typed = {"address_type": "relative_property", "district": "荔湾区", "address": "逢源路 1 号"}
    report = await save(user, application_id, "SETTLEMENT", typed)
    settlement = section(report, "SETTLEMENT")
    assert codes(settlement["problems"]) == {
        ("SETTLEMENT", "REQUIRED", "property_owner", None),
        ("SETTLEMENT", "REQUIRED", "owner_relationship", None),
        ("SETTLEMENT", "MATERIAL_MISSING", None, "property_cert"),
        ("SETTLEMENT", "MATERIAL_MISSING", None, "relationship_proof"),
    }
    await put(user, application_id, "property_cert")
    await put(user, application_id, "relationship_proof", colour="ivory")
    report = await save(
        user,
        application_id,
        "SETTLEMENT",
        {**typed, "property_owner": "林国华", "owner_relationship": "父母"},
    )
    settlement = section(report, "SETTLEMENT")
    assert settlement["problems"] == []
    assert all(c["provided"] for c in settlement["checklist"])

    for bad, field in (
        ({"address_type": "rented"}, "address_type"),
        ({"district": "深圳市南山区"}, "district"),
        ({"owner_relationship": "朋友"}, "owner_relationship"),
    ):
        refused = await save(user, application_id, "SETTLEMENT", bad)
        assert (refused["code"], refused["field"]) == ("INVALID_INPUT", field)


async def test_other_material_needs_a_label(app: Any, client: GraphQLClient) -> None:
    await load_shared_data()
    user, application_id, _ = await start(app, client, "seed case 2", ("education", "bachelor"))
    await put(user, application_id, "other")
    report = await confirmation(user, application_id)
    assert ("SUPPLEMENTARY", "INVALID", "label", "other") in codes(report["problems"])
    await put(user, application_id, "other", label="社保缴费证明", colour="gray")
    report = await confirmation(user, application_id)
    supplementary = section(report, "SUPPLEMENTARY")
    assert [m["label"] for m in supplementary["materials"]] == ["", "社保缴费证明"]
    assert len(supplementary["problems"]) == 1


# Family members ---------------------------------------------------------------------


async def test_family_members_added_edited_and_removed(app: Any, client: GraphQLClient) -> None:
    await load_shared_data()
    user, application_id, _ = await start(app, client, "seed case 2", ("education", "bachelor"))

    spouse = await add_member(user, application_id, "spouse", "王建国", SPOUSE_ID)
    assert spouse["relationshipLabel"] == "配偶"
    assert spouse["details"]["household_register_address"] == "福建省福州市鼓楼区"
    second = await add_member(
        user, application_id, "spouse", "李四", id_number_for(date(1990, 1, 1), sequence=35)
    )
    assert (second["code"], second["field"]) == ("FAMILY_MEMBER_NOT_ELIGIBLE", "relationship")

    # Under 18 on the day of application: 17 the day before the 18th birthday, not on it.
    adult = await add_member(
        user, application_id, "child", "王大", id_number_for(date(2008, 11, 22), sequence=46)
    )
    assert (adult["code"], adult["field"]) == ("FAMILY_MEMBER_NOT_ELIGIBLE", "idNumber")
    assert "18 周岁" in adult["message"]
    minor = await add_member(
        user, application_id, "child", "王二", id_number_for(date(2008, 11, 23), sequence=57)
    )
    assert minor["__typename"] == "FamilyMember", minor
    child = await add_member(user, application_id, "child", "王小", CHILD_ID)
    assert child["__typename"] == "FamilyMember", child

    for relationship, id_number, code in (
        ("brother", CHILD_ID, "INVALID_INPUT"),
        ("child", "350102201905050000", "INVALID_ID_NUMBER"),
        ("child", CHILD_ID, "INVALID_INPUT"),  # already added
        ("spouse", person("seed case 2")["id_number"], "INVALID_INPUT"),  # herself
    ):
        refused = await add_member(user, application_id, relationship, "某人", id_number)
        assert refused["code"] == code, (relationship, refused)

    # The confirmation names each member's missing marriage or birth certificate.
    report = await confirmation(user, application_id)
    family = {
        (p["code"], p["materialKind"], p["familyMemberId"])
        for p in report["problems"]
        if p["section"] == "FAMILY"
    }
    assert ("MATERIAL_MISSING", "marriage_cert", spouse["id"]) in family
    assert ("MATERIAL_MISSING", "birth_certificate", child["id"]) in family
    assert ("MATERIAL_MISSING", "household_register_page", child["id"]) in family
    message = next(
        p["message"]
        for p in report["problems"]
        if p["familyMemberId"] == spouse["id"] and p["materialKind"] == "marriage_cert"
    )
    assert message == "请上传王建国的结婚证（内页）"

    await put(user, application_id, "birth_certificate", member=child["id"])
    await put(user, application_id, "household_register_page", member=child["id"], colour="red")
    report = await confirmation(user, application_id)
    assert not [p for p in report["problems"] if p["familyMemberId"] == child["id"]]
    checklist = [
        c for c in section(report, "FAMILY")["checklist"] if c["familyMemberId"] == child["id"]
    ]
    assert [(c["requirement"]["kind"], c["provided"]) for c in checklist] == [
        ("birth_certificate", True),
        ("household_register_page", True),
    ]

    # Edit: a typo in the name; a spouse cannot become a second spouse's duplicate.
    edited = (
        await user.client.execute(
            UPDATE_MEMBER,
            {
                "m": child["id"],
                "i": {"relationship": "child", "realName": "王小明", "idNumber": CHILD_ID},
            },
        )
    )["updateFamilyMember"]
    assert edited["realName"] == "王小明"
    turned = (
        await user.client.execute(
            UPDATE_MEMBER,
            {
                "m": child["id"],
                "i": {"relationship": "spouse", "realName": "王小明", "idNumber": CHILD_ID},
            },
        )
    )["updateFamilyMember"]
    assert turned["code"] == "FAMILY_MEMBER_NOT_ELIGIBLE"

    # Remove: the member and their materials go.
    removed = (await user.client.execute(REMOVE_MEMBER, {"m": child["id"]}))["removeFamilyMember"]
    assert [m["id"] for m in removed["familyMembers"]] == [spouse["id"], minor["id"]]
    assert removed["materials"] == []
    assert await Material.filter(application_id=int(application_id)).count() == 0


# Shared data: fast track and 重新获取 ------------------------------------------------


async def test_fast_track_asks_for_no_certificate(app: Any, client: GraphQLClient) -> None:
    """Seed case 1: the typed numbers found the diploma and degree, so no upload is asked."""
    await load_shared_data()
    user, application_id, started = await start(app, client, "seed case 1", None)
    assert (started["conditionId"], started["fastTrack"]) == ("bachelor", True)
    report = await save(user, application_id, "QUALIFICATION", BACHELOR)
    qualification = section(report, "QUALIFICATION")
    assert qualification["checklist"] == []
    assert qualification["problems"] == []
    assert not [p for p in report["problems"] if p["materialKind"] in ("diploma", "degree_cert")]


async def test_fetch_again_from_shared_data(app: Any, client: GraphQLClient) -> None:
    await load_shared_data()
    # 陈思远 skips the numbers in the test, picks the bachelor condition, types by hand.
    who = person("seed case 1")
    user = await applicant(client, who)
    tested_with = await user.verify_face(app)
    analysis = await user.test(app, numbers={}, verification_id=tested_with)
    started = await user.start(analysis["id"], "education", "bachelor")
    application_id = started["id"]
    assert started["fastTrack"] is False
    await save(user, application_id, "QUALIFICATION", {**BACHELOR, "institution": "识别错了"})

    # Without a fresh verification: the one-click test's is used up, an old one expired.
    used = await user.client.execute(REFETCH, {"a": application_id, "v": tested_with})
    assert used["refetchQualification"]["code"] == "VERIFICATION_ALREADY_USED"
    stale = await user.verify_face(app)
    app.state.services.clock.advance(seconds=180)
    expired = await user.client.execute(REFETCH, {"a": application_id, "v": stale})
    assert expired["refetchQualification"]["code"] == "VERIFICATION_EXPIRED"

    # A fresh verification but no numbers: nothing to fetch, the typed values stay; the
    # verification is used up all the same (the shared data was read).
    fresh = await user.verify_face(app)
    nothing = await user.client.execute(REFETCH, {"a": application_id, "v": fresh})
    assert nothing["refetchQualification"]["code"] == "NO_SHARED_DATA"
    again = await user.client.execute(REFETCH, {"a": application_id, "v": fresh})
    assert again["refetchQualification"]["code"] == "VERIFICATION_ALREADY_USED"
    report = await confirmation(user, application_id)
    assert section(report, "QUALIFICATION")["values"]["institution"] == "识别错了"

    # With the numbers typed now: the shared record replaces the typed values.
    numbers = [{"kind": k, "number": v} for k, v in who["certificate_numbers"].items()]
    fetched = (
        await user.client.execute(
            REFETCH, {"a": application_id, "v": await user.verify_face(app), "n": numbers}
        )
    )["refetchQualification"]
    assert fetched["__typename"] == "Confirmation", fetched
    qualification = section(fetched, "QUALIFICATION")
    assert qualification["source"] == "shared_data"
    assert qualification["values"]["institution"] == "华南理工大学"
    assert qualification["values"]["diploma_number"] == who["certificate_numbers"]["diploma"]
    assert qualification["problems"] == []
    # The shared data proves the condition now: no certificate upload is asked for.
    assert fetched["application"]["fastTrack"] is True
    assert qualification["checklist"] == []
    reads = await AuditLog.filter(action="shared_data.read", subject_type="application").count()
    assert reads == 2


async def test_fetch_again_is_refused_for_another_persons_face(
    app: Any, client: GraphQLClient
) -> None:
    await load_shared_data()
    user, application_id, _ = await start(app, client, "seed case 1", None)
    other = person("seed case 4")["id_number"]
    verification = await user.verify_face(app, id_number=other)
    refused = await user.client.execute(REFETCH, {"a": application_id, "v": verification})
    assert refused["refetchQualification"]["code"] == "VERIFICATION_FAILED"


# Confirmation and submission -------------------------------------------------------


async def test_confirmation_lists_a_missing_material_and_submission_refuses(
    app: Any, client: GraphQLClient
) -> None:
    await load_shared_data()
    user, application_id, _ = await start(app, client, "seed case 2", ("education", "bachelor"))
    await complete_dossier(user, application_id)
    degree = next(
        m
        for m in await Material.filter(application_id=int(application_id))
        if m.kind == "degree_cert"
    )
    removed = await user.client.execute(
        "mutation($id: ID!) { removeMaterial(id: $id) { __typename } }", {"id": str(degree.id)}
    )
    assert removed["removeMaterial"]["__typename"] == "Done"
    report = await confirmation(user, application_id)
    assert report["canSubmit"] is False
    assert [(p["section"], p["code"], p["materialKind"]) for p in report["problems"]] == [
        ("QUALIFICATION", "MATERIAL_MISSING", "degree_cert")
    ]
    assert report["problems"][0]["message"] == "请上传学位证书"

    refused = await submit(user, application_id)
    assert refused["code"] == "DOSSIER_INCOMPLETE"
    assert refused["details"]["problems"][0]["materialKind"] == "degree_cert"
    assert (await Application.get(id=int(application_id))).state == "draft"
    assert await ReviewEvent.filter(application_id=int(application_id)).count() == 0


async def test_two_parallel_submissions_submit_once(app: Any, client: GraphQLClient) -> None:
    await load_shared_data()
    user, application_id, _ = await start(app, client, "seed case 2", ("education", "bachelor"))
    await complete_dossier(user, application_id)

    first, second = await asyncio.gather(submit(user, application_id), submit(user, application_id))
    assert first["__typename"] == second["__typename"] == "Application", (first, second)
    assert first["submittedAt"] == second["submittedAt"]
    assert first["state"] == second["state"] == "awaiting_acceptance"
    events = await ReviewEvent.filter(application_id=int(application_id), action="submit")
    assert len(events) == 1
    assert (events[0].from_state, events[0].to_state) == ("draft", "awaiting_acceptance")
    audits = await AuditLog.filter(action="application.submit").count()
    assert audits == 1

    # A retry after success returns the same submission.
    retry = await submit(user, application_id)
    assert (retry["state"], retry["submittedAt"]) == (first["state"], first["submittedAt"])
    assert (
        await ReviewEvent.filter(application_id=int(application_id), action="submit").count() == 1
    )

    # Nothing is edited after submission.
    for result in (
        await save(user, application_id, "SETTLEMENT", {"district": "越秀区"}),
        await save(user, application_id, "FAMILY", None),
        await add_member(user, application_id, "child", "王小", CHILD_ID),
        await upload(user.client, application_id, "other", tiny_png(), label="补充"),
    ):
        assert result["code"] == "APPLICATION_NOT_EDITABLE", result


async def test_another_applicants_dossier_is_not_found(app: Any, client: GraphQLClient) -> None:
    await load_shared_data()
    owner, application_id, _ = await start(app, client, "seed case 2", ("education", "bachelor"))
    member = await add_member(owner, application_id, "spouse", "王建国", SPOUSE_ID)
    material = await put(owner, application_id, "diploma")
    other, own_id, _ = await start(app, client, "seed case 1", None, n=2)

    answers = [
        (await other.client.execute(APPLICATION, {"a": application_id}))["application"],
        (await other.client.execute(CONFIRM, {"a": application_id}))["applicationConfirmation"],
        await save(other, application_id, "PERSONAL", {"gender": "男"}),
        await add_member(other, application_id, "child", "王小", CHILD_ID),
        (
            await other.client.execute(
                UPDATE_MEMBER,
                {
                    "m": member["id"],
                    "i": {"relationship": "spouse", "realName": "改", "idNumber": SPOUSE_ID},
                },
            )
        )["updateFamilyMember"],
        (await other.client.execute(REMOVE_MEMBER, {"m": member["id"]}))["removeFamilyMember"],
        await upload(other.client, application_id, "other", tiny_png(), label="x"),
        await upload(other.client, own_id, "marriage_cert", tiny_png(), member=member["id"]),
        (
            await other.client.execute(
                "query($id: ID!) { material(id: $id) { __typename ... on OperationError { code } } }",
                {"id": material["id"]},
            )
        )["material"],
        (
            await other.client.execute(
                "mutation($id: ID!) { removeMaterial(id: $id) { ... on OperationError { code } } }",
                {"id": material["id"]},
            )
        )["removeMaterial"],
        await submit(other, application_id),
        (
            await other.client.execute(
                REFETCH, {"a": application_id, "v": await other.verify_face(app)}
            )
        )["refetchQualification"],
    ]
    assert [a.get("code") for a in answers] == ["NOT_FOUND"] * len(answers), answers
    assert await Material.filter(application_id=int(application_id)).count() == 1
    stored = await Application.get(id=int(application_id))
    assert stored.sections == {} and stored.state == "draft"


# Storage: crash safety -------------------------------------------------------------

_TRIGGERS = {
    "sqlite": [
        "CREATE TRIGGER materials_fault BEFORE INSERT ON materials "
        "BEGIN SELECT RAISE(ABORT, 'disk I/O error (injected)'); END",
    ],
    "postgres": [
        "CREATE FUNCTION materials_fault() RETURNS trigger AS $$ BEGIN "
        "RAISE EXCEPTION 'disk I/O error (injected)'; END $$ LANGUAGE plpgsql",
        "CREATE TRIGGER materials_fault BEFORE INSERT ON materials "
        "FOR EACH ROW EXECUTE FUNCTION materials_fault()",
    ],
}
_UNDO = {
    "sqlite": ["DROP TRIGGER materials_fault"],
    "postgres": ["DROP TRIGGER materials_fault ON materials", "DROP FUNCTION materials_fault()"],
}


async def test_a_failed_database_write_leaves_no_row_and_no_half_file(
    app: Any, client: GraphQLClient, settings: Settings
) -> None:
    """The file is stored whole (temporary name, fsync, rename) before the row is written.

    The database refuses the row after the file was stored: no row, no half-written or
    temporary file, and the same upload retried succeeds, reusing the stored file.
    """
    await load_shared_data()
    user, application_id, _ = await start(app, client, "seed case 2", ("education", "bachelor"))
    backend = "sqlite" if settings.database_url.startswith("sqlite") else "postgres"
    conn = connections.get("default")
    for sql in _TRIGGERS[backend]:
        await conn.execute_script(sql)
    data = tiny_png(colour="teal")
    try:
        failed = await _upload_raw(user, application_id, data)
        assert failed["errors"][0]["message"] == "Unexpected error.", failed
        assert await Material.all().count() == 0
    finally:
        for sql in _UNDO[backend]:
            await conn.execute_script(sql)
    files = [p for p in settings.storage_dir.rglob("*") if p.is_file()]
    assert not [p for p in files if p.name.startswith(".upload-")], files
    for path in files:  # whatever stayed is whole: its name is its content's hash
        assert hashlib.sha256(path.read_bytes()).hexdigest() == path.parent.name + path.name

    retried = await put(user, application_id, "diploma", colour="teal")
    row = await Material.get(id=int(retried["id"]))
    assert row.content_hash == hashlib.sha256(data).hexdigest()
    assert app.state.services.storage.get(row.content_hash) == data
    assert await Material.all().count() == 1


async def _upload_raw(user: Applicant, application_id: str, data: bytes) -> dict[str, Any]:
    """An upload whose answer may be a GraphQL error (``upload`` insists on none)."""
    operations = {"query": UPLOAD, "variables": {"a": application_id, "kind": "diploma",
                                                 "file": None, "member": None, "label": ""}}  # fmt: skip
    response = await user.client.http.post(
        "/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.file"]})},
        files={"0": ("photo.png", data, "application/octet-stream")},
        headers={"Authorization": f"Bearer {user.client.token}", "Apollo-Require-Preflight": "1"},
    )
    body: dict[str, Any] = response.json()
    return body
