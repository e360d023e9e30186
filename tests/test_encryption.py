"""Personal data at rest: identity numbers and mobiles are stored encrypted, found through
keyed hashes, and re-encrypted under a new key by ``talent keys rotate``; so are the JSON
columns that hold personal data (a dossier's sections, family members' details,
recognised certificate fields, shared-database records, one-click test analyses)."""

from __future__ import annotations

import base64
import json
from datetime import date
from typing import Any

import pytest
from tortoise import connections

from core import crypto, key_rotation
from core.models import (
    Application,
    EligibilityAnalysis,
    FamilyMember,
    Material,
    SharedDataRow,
    User,
)
from core.ocr.engine import default_threads
from core.settings import Settings
from tests.graphql import STRONG_PASSWORD, GraphQLClient, login, register
from tests.lifecycle_flow import (
    QUALIFICATION,
    SAVE,
    lifecycle_settings,
    made_up_person,
    submitted,
)
from tests.people import Applicant, applicant, load_shared_data
from tests.plugins.plugin_helpers import id_number_for
from tests.test_cli import talent
from tests.uploads import fixture, upload

ID_NUMBER = "440111199903175213"
MOBILE = "13912345678"
# Personal data tables and their encrypted columns.
TABLES = {
    "users": ("id_number", "mobile"),
    "family_members": ("id_number", "details"),
    "sms_messages": ("mobile",),
    "shared_data_records": ("id_number", "data"),
    "face_verifications": ("verified_id_number",),
    "applications": ("sections",),
    "materials": ("ocr_fields",),
    "eligibility_analyses": (
        "certificate_numbers", "summary", "prerequisites", "results", "barred",
    ),
}  # fmt: skip
# The JSON ones, each holding what the dossier test below types or photographs.
JSON_COLUMNS = {
    "applications": ("sections",),
    "family_members": ("details",),
    "materials": ("ocr_fields",),
    "eligibility_analyses": TABLES["eligibility_analyses"],
}
REQUEST_CODE = """mutation($i: String!, $m: String!) {
  requestRecoveryCode(idNumber: $i, mobile: $m) { __typename } }"""
ME = "query { me { ... on Account { idNumber mobile } ... on OperationError { code } } }"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return lifecycle_settings(settings)


async def raw_rows(table: str) -> list[dict[str, Any]]:
    """The table as the database holds it, bypassing the ORM."""
    return list(await connections.get("default").execute_query_dict(f'SELECT * FROM "{table}"'))


async def test_the_database_holds_no_plaintext_identity_number_or_mobile(
    app: Any, client: GraphQLClient
) -> None:
    await load_shared_data()
    case = await submitted(app, client, 1)  # face verification, SMS, dossier
    await FamilyMember.create(
        application_id=int(case.id), relationship="spouse", real_name="李四",
        id_number="440104199602020026",
    )  # fmt: skip
    await register(client, username="zhangsan", id_number=ID_NUMBER, mobile=MOBILE)
    sent = await client.execute(REQUEST_CODE, {"i": ID_NUMBER, "m": MOBILE})
    assert sent["requestRecoveryCode"]["__typename"] == "Done"

    secrets = {ID_NUMBER, MOBILE, made_up_person(1)["id_number"], "440104199602020026"}
    # The demo's shared records, whose identity numbers the ORM decrypts.
    secrets |= {r.id_number for r in await SharedDataRow.all()}
    assert len(secrets) > 5
    for table, columns in TABLES.items():
        rows = await raw_rows(table)
        assert rows, table
        for row in rows:
            text = " ".join(str(v) for v in row.values())
            assert not any(s in text for s in secrets), (table, row)
            for column in columns:
                value = row[column]
                if value is not None:
                    key_id, _, body = value.partition(":")
                    assert key_id == "dev" and len(base64.urlsafe_b64decode(body)) > 28
    # Equal values encrypt differently (random nonce), their hashes are equal.
    [user] = [r for r in await raw_rows("users") if r["username"] == "zhangsan"]
    again = crypto.cipher().encrypt(ID_NUMBER)
    assert again != user["id_number"] and crypto.cipher().decrypt(again) == ID_NUMBER
    assert user["id_number_hash"] == crypto.lookup_hash(ID_NUMBER)

    # Through the ORM and the API the values read as they were typed.
    assert (await User.get(username="zhangsan")).id_number == ID_NUMBER


