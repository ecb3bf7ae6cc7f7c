from __future__ import annotations

from pydantic import Field, SecretStr

from shared.settings import BaseServiceSettings


class NotificationSettings(BaseServiceSettings):
    database_url: str = Field("sqlite:///var/notifications.db", alias="NOTIFICATIONS_DATABASE_URL")
    smtp_host: str = Field("127.0.0.1", alias="SMTP_HOST")
    smtp_port: int = Field(1025, alias="SMTP_PORT")
    smtp_username: str | None = Field(None, alias="SMTP_USERNAME")
    smtp_password: SecretStr | None = Field(None, alias="SMTP_PASSWORD")
    smtp_starttls: bool = Field(False, alias="SMTP_STARTTLS")
    smtp_ssl: bool = Field(False, alias="SMTP_SSL")
    smtp_timeout: float = Field(15.0, alias="SMTP_TIMEOUT")
    mail_from: str = Field("Clinic bookings <bookings@clinic.example>", alias="MAIL_FROM")
    clinic_name: str = Field("The Clinic", alias="CLINIC_NAME")
    # Retries of a transient SMTP failure: base delay doubles each attempt (with jitter), up to the cap.
    retry_base_seconds: float = Field(30.0, alias="NOTIFICATIONS_RETRY_BASE_SECONDS", gt=0)
    retry_max_attempts: int = Field(12, alias="NOTIFICATIONS_RETRY_MAX_ATTEMPTS", gt=0)
    # A delivery left `sending` this long lost its worker mid-send; the sweep sends it again (same Message-ID).
    stuck_send_seconds: float = Field(300.0, alias="NOTIFICATIONS_STUCK_SEND_SECONDS", gt=0)
    reminder_hours: float = Field(24, alias="NOTIFICATIONS_REMINDER_HOURS", gt=0)
    short_reminder_hours: float = Field(2, alias="NOTIFICATIONS_SHORT_REMINDER_HOURS", gt=0)
    day_schedule_hour: int = Field(7, alias="NOTIFICATIONS_DAY_SCHEDULE_HOUR", ge=0, le=23)
    # Where rejection emails look up alternative times (the booking service's HTTP API).
    booking_url: str = Field("http://127.0.0.1:8002", alias="BOOKING_URL")
    # The self-service page; client emails link to it with the booking's signed token after `#`
    # (shared.links, MANAGE_LINK_SECRET). Empty, or no secret: emails carry no link.
    manage_url: str = Field("", alias="NOTIFICATIONS_MANAGE_URL")
    # Staff (a front-desk mailbox) who also hear that intake answers wait for review; empty: the therapist only.
    review_email: str = Field("", alias="NOTIFICATIONS_REVIEW_EMAIL")
