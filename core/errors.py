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
    # Too many attempts in a window (core/ratelimit.py): retry after retry_after_seconds.
    RATE_LIMITED = "RATE_LIMITED"
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
    NO_SHARED_DATA = "NO_SHARED_DATA"
    FAMILY_MEMBER_NOT_ELIGIBLE = "FAMILY_MEMBER_NOT_ELIGIBLE"
    # The household-registration card (入户卡)
    CARD_REVOKED = "CARD_REVOKED"
    # The review lifecycle
    INVALID_TRANSITION = "INVALID_TRANSITION"
    RECALL_WINDOW_CLOSED = "RECALL_WINDOW_CLOSED"
    APPROVAL_BLOCKED = "APPROVAL_BLOCKED"
    APPLICATION_IN_PROGRESS = "APPLICATION_IN_PROGRESS"
    # Employers, schools, majors and requests to add them
    INVALID_CREDIT_CODE = "INVALID_CREDIT_CODE"
    REFERENCE_EXISTS = "REFERENCE_EXISTS"
    REFERENCE_REQUEST_PENDING = "REFERENCE_REQUEST_PENDING"
    REQUEST_ALREADY_DECIDED = "REQUEST_ALREADY_DECIDED"
    # Requests refused before any resolver runs: in ``errors[].extensions.code`` of the
    # GraphQL response (or of the JSON body of an HTTP-level refusal), never in a result.
    QUERY_TOO_DEEP = "QUERY_TOO_DEEP"
    TOO_MANY_ALIASES = "TOO_MANY_ALIASES"
    QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"
    QUERY_TOO_LARGE = "QUERY_TOO_LARGE"
    INTROSPECTION_DISABLED = "INTROSPECTION_DISABLED"
    GRAPHQL_PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
    GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
    BATCH_NOT_ALLOWED = "BATCH_NOT_ALLOWED"
    BAD_REQUEST = "BAD_REQUEST"
    METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"
    NOT_ACCEPTABLE = "NOT_ACCEPTABLE"
    UNSUPPORTED_MEDIA_TYPE = "UNSUPPORTED_MEDIA_TYPE"
    REQUEST_TOO_LARGE = "REQUEST_TOO_LARGE"
    MALFORMED_MULTIPART = "MALFORMED_MULTIPART"
    CSRF_PREFLIGHT_REQUIRED = "CSRF_PREFLIGHT_REQUIRED"
    INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"


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