async def test_sign_in_by_identity_number_and_a_second_account_refused(
    app: Any, client: GraphQLClient
) -> None:
    await register(client, id_number=ID_NUMBER, mobile=MOBILE)
    by_number = await login(client, ID_NUMBER.lower())
    assert by_number["__typename"] == "AuthSession", by_number
    me = await client.as_user(by_number["accessToken"]).execute(ME)
    assert me["me"] == {"idNumber": ID_NUMBER, "mobile": MOBILE}
    # Uniqueness holds on the hash: the same person cannot register twice.
    twice = await register(client, username="lisi", id_number=ID_NUMBER, mobile=MOBILE)
    assert twice["__typename"] == "OperationError" and twice["code"] == "ID_NUMBER_TAKEN"
    wrong = await login(client, "440106199001010318", STRONG_PASSWORD)
    assert wrong["__typename"] == "OperationError"


async def test_filtering_on_an_encrypted_column_is_refused(app: Any) -> None:
    """A filter on the ciphertext would silently match nothing: it fails loudly instead."""
    with pytest.raises(TypeError, match="id_number_hash"):
        await User.filter(id_number=ID_NUMBER).first()


def _key() -> str:
    return crypto.new_key()


async def test_rotation_re_encrypts_and_old_rows_read_throughout(
    app: Any, client: GraphQLClient, settings: Settings
) -> None:
    old, new = _key(), _key()
    lookup = "test-lookup-key"
    first = settings.model_copy(
        update={"data_keys": {"k1": old}, "data_key_id": "k1", "lookup_key": lookup}
    )
    crypto.configure(first)
    await register(client, username="before", id_number=ID_NUMBER, mobile=MOBILE)

    # The operator adds k2 and makes it current; servers restart with both keys.
    both = first.model_copy(update={"data_keys": {"k1": old, "k2": new}, "data_key_id": "k2"})
    crypto.configure(both)
    other = made_up_person(7)["id_number"]
    await register(client, username="after", id_number=other, mobile="13800138000")
    prefixes = {r["username"]: r["id_number"].partition(":")[0] for r in await raw_rows("users")}
    assert prefixes == {"before": "k1", "after": "k2"}
    # Both read during the rotation: sign-in by identity number finds each.
    for number in (ID_NUMBER, other):
        assert (await login(client, number))["__typename"] == "AuthSession"

    env = {
        "TALENT_DATA_KEYS": json.dumps({"k1": old, "k2": new}),
        "TALENT_DATA_KEY_ID": "k2",
        "TALENT_LOOKUP_KEY": lookup,
    }
    status = await talent(settings, "keys", "status", env=env)
    assert status.returncode == 0, status.stderr
    assert "users                        1" in status.stdout
    rotated = await talent(settings, "keys", "rotate", "--batch", "1", env=env)
    assert rotated.returncode == 0, rotated.stderr
    assert "users                        1 re-encrypted" in rotated.stdout
    rows = await raw_rows("users")
    assert {r["id_number"].partition(":")[0] for r in rows} == {"k2"}
    assert {r["mobile"].partition(":")[0] for r in rows} == {"k2"}

    # k1 retired: everything still reads.
    crypto.configure(both.model_copy(update={"data_keys": {"k2": new}}))
    session = await login(client, ID_NUMBER)
    assert session["__typename"] == "AuthSession"
    me = await client.as_user(session["accessToken"]).execute(ME)
    assert me["me"] == {"idNumber": ID_NUMBER, "mobile": MOBILE}
    again = await talent(
        settings, "keys", "rotate", env={**env, "TALENT_DATA_KEYS": json.dumps({"k2": new})}
    )
    assert again.returncode == 0 and "users                        0 re-encrypted" in again.stdout


