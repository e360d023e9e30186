"""Expected failures: a stable machine-readable code a frontend can act on.

Services raise :class:`DomainError`; the GraphQL layer turns it into a typed
``OperationError`` result. Anything else is unexpected and gets masked.
"""

from __future__ import annotations

import enum
from typing import Any


class ErrorCode(enum.Enum):
    # Input
    INVALID_INPUT = "INVALID_INPUT"
    INVALID_ID_NUMBER = "INVALID_ID_NUMBER"
    INVALID_MOBILE = "INVALID_MOBILE"
    WEAK_PASSWORD = "WEAK_PASSWORD"
    # Accounts and sessions
    USERNAME_TAKEN = "USERNAME_TAKEN"
    ID_NUMBER_TAKEN = "ID_NUMBER_TAKEN"
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    ACCOUNT_LOCKED = "ACCOUNT_LOCKED"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    SESSION_EXPIRED = "SESSION_EXPIRED"
    INVALID_TOKEN = "INVALID_TOKEN"
    INVALID_RECOVERY_CODE = "INVALID_RECOVERY_CODE"
    # Face verification (微警认证)
    VERIFICATION_NOT_FOUND = "VERIFICATION_NOT_FOUND"
    VERIFICATION_PENDING = "VERIFICATION_PENDING"
    VERIFICATION_FAILED = "VERIFICATION_FAILED"
    VERIFICATION_EXPIRED = "VERIFICATION_EXPIRED"
    VERIFICATION_ALREADY_USED = "VERIFICATION_ALREADY_USED"
    VERIFICATION_REQUIRED = "VERIFICATION_REQUIRED"
    INVALID_SIGNATURE = "INVALID_SIGNATURE"
    # Authorisation and lookup
    FORBIDDEN = "FORBIDDEN"
    NOT_FOUND = "NOT_FOUND"
    # Policy years and plugins
    POLICY_YEAR_EXISTS = "POLICY_YEAR_EXISTS"
    NO_CURRENT_POLICY_YEAR = "NO_CURRENT_POLICY_YEAR"
    CATEGORY_DISABLED = "CATEGORY_DISABLED"
    CONDITION_DISABLED = "CONDITION_DISABLED"
    UNKNOWN_CATEGORY = "UNKNOWN_CATEGORY"
    UNKNOWN_CONDITION = "UNKNOWN_CONDITION"
    INVALID_PARAMETER = "INVALID_PARAMETER"
    # Eligibility and starting an application
    NOTICE_NOT_ACCEPTED = "NOTICE_NOT_ACCEPTED"
    ANALYSIS_EXPIRED = "ANALYSIS_EXPIRED"
    CONDITION_CHOICE_REQUIRED = "CONDITION_CHOICE_REQUIRED"
    NO_CONDITION_MET = "NO_CONDITION_MET"
    REAPPLICATION_BARRED = "REAPPLICATION_BARRED"
    # The dossier
    IMAGE_TOO_LARGE = "IMAGE_TOO_LARGE"
    IMAGE_TRUNCATED = "IMAGE_TRUNCATED"
    IMAGE_MALFORMED = "IMAGE_MALFORMED"
    UNSUPPORTED_FILE_TYPE = "UNSUPPORTED_FILE_TYPE"
    UNKNOWN_MATERIAL_KIND = "UNKNOWN_MATERIAL_KIND"
    OCR_BUSY = "OCR_BUSY"
    APPLICATION_NOT_EDITABLE = "APPLICATION_NOT_EDITABLE"
    DOSSIER_INCOMPLETE = "DOSSIER_INCOMPLETE"
    CONFLICT = "CONFLICT"


class DomainError(Exception):
    """An expected failure with a code, a message for people and optional details."""

    def __init__(
        self,
        code: ErrorCode,
        message: str,
        *,
        field: str | None = None,
        retry_after_seconds: int | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        self.retry_after_seconds = retry_after_seconds
        self.details = details or {}

    def __repr__(self) -> str:
        return f"DomainError({self.code.value}, {self.message!r})"
