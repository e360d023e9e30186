"""The models core owns. tortoise-orm discovers them from this module.

A model's docstring becomes its table comment, and tortoise-orm's SQLite migration
splits statements on ";": keep semicolons out of model docstrings.
"""

from __future__ import annotations

from core.models.accounts import (
    FaceVerification,
    RecoveryCode,
    Role,
    RoleGrant,
    Session,
    SmsMessage,
    User,
)
from core.models.applications import Application, FamilyMember, Material, ReviewEvent
from core.models.audit import AuditLog
from core.models.eligibility import EligibilityAnalysis
from core.models.policy import CategorySetting, ConditionSetting, PolicyYear
from core.models.reference import Employer, EmployerNature
from core.models.shared_data import ReapplicationPermit, SharedDataRow

__all__ = [
    "Application",
    "AuditLog",
    "CategorySetting",
    "ConditionSetting",
    "EligibilityAnalysis",
    "Employer",
    "EmployerNature",
    "FaceVerification",
    "FamilyMember",
    "Material",
    "PolicyYear",
    "ReapplicationPermit",
    "RecoveryCode",
    "ReviewEvent",
    "Role",
    "RoleGrant",
    "Session",
    "SharedDataRow",
    "SmsMessage",
    "User",
]
