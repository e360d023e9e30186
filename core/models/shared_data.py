"""Rows of the embedded government shared database (see core.shared_data)."""

from __future__ import annotations

from typing import Any

from tortoise import fields

from core.crypto import EncryptedJSONField, EncryptedTextField, LookupHashed


class SharedDataRow(LookupHashed):
    """The embedded implementation's storage."""

    HASHED = ("id_number",)

    id = fields.IntField(primary_key=True)
    kind = fields.CharField(max_length=32)
    id_number = EncryptedTextField()
    id_number_hash = fields.CharField(max_length=64, db_index=True)
    certificate_number = fields.CharField(max_length=64, null=True, db_index=True)
    data: Any = EncryptedJSONField(default=dict)  # schools, titles, insurance, settlements
    imported_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "shared_data_records"


class ReapplicationPermit(LookupHashed):
    """A district's reopening of the right to apply again (开通再次申报权限).

    An earlier completed talent settlement bars a new application (禁止再报) unless a
    permit exists for that identity number, granted after the settlement.
    """

    HASHED = ("id_number",)

    id = fields.IntField(primary_key=True)
    id_number = EncryptedTextField()
    id_number_hash = fields.CharField(max_length=64, db_index=True)
    granted_by_id = fields.IntField()
    district = fields.CharField(max_length=32, null=True)
    reason = fields.TextField(default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "reapplication_permits"
