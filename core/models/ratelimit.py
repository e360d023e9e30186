"""Rate-limit counters (访问频率限制): one row per scope, key and fixed window."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class RateCounter(Model):
    """How often a keyed actor did a limited thing within one fixed time window.

    The key is a keyed hash (HMAC) of the account, identity number, mobile or client
    address, so the table holds no personal data. Windows are epoch seconds.
    Counters of windows that ended are purged by the limiter as it writes.
    """

    id = fields.BigIntField(primary_key=True)
    scope = fields.CharField(max_length=32)
    key_hash = fields.CharField(max_length=64)
    window_start = fields.BigIntField()
    expires_at = fields.BigIntField(db_index=True)
    count = fields.IntField(default=0)

    class Meta:
        table = "rate_counters"
        unique_together = (("scope", "key_hash", "window_start"),)
