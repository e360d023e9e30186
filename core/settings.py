"""Every setting in one place: environment variables (``TALENT_*``) over a TOML file.

The file is ``talent.toml`` in the working directory, or the path in ``TALENT_CONFIG``.
Defaults are the embedded development profile: SQLite, local files, simulated providers.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

DEV_SECRET = "development-only-secret-change-me"


def _config_file() -> Path:
    return Path(os.environ.get("TALENT_CONFIG", "talent.toml"))


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

    # Observability: log lines as JSON objects or as text; GET /metrics on or off.
    log_format: Literal["text", "json"] = "text"
    metrics_enabled: bool = True

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


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    settings = Settings()
    settings.check()
    return settings
