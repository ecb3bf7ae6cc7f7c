"""Settings every service reads from the environment (pydantic-settings)."""

from __future__ import annotations

from typing import Literal
from zoneinfo import ZoneInfo

from limits import RateLimitItem, parse_many
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEVELOPMENT_API_KEY = "dev-admin-key"
# Signs staff sign-in tokens in development only; refused under any other APP_ENV.
DEVELOPMENT_TOKEN_SECRET = "dev-staff-token-secret-not-for-production"


class ObservabilitySettings(BaseSettings):
    """How every process (APIs, workers, scheduler, page server) logs and serves metrics."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore", populate_by_name=True)

    # json, text, or auto: JSON lines unless stderr is a terminal.
    log_format: Literal["auto", "json", "text"] = Field("auto", alias="LOG_FORMAT")
    # Unset: INFO for the APIs and the page server, the command's --loglevel for Celery.
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] | None = Field(None, alias="LOG_LEVEL")
    # A worker serves its Prometheus metrics on this port (unset: not served); the APIs use /metrics.
    metrics_port: int | None = Field(None, alias="METRICS_PORT", ge=1, le=65535)

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_case(cls, value: object) -> object:
        return (value.upper() or None) if isinstance(value, str) else value


class RateLimitSettings(BaseSettings):
    """The limits, in the `limits` library's notation ("20/minute;200/hour": every part holds; empty: no
    limit). Validated when the settings are read, so a typo stops the API at start."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore", populate_by_name=True)

    rate_limit_enabled: bool = Field(True, alias="RATE_LIMIT_ENABLED")
    # Empty: the service's REDIS_URL. `memory://` counts per process (tests, a single-process demo).
    rate_limit_storage_url: str = Field("", alias="RATE_LIMIT_STORAGE_URL")
    bookings_per_address: str = Field("20/minute;200/hour", alias="RATE_LIMIT_BOOKINGS_PER_ADDRESS")
    bookings_per_email: str = Field("10/hour;30/day", alias="RATE_LIMIT_BOOKINGS_PER_EMAIL")
    availability_per_address: str = Field("120/minute;2000/hour", alias="RATE_LIMIT_AVAILABILITY_PER_ADDRESS")
    booking_changes: str = Field("5/hour;20/day", alias="RATE_LIMIT_BOOKING_CHANGES")
    sign_in_per_address: str = Field("10/minute;100/hour", alias="RATE_LIMIT_SIGN_IN_PER_ADDRESS")
    sign_in_per_email: str = Field("5/minute;30/hour", alias="RATE_LIMIT_SIGN_IN_PER_EMAIL")
    max_body_bytes: int = Field(64 * 1024, alias="MAX_BODY_BYTES", ge=1024, le=16 * 1024 * 1024)

    @field_validator(
        "bookings_per_address",
        "bookings_per_email",
        "availability_per_address",
        "booking_changes",
        "sign_in_per_address",
        "sign_in_per_email",
    )
    @classmethod
    def _parses(cls, value: str) -> str:
        parse_limits(value)
        return value


def parse_limits(text: str) -> list[RateLimitItem]:
    """'20/minute;200/hour' -> its limits; '' -> none. ValueError saying what is wrong otherwise."""
    if not text.strip():
        return []
    try:
        return list(parse_many(text))
    except ValueError:
        raise ValueError(
            f"{text!r} is not a rate limit: write e.g. '20/minute' or '20/minute;200/hour' "
            "(per second, minute, hour, day, month or year)"
        ) from None


class BaseServiceSettings(RateLimitSettings, ObservabilitySettings):
    """What all three services share; each service adds its own database URL."""

    app_env: str = Field("development", alias="APP_ENV")
    redis_url: str = Field("redis://127.0.0.1:6379/0", alias="REDIS_URL")
    clinic_timezone: str = Field("Europe/Berlin", alias="CLINIC_TIMEZONE")
    admin_api_key: str = Field(DEVELOPMENT_API_KEY, alias="ADMIN_API_KEY")
    # Seconds before Redis hands an unacknowledged task to another worker; one value for every app.
    visibility_timeout: int = Field(900, alias="CELERY_VISIBILITY_TIMEOUT")
    # Web front ends on other origins that may call this API from a browser (comma-separated).
    cors_origins: str = Field("", alias="CORS_ORIGINS")
    # Signs the self-service links in client emails (shared.links); booking and notifications need the same.
    manage_link_secret: SecretStr = Field(SecretStr(""), alias="MANAGE_LINK_SECRET")
    # Signs staff sign-in tokens (JWT, HS256): the catalog issues them, all three APIs check them.
    staff_token_secret: SecretStr = Field(SecretStr(DEVELOPMENT_TOKEN_SECRET), alias="STAFF_TOKEN_SECRET")
    # How long a staff token is good for; the desk page refreshes it while open.
    staff_token_minutes: int = Field(15, alias="STAFF_TOKEN_MINUTES", ge=1, le=24 * 60)
    # How long one sign-in lasts across refreshes: then the password again (a stolen token dies with it).
    staff_session_hours: int = Field(12, alias="STAFF_SESSION_HOURS", ge=1, le=30 * 24)

    @model_validator(mode="after")
    def _refuse_placeholders_outside_development(self) -> BaseServiceSettings:
        ZoneInfo(self.clinic_timezone)  # raises for an unknown zone, at start rather than at the first booking
        if self.app_env != "development" and self.admin_api_key == DEVELOPMENT_API_KEY:
            raise ValueError("ADMIN_API_KEY must be set to a secret outside development (APP_ENV)")
        if self.app_env != "development":
            secret = self.staff_token_secret.get_secret_value()
            if secret == DEVELOPMENT_TOKEN_SECRET:
                raise ValueError("STAFF_TOKEN_SECRET must be set to a secret outside development (APP_ENV)")
            if len(secret) < 32:  # HS256 wants a key at least as long as its 256-bit hash
                raise ValueError("STAFF_TOKEN_SECRET must be at least 32 characters")
        return self

    @property
    def allowed_origins(self) -> list[str]:
        return [origin.strip().rstrip("/") for origin in self.cors_origins.split(",") if origin.strip()]

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.clinic_timezone)
