"""The household-registration card issued after publicity."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class HouseholdCard(Model):
    """The household-registration card (广州市入户人员信息卡), one per application.

    The PDF is kept in file storage by content hash. A revoked card stays as a row so
    that verifying its code answers REVOKED rather than UNKNOWN.
    """

    id = fields.IntField(primary_key=True)
    application: fields.OneToOneRelation[Model] = fields.OneToOneField(
        "core.Application", related_name="card", on_delete=fields.RESTRICT
    )
    card_number = fields.CharField(max_length=32, unique=True)
    issue_date = fields.DateField()
    valid_until = fields.DateField()
    issued_at = fields.DatetimeField()
    issued_by_id = fields.IntField(null=True)
    holder_name = fields.CharField(max_length=100)
    pdf_hash = fields.CharField(max_length=64)
    pdf_size = fields.IntField()
    revoked_at = fields.DatetimeField(null=True)
    revoked_by_id = fields.IntField(null=True)
    revoke_reason = fields.CharField(max_length=255, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "household_cards"