def test_keys_come_from_configuration_and_production_refuses_the_derived_ones() -> None:
    key = crypto.new_key()
    configured = Settings(
        data_keys={"2026a": key}, data_key_id="2026a", lookup_key="x" * 32, secret_key="s"
    )
    cipher = crypto.DataCipher.from_settings(configured)
    assert cipher.current == "2026a" and cipher.encrypt("a").startswith("2026a:")
    with pytest.raises(ValueError, match="32 bytes"):
        crypto.DataCipher.from_settings(
            configured.model_copy(update={"data_keys": {"k": base64.b64encode(b"short").decode()}})
        )
    # A key id never looks like the start of plain JSON ("{", "["), which a JSON column
    # written before its encryption holds.
    with pytest.raises(ValueError, match="letters, digits"):
        crypto.DataCipher.from_settings(
            configured.model_copy(update={"data_keys": {"{k": key}, "data_key_id": "{k"})
        )
    production = Settings(profile="production", secret_key="s", face_verification_secret="f")
    with pytest.raises(RuntimeError, match="TALENT_DATA_KEYS"):
        production.check()
    short = configured.model_copy(
        update={
            "profile": "production",
            "face_verification_secret": "f",
            "audit_retention_days": 90,
        }
    )
    with pytest.raises(RuntimeError, match="AUDIT_RETENTION"):
        short.check()
    configured.model_copy(update={"profile": "production", "face_verification_secret": "f"}).check()


# --- JSON columns ----------------------------------------------------------------------

SPOUSE_ID = id_number_for(date(1996, 2, 2), sequence=24)
SPOUSE_MOBILE = "13612345432"
HOME = "湖南省长沙市岳麓区麓山南路932号"
DETAIL = """query($id: ID!) { application(id: $id) { __typename
  ... on Application { sections familyMembers { realName idNumber details }
    materials { kind ocrFields } }
  ... on OperationError { code } } }"""
ADD_MEMBER = """mutation($a: ID!, $i: FamilyMemberInput!) { addFamilyMember(applicationId: $a, input: $i) {
  __typename ... on OperationError { code message } } }"""
CONFIRMATION = """query($a: ID!) { applicationConfirmation(id: $a) {
  ... on Confirmation { problems { code message materialKind } } } }"""


def _keys(current: str, **keys: str) -> Settings:
    """Settings naming ``keys`` with ``current`` the one new values use."""
    return Settings(data_keys=keys, data_key_id=current, lookup_key="test-lookup-key")


def _env(settings: Settings) -> dict[str, str]:
    """The same keys for ``talent`` in its own process."""
    assert settings.lookup_key is not None and settings.data_key_id is not None
    return {
        "TALENT_DATA_KEYS": json.dumps(settings.data_keys),
        "TALENT_DATA_KEY_ID": settings.data_key_id,
        "TALENT_LOOKUP_KEY": settings.lookup_key,
    }


async def stored_json(prefix: str, secrets: set[str]) -> int:
    """Check every value of the JSON columns: under ``prefix``'s key, no secret in the
    clear. How many values there were."""
    seen = 0
    for table, columns in JSON_COLUMNS.items():
        for row in await raw_rows(table):
            for column in columns:
                value = row[column]
                if value is None:
                    continue
                seen += 1
                assert value.startswith(prefix), (table, column, value[:40])
                assert not any(s in value for s in secrets), (table, column)
    return seen


