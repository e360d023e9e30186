"""Applications, accompanying family members, supporting materials and review events."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

from core.crypto import EncryptedJSONField, EncryptedTextField, LookupHashed


class Application(Model):
    """An application for household registration under one condition of one category."""

    id = fields.IntField(primary_key=True)
    applicant: fields.ForeignKeyRelation[Model] = fields.ForeignKeyField(
        "core.User", related_name="applications", on_delete=fields.RESTRICT
    )
    policy_year: fields.ForeignKeyRelation[Model] = fields.ForeignKeyField(
        "core.PolicyYear", related_name="applications", on_delete=fields.RESTRICT
    )
    category_id = fields.CharField(max_length=64)
    condition_id = fields.CharField(max_length=64)
    state = fields.CharField(max_length=32, default="draft", db_index=True)
    version = fields.IntField(default=0)  # optimistic locking for transitions
    district = fields.CharField(max_length=32, null=True, db_index=True)
    employer_id = fields.IntField(null=True, db_index=True)
    # What the applicant typed: names, identity and certificate numbers, addresses.
    sections: Any = EncryptedJSONField(default=dict)
    parameters_snapshot: Any = fields.JSONField(null=True)
    # 智能审批: the shared data alone proved the chosen condition.
    fast_track = fields.BooleanField(default=False)
    analysis: fields.ForeignKeyNullableRelation[Model] = fields.ForeignKeyField(
        "core.EligibilityAnalysis",
        related_name="applications",
        null=True,
        on_delete=fields.SET_NULL,
    )
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)
    submitted_at = fields.DatetimeField(null=True)
    # Kept by the lifecycle (core/lifecycle.py) so that the reviewer's queue filters and
    # sorts on columns: when the current state began, the employer's forwarding (its
    # one-hour recall window), acceptance and the review deadline, the publicity days.
    state_changed_at = fields.DatetimeField(null=True)
    forwarded_at = fields.DatetimeField(null=True)
    # In the district's hands: submitted straight to it, forwarded by the employer, or
    # approved by the fast track. An employer's return or recall never reached it.
    reached_district = fields.BooleanField(default=False, db_index=True)
    accepted_at = fields.DatetimeField(null=True)
    review_due_on = fields.DateField(null=True)
    review_extended = fields.BooleanField(default=False)
    publicity_started_on = fields.DateField(null=True)
    publicity_ends_on = fields.DateField(null=True)

    class Meta:
        table = "applications"
        indexes = (("district", "state", "state_changed_at", "id"),)


class FamilyMember(LookupHashed):
    """An accompanying family member (随迁人员): spouse or child under 18."""

    HASHED = ("id_number",)

    id = fields.IntField(primary_key=True)
    application: fields.ForeignKeyRelation[Application] = fields.ForeignKeyField(
        "core.Application", related_name="family_members", on_delete=fields.CASCADE
    )
    relationship = fields.CharField(max_length=16)
    real_name = fields.CharField(max_length=100)
    id_number = EncryptedTextField()
    id_number_hash = fields.CharField(max_length=64, db_index=True)
    birth_date = fields.DateField(null=True)
    details: Any = EncryptedJSONField(default=dict)  # gender, mobile, household address
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "family_members"
        # Loaded per page of applications (schema/loaders.py): by application, in order.
        indexes = (("application_id", "id"),)


class Material(Model):
    """A supporting material (证明材料). The stored file is addressed by its content hash."""

    id = fields.IntField(primary_key=True)
    application: fields.ForeignKeyRelation[Application] = fields.ForeignKeyField(
        "core.Application", related_name="materials", on_delete=fields.CASCADE
    )
    family_member: fields.ForeignKeyNullableRelation[FamilyMember] = fields.ForeignKeyField(
        "core.FamilyMember", related_name="materials", null=True, on_delete=fields.CASCADE
    )
    kind = fields.CharField(max_length=64)
    content_hash = fields.CharField(max_length=64)
    content_type = fields.CharField(max_length=64)
    size = fields.IntField()
    width = fields.IntField(null=True)
    height = fields.IntField(null=True)
    filename = fields.CharField(max_length=255, default="")
    label = fields.CharField(max_length=100, default="")  # what an "other" material is
    rotation = fields.IntField(default=0)
    suggested_rotation = fields.IntField(null=True)
    # none | queued | done | failed | cancelled | not_applicable
    ocr_status = fields.CharField(max_length=16, default="none")
    # What recognition read off the certificate: names, identity and certificate numbers.
    ocr_fields: Any = EncryptedJSONField(default=dict)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "materials"
        # Loaded per page of applications (schema/loaders.py): by application, in order.
        indexes = (("application_id", "id"),)


class ReviewEvent(Model):
    """One step in an application's history. Rows are only ever appended."""

    id = fields.IntField(primary_key=True)
    application: fields.ForeignKeyRelation[Application] = fields.ForeignKeyField(
        "core.Application", related_name="events", on_delete=fields.CASCADE
    )
    actor_id = fields.IntField(null=True)
    action = fields.CharField(max_length=32)
    from_state = fields.CharField(max_length=32, null=True)
    to_state = fields.CharField(max_length=32)
    opinion = fields.TextField(null=True)
    # applicant | employer_admin | reviewer | admin | system, and how the applicant sees
    # the actor (the district bureau or the employer, never a staff member's name).
    actor_role = fields.CharField(max_length=32, null=True)
    actor_label = fields.CharField(max_length=200, default="")
    # What else the step carries, e.g. the list of corrections of a return (一次性告知).
    details: Any = fields.JSONField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "review_events"
        # Loaded per page of applications (schema/loaders.py): by application, in order.
        indexes = (("application_id", "id"),)
