"""Requests to hold the employer-administrator role (法人单位系统管理员权限申请)."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class EmployerAdminRequest(Model):
    """A person's request to administer an employer's applications, for its department.

    Only municipal institutions and state-owned enterprises review their employees'
    applications, so only their administrators are requested. An approval grants the
    role (a RoleGrant with the employer), a rejection carries an opinion.
    """

    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[Model] = fields.ForeignKeyField(
        "core.User", related_name="employer_admin_requests", on_delete=fields.CASCADE
    )
    employer: fields.ForeignKeyRelation[Model] = fields.ForeignKeyField(
        "core.Employer", related_name="admin_requests", on_delete=fields.CASCADE
    )
    # The competent department (主管部门) the request is addressed to, as typed.
    department = fields.CharField(max_length=200, default="")
    reason = fields.TextField(default="")
    status = fields.CharField(max_length=16, default="pending", db_index=True)
    decided_by_id = fields.IntField(null=True)
    decided_at = fields.DatetimeField(null=True)
    opinion = fields.TextField(default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "employer_admin_requests"