async def drafted(app: Any, client: GraphQLClient, n: int) -> tuple[Applicant, str]:
    """An applicant's draft after a one-click test with a diploma number typed, with its
    qualification and personal sections saved and a spouse added, all over GraphQL."""
    who = await applicant(client, made_up_person(n), n)
    analysis = await who.test(app, numbers={"diploma": QUALIFICATION["diploma_number"]})
    started = await who.start(analysis["id"], "education", "bachelor")
    assert started["__typename"] == "Application", started
    application_id = str(started["id"])
    personal = {"gender": "男", "ethnicity": "汉族", "household_register_address": HOME}
    for section, values in (("QUALIFICATION", QUALIFICATION), ("PERSONAL", personal)):
        saved = await who.client.execute(SAVE, {"a": application_id, "s": section, "v": values})
        assert saved["saveSection"]["__typename"] != "OperationError", saved
    spouse = {
        "relationship": "spouse",
        "realName": "李四",
        "idNumber": SPOUSE_ID,
        "details": {"gender": "女", "mobile": SPOUSE_MOBILE, "household_register_address": HOME},
    }
    added = await who.client.execute(ADD_MEMBER, {"a": application_id, "i": spouse})
    assert added["addFamilyMember"]["__typename"] == "FamilyMember", added
    return who, application_id


class TestDossierWithRecognition:
    """An identity card photographed and recognised: the real OCR models run."""

    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return settings.model_copy(
            update={
                "ocr_enabled": True,
                "ocr_workers": 1,
                "ocr_threads_per_worker": default_threads(),
            }
        )

    async def test_json_columns_hold_no_plaintext_read_back_and_rotate(
        self, app: Any, client: GraphQLClient, settings: Settings
    ) -> None:
        old, new = _key(), _key()
        first = _keys("k1", k1=old)
        crypto.configure(first)
        who, application_id = await drafted(app, client, 5)
        photo, truth = fixture("id_card_front_03")
        card = {name: truth["fields"][name]["value"] for name in ("name", "id_number", "address")}
        uploaded = await upload(who.client, application_id, "id_card_front", photo)
        assert uploaded["__typename"] == "Material", uploaded
        await app.state.services.materials.settle()

        secrets = {
            *card.values(),
            QUALIFICATION["diploma_number"],
            QUALIFICATION["degree_number"],
            HOME,
            SPOUSE_MOBILE,
        }
        # Every JSON column written: sections, details, recognised fields, the analysis.
        assert await stored_json("k1:", secrets) == 1 + 1 + 1 + 4

        async def read_back() -> None:
            detail = (await who.client.execute(DETAIL, {"id": application_id}))["application"]
            assert detail["sections"]["qualification"] == QUALIFICATION
            assert detail["sections"]["personal"]["household_register_address"] == HOME
            [member] = detail["familyMembers"]
            assert (member["realName"], member["idNumber"]) == ("李四", SPOUSE_ID)
            assert member["details"]["mobile"] == SPOUSE_MOBILE
            [material] = detail["materials"]
            recognised = {k: material["ocrFields"][k]["value"] for k in card}
            assert recognised == card
            # The dossier's checks read the recognised number: someone else's card.
            confirmation = await who.client.execute(CONFIRMATION, {"a": application_id})
            problems = confirmation["applicationConfirmation"]["problems"]
            assert any(
                p["materialKind"] == "id_card_front" and "不是申办人本人的" in p["message"]
                for p in problems
            ), problems

        await read_back()

        # k2 becomes current; ``talent keys rotate`` re-encrypts every JSON column.
        both = _keys("k2", k1=old, k2=new)
        crypto.configure(both)
        status = await talent(settings, "keys", "status", env=_env(both))
        assert status.returncode == 0, status.stderr
        counts = dict(line.split() for line in status.stdout.splitlines())
        for table in ("applications", "family_members", "materials", "eligibility_analyses"):
            assert counts[table] == "1", status.stdout
        rotated = await talent(settings, "keys", "rotate", "--batch", "1", env=_env(both))
        assert rotated.returncode == 0, rotated.stderr
        assert "materials                    1 re-encrypted" in rotated.stdout
        assert await stored_json("k2:", secrets) == 7

        # k1 retired: everything still reads.
        crypto.configure(_keys("k2", k2=new))
        await read_back()


async def test_filtering_on_an_encrypted_json_column_is_refused(app: Any) -> None:
    with pytest.raises(TypeError, match="encrypted JSON"):
        await Application.filter(sections={}).first()


