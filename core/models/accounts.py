"""Users, their roles and sessions, face verifications, recovery codes, the SMS outbox."""

from __future__ import annotations

import enum

from tortoise import fields
from tortoise.models import Model

from core.crypto import EncryptedTextField, LookupHashed


class Role(enum.StrEnum):
    APPLICANT = "applicant"  # 申办人
    EMPLOYER_ADMIN = "employer_admin"  # 法人单位系统管理员
    REVIEWER = "reviewer"  # 区人社局 / 人才办, bound to a district
    ADMIN = "admin"  # 市人社局 / 技术支持


class User(LookupHashed):
    """A person's account. Identity number and mobile are stored encrypted and found
    through their keyed hashes (core/crypto.py)."""

    HASHED = ("id_number", "mobile")

    id = fields.IntField(primary_key=True)
    username = fields.CharField(max_length=64, unique=True)
    real_name = fields.CharField(max_length=100)
    id_number = EncryptedTextField()
    id_number_hash = fields.CharField(max_length=64, unique=True)
    mobile = EncryptedTextField()
    mobile_hash = fields.CharField(max_length=64, db_index=True)
    password_hash = fields.CharField(max_length=255)
    failed_logins = fields.IntField(default=0)
    locked_until = fields.DatetimeField(null=True)
    password_changed_at = fields.DatetimeField(auto_now_add=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    roles: fields.ReverseRelation[RoleGrant]

    class Meta:
        table = "users"


class RoleGrant(Model):
    """A role a user holds. Reviewers are bound to a district, employer admins to an employer."""

    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "core.User", related_name="roles", on_delete=fields.CASCADE
    )
    role = fields.CharEnumField(Role, max_length=32)
    district = fields.CharField(max_length=32, null=True)
    employer_id = fields.IntField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "role_grants"
        unique_together = (("user", "role", "district", "employer_id"),)


class Session(Model):
    """A signed-in session. Tokens are stored only as hashes."""

    id = fields.UUIDField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "core.User", related_name="sessions", on_delete=fields.CASCADE
    )
    access_hash = fields.CharField(max_length=64, unique=True)
    refresh_hash = fields.CharField(max_length=64, unique=True)
    method = fields.CharField(max_length=16)  # password | face
    created_at = fields.DatetimeField(auto_now_add=True)
    last_seen_at = fields.DatetimeField()
    refresh_expires_at = fields.DatetimeField()
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "sessions"


class FaceVerification(Model):
    """One face verification (微警认证), confirmed by the provider's signed callback."""

    id = fields.UUIDField(primary_key=True)
    purpose = fields.CharField(max_length=16)  # login | recovery | shared_data
    user: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "core.User", related_name="face_verifications", null=True, on_delete=fields.CASCADE
    )
    status = fields.CharField(max_length=16, default="pending")
    verified_id_number = EncryptedTextField(null=True)
    verified_name = fields.CharField(max_length=100, null=True)
    callback_nonce = fields.CharField(max_length=64, null=True, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()
    confirmed_at = fields.DatetimeField(null=True)
    consumed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "face_verifications"


class RecoveryCode(Model):
    """A one-time code sent by SMS to recover an account or reset a password."""

    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "core.User", related_name="recovery_codes", on_delete=fields.CASCADE
    )
    code_hash = fields.CharField(max_length=64)
    attempts = fields.IntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()
    consumed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "recovery_codes"


class SmsMessage(LookupHashed):
    """The SMS outbox: every message is written here before the gateway sends it."""

    HASHED = ("mobile",)

    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "core.User", related_name="sms_messages", null=True, on_delete=fields.SET_NULL
    )
    mobile = EncryptedTextField()
    mobile_hash = fields.CharField(max_length=64, db_index=True)
    purpose = fields.CharField(max_length=32)
    text = fields.TextField()
    status = fields.CharField(max_length=16, default="queued")  # queued | sent | failed
    created_at = fields.DatetimeField(auto_now_add=True)
    sent_at = fields.DatetimeField(null=True)

    class Meta:
        table = "sms_messages"
