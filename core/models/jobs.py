"""Durable timers: one row per scheduled job, claimed by exactly one worker when due."""

from __future__ import annotations

import enum
from typing import Any

from tortoise import fields
from tortoise.models import Model


class JobStatus(enum.StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


class Job(Model):
    """A timer (定时任务) that fires a registered handler once its due time has come.

    The key names the occasion, e.g. acceptance.auto:42, so scheduling is idempotent.
    """

    id = fields.IntField(primary_key=True)
    kind = fields.CharField(max_length=64, db_index=True)
    key = fields.CharField(max_length=191, unique=True)
    due_at = fields.DatetimeField(db_index=True)
    payload: Any = fields.JSONField(default=dict)
    status = fields.CharEnumField(JobStatus, max_length=16, default=JobStatus.PENDING)
    attempts = fields.IntField(default=0)
    locked_by = fields.CharField(max_length=128, null=True)
    locked_at = fields.DatetimeField(null=True)
    last_error = fields.TextField(null=True)
    finished_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "jobs"
        indexes = (("status", "due_at"),)