async def test_an_encrypted_json_column_is_opened_when_read_not_when_loaded(
    app: Any, client: GraphQLClient
) -> None:
    """A list loads many rows and reads few of their JSON columns (docs/performance.md)."""
    who, application_id = await drafted(app, client, 7)
    row = await Application.get(id=application_id)
    assert isinstance(row.__dict__["sections"], crypto.Sealed)
    assert row.sections["qualification"]["values"] == QUALIFICATION
    assert isinstance(row.__dict__["sections"], dict)  # opened once, kept
    # Saved without being read, a loaded value is sealed again as it was.
    untouched = await Application.get(id=application_id)
    await untouched.save(update_fields=["sections"])
    detail = (await who.client.execute(DETAIL, {"id": application_id}))["application"]
    assert detail["sections"]["qualification"] == QUALIFICATION
    [stored] = await raw_rows("applications")
    assert stored["sections"].startswith("dev:")
    # Every model's encrypted JSON columns open this way.
    for model in (Application, FamilyMember, Material, SharedDataRow, EligibilityAnalysis):
        for name, field in model._meta.fields_map.items():
            if isinstance(field, crypto.EncryptedJSONField):
                assert isinstance(model.__dict__[name], crypto.OpenedOnRead), (model, name)


async def test_plain_json_from_before_encryption_reads_and_rotation_encrypts_it(
    app: Any, client: GraphQLClient
) -> None:
    who, application_id = await drafted(app, client, 6)
    # As ``JSONField`` wrote it: compact, Chinese escaped.
    plain = json.dumps({"qualification": {"values": QUALIFICATION}}, separators=(",", ":"))
    conn = connections.get("default")
    await conn.execute_query(f'UPDATE "applications" SET "sections" = \'{plain}\'')
    [row] = await raw_rows("applications")
    assert row["sections"] == plain and QUALIFICATION["diploma_number"] in plain

    detail = (await who.client.execute(DETAIL, {"id": application_id}))["application"]
    assert detail["sections"] == {"qualification": QUALIFICATION}
    assert (await key_rotation.stale_count())["applications"] == 1
    assert (await key_rotation.rotate())["applications"] == 1
    [row] = await raw_rows("applications")
    assert row["sections"].startswith("dev:")
    assert QUALIFICATION["diploma_number"] not in row["sections"]
    assert (await key_rotation.stale_count())["applications"] == 0
    detail = (await who.client.execute(DETAIL, {"id": application_id}))["application"]
    assert detail["sections"] == {"qualification": QUALIFICATION}


async def test_rotation_never_overwrites_a_value_saved_meanwhile(
    app: Any, client: GraphQLClient
) -> None:
    """Beside running servers: an applicant who saves between the rotation's read and its
    write keeps what they saved."""
    old, new = _key(), _key()
    crypto.configure(_keys("k1", k1=old))
    who, application_id = await drafted(app, client, 7)
    crypto.configure(_keys("k2", k1=old, k2=new))
    [entry] = [e for e in key_rotation.encrypted_models() if e.model is Application]
    [read] = await key_rotation.stale_rows(entry)
    assert read["sections"].startswith("k1:")

    settlement = {"address_type": "collective_household", "district": "天河区",
                  "address": "广州市天河区测试路1号"}  # fmt: skip
    saved = await who.client.execute(
        SAVE, {"a": application_id, "s": "SETTLEMENT", "v": settlement}
    )
    assert saved["saveSection"]["__typename"] != "OperationError", saved

    assert await key_rotation.rewrite(entry, [read]) == 0
    [row] = await raw_rows("applications")
    assert row["sections"].startswith("k2:")
    detail = (await who.client.execute(DETAIL, {"id": application_id}))["application"]
    assert detail["sections"]["settlement"] == settlement
    assert detail["sections"]["qualification"] == QUALIFICATION
    # Nothing left for the rotation, which finds the table done.
    assert (await key_rotation.rotate())["applications"] == 0
