"""Personal data at rest: identity numbers and mobiles are stored encrypted, found through
keyed hashes, and re-encrypted under a new key by ``talent keys rotate``."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from tortoise import connections

from core import crypto
from core.models import FamilyMember, SharedDataRow, User
from core.settings import Settings
from tests.graphql import STRONG_PASSWORD, GraphQLClient, login, register
from tests.lifecycle_flow import lifecycle_settings, made_up_person, submitted
from tests.people import load_shared_data
from tests.test_cli import talent

ID_NUMBER = "440111199903175213"
MOBILE = "13912345678"
# Personal data tables and their encrypted columns.
TABLES = {
    "users": ("id_number", "mobile"),
    "family_members": ("id_number",),
    "sms_messages": ("mobile",),
    "shared_data_records": ("id_number",),
    "face_verifications": ("verified_id_number",),
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
