"""Every setting in one place: environment variables (``TALENT_*``) over a TOML file.

The file is ``talent.toml`` in the working directory, or the path in ``TALENT_CONFIG``.
Defaults are the embedded development profile: SQLite, local files, simulated providers.
"""

from __future__ import annotations

import os
from functools import lru_cache
from ipaddress import ip_network
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, Field, field_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

DEV_SECRET = "development-only-secret-change-me"


def _config_file() -> Path:
    return Path(os.environ.get("TALENT_CONFIG", "talent.toml"))


class RateRule(BaseModel):
    """At most ``limit`` attempts per key in a fixed window of ``window_seconds``."""

    limit: int = Field(gt=0)
    window_seconds: int = Field(gt=0)


# Rate limits (core/ratelimit.py) by scope: a key is an account name, identity number,
# mobile, user or client address. Chosen so a person doing the thing by hand never
# meets them, while scripted guessing or SMS bombing stops after a handful of tries.
# An address allows more than an account: offices and campuses share one NAT address.
DEFAULT_RATE_LIMITS: dict[str, RateRule] = {
    "login.account": RateRule(limit=10, window_seconds=900),
    "login.address": RateRule(limit=100, window_seconds=900),
    "face.user": RateRule(limit=10, window_seconds=600),
    "face.address": RateRule(limit=30, window_seconds=600),
    "sms.identity": RateRule(limit=5, window_seconds=3600),
    "sms.mobile": RateRule(limit=5, window_seconds=3600),
    "sms.address": RateRule(limit=20, window_seconds=3600),
    "shared_data.user": RateRule(limit=20, window_seconds=86400),
    "upload.user": RateRule(limit=100, window_seconds=3600),
    "upload.address": RateRule(limit=300, window_seconds=3600),
}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TALENT_", extra="forbid")

    profile: Literal["development", "production"] = "development"
    database_url: str = "sqlite://var/talent.sqlite3"
    storage_dir: Path = Path("var/files")
    host: str = "127.0.0.1"
    port: int = 8000

    # Keys: HMAC for tokens and the simulated face-verification provider's callbacks.
    secret_key: str = DEV_SECRET
    face_verification_secret: str = DEV_SECRET

    # Category plugins registered explicitly at start-up, in addition to the
    # ``talent.plugins`` entry-point group.
    plugins: list[str] = Field(
        default_factory=lambda: [
            "plugins.education",
            "plugins.title",
            "plugins.skill",
            "plugins.high_level",
            "plugins.other",
        ]
    )
    load_entrypoint_plugins: bool = True

    # Accounts.
    session_idle_minutes: int = 30
    refresh_token_days: int = 7
    lockout_threshold: int = 5
    lockout_minutes: int = 15
    recovery_code_minutes: int = 10
    recovery_code_attempts: int = 5

    # Face verification (微警认证): the seeds show a 179-second validity.
    face_verification_ttl_seconds: int = 179

    # Uploads and OCR.
    max_upload_bytes: int = 10 * 1024 * 1024
    max_image_pixels: int = 40_000_000
    ocr_enabled: bool = True
    ocr_workers: int = 1
    ocr_threads_per_worker: int = 1
    ocr_max_pending: int = 32

    # Durable timers (core/jobs.py): how often each server process runs due jobs;
    # 0 turns the background runner off (``talent jobs run`` still runs them).
    jobs_poll_seconds: float = 30.0

    # The household-registration card (入户卡): days it stays valid after issue.
    card_valid_days: int = 180

    # GraphQL surface. None: on in development, off in production.
    graphiql: bool | None = None
    introspection: bool | None = None
    field_suggestions: bool | None = None  # "Did you mean ...?" in validation errors

    # Query limits, checked at validation before any resolver runs (schema/limits.py).
    query_max_depth: int = 10
    query_max_aliases: int = 15
    query_max_tokens: int = 2000
    # Estimated cost: the objects a query may return. A list's size is its ``first``
    # argument, the largest page (core/paging.py) for a variable, or the default size
    # for a list without one (categories, a dossier's materials: short lists).
    query_max_cost: int = 25_000
    query_default_list_size: int = 10
    query_max_list_size: int = 50

    # Request bodies, counted as they stream in (core/limits.py). A multipart upload
    # may carry ``max_upload_files`` files of ``max_upload_bytes`` each.
    max_request_bytes: int = 1024 * 1024
    max_upload_files: int = 5

    # Rate limits: the defaults above, a rule given here replaces its scope's
    # (``TALENT_RATE_LIMITS='{"login.account": {"limit": 5, "window_seconds": 600}}'``).
    rate_limits: dict[str, RateRule] = Field(default_factory=lambda: dict(DEFAULT_RATE_LIMITS))
    # Reverse proxies (addresses or networks, comma-separated in the environment) whose
    # X-Forwarded-For is believed: the client address is its last hop only when the
    # peer is one of these, otherwise the peer itself (core/ratelimit.py).
    trusted_proxies: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Keep the counters in Redis (redis://host:6379/0) instead of the database.
    rate_limit_redis_url: str | None = None

    # The audit log (core/audit.py) is kept this many days, then purged by a daily job
    # (core/audit_retention.py). MLPS 2.0 level 3 asks for at least 180 days; the
    # production profile refuses less.
    audit_retention_days: int = Field(default=180, gt=0)
    # Arm the daily purge at start-up (off in tests that count the timers they fire).
    audit_purge_enabled: bool = True

    # Personal data at rest (core/crypto.py): AES-256-GCM keys by id, base64 of 32 bytes
    # (``TALENT_DATA_KEYS='{"2026a": "..."}'``); new values are written under
    # ``data_key_id``, every listed key still reads. ``lookup_key`` keys the HMAC-SHA256
    # that finds an encrypted value (an identity number at sign-in). Unset: keys derived
    # from the development secret, which the production profile refuses.
    data_keys: dict[str, str] = Field(default_factory=dict)
    data_key_id: str | None = None
    lookup_key: str | None = None

    # Observability: log lines as JSON objects or as text; GET /metrics on or off.
    log_format: Literal["text", "json"] = "text"
    metrics_enabled: bool = True

    @field_validator("rate_limits", mode="after")
    @classmethod
    def _merge_rate_limits(cls, value: dict[str, RateRule]) -> dict[str, RateRule]:
        unknown = sorted(set(value) - set(DEFAULT_RATE_LIMITS))
        if unknown:
            raise ValueError(f"unknown rate-limit scopes: {', '.join(unknown)}")
        return {**DEFAULT_RATE_LIMITS, **value}

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_proxies(cls, value: object) -> object:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        if isinstance(value, list):
            for item in value:
                ip_network(str(item), strict=False)  # ValueError: not an address or network
        return value

    def _by_profile(self, value: bool | None) -> bool:
        return self.profile == "development" if value is None else value

    @property
    def graphiql_enabled(self) -> bool:
        return self._by_profile(self.graphiql)

    @property
    def introspection_enabled(self) -> bool:
        return self._by_profile(self.introspection)

    @property
    def field_suggestions_enabled(self) -> bool:
        return self._by_profile(self.field_suggestions)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml = TomlConfigSettingsSource(settings_cls, toml_file=_config_file())
        return (init_settings, env_settings, toml, file_secret_settings)

    def check(self) -> None:
        """Refuse to run production with development keys."""
        if self.profile == "production" and DEV_SECRET in (
            self.secret_key,
            self.face_verification_secret,
        ):
            raise RuntimeError(
                "TALENT_SECRET_KEY and TALENT_FACE_VERIFICATION_SECRET must be set in production"
            )
        if self.profile == "production" and self.audit_retention_days < 180:
            raise RuntimeError("TALENT_AUDIT_RETENTION_DAYS must be at least 180 in production")
        if self.profile == "production" and not (
            self.data_keys and self.data_key_id and self.lookup_key
        ):
            raise RuntimeError(
                "TALENT_DATA_KEYS, TALENT_DATA_KEY_ID and TALENT_LOOKUP_KEY must be set in "
                "production (personal data at rest, README: Keys and their rotation)"
            )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    settings = Settings()
    settings.check()
    return settings
