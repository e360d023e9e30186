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
from core.models.cards import HouseholdCard
from core.models.eligibility import EligibilityAnalysis
from core.models.employer_admins import EmployerAdminRequest
from core.models.jobs import Job, JobStatus
from core.models.policy import CategorySetting, ConditionSetting, PolicyYear
from core.models.ratelimit import RateCounter
from core.models.reference import (
    Employer,
    EmployerNature,
    Major,
    MajorLevel,
    ReferenceAttachment,
    ReferenceRequest,
    ReferenceRequestKind,
    ReferenceRequestStatus,
    School,
    SchoolLevel,
)
from core.models.shared_data import ReapplicationPermit, SharedDataRow

__all__ = [
    "Application",
    "AuditLog",
    "CategorySetting",
    "ConditionSetting",
    "EligibilityAnalysis",
    "Employer",
    "EmployerAdminRequest",
    "EmployerNature",
    "FaceVerification",
    "FamilyMember",
    "HouseholdCard",
    "Job",
    "JobStatus",
    "Major",
    "MajorLevel",
    "Material",
    "PolicyYear",
    "RateCounter",
    "ReapplicationPermit",
    "RecoveryCode",
    "ReferenceAttachment",
    "ReferenceRequest",
    "ReferenceRequestKind",
    "ReferenceRequestStatus",
    "ReviewEvent",
    "Role",
    "RoleGrant",
    "School",
    "SchoolLevel",
    "Session",
    "SharedDataRow",
    "SmsMessage",
    "User",
]
