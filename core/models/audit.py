"""The audit log: who read or changed what, when, why. Append-only."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class AuditLog(Model):
    id = fields.BigIntField(primary_key=True)
    actor_id = fields.IntField(null=True, db_index=True)
    action = fields.CharField(max_length=64)
    subject_type = fields.CharField(max_length=64)
    subject_id = fields.CharField(max_length=64, null=True)
    reason = fields.CharField(max_length=255, default="")
    request_id = fields.CharField(max_length=64, null=True)
    client_address = fields.CharField(max_length=64, null=True)
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)

    class Meta:
        table = "audit_log"
