"""The one place that wires the notifications service. Nothing connects at import."""

from __future__ import annotations

from datetime import datetime, timedelta
from email.utils import parseaddr
from functools import partial

import httpx

from services.notifications.adapters import mailer
from services.notifications.config import get_settings
from services.notifications.service_layer.handlers import Alternatives, MailSettings, Send
from shared.db import Database

database = Database(lambda: get_settings().database_url)
session_factory = database.session_factory
read_session_factory = database.read_session_factory


def smtp_send() -> Send:
    s = get_settings()
    config = mailer.SmtpConfig(
        host=s.smtp_host,
        port=s.smtp_port,
        mail_from=s.mail_from,
        username=s.smtp_username,
        password=s.smtp_password.get_secret_value() if s.smtp_password else None,
        starttls=s.smtp_starttls,
        use_ssl=s.smtp_ssl,
        timeout=s.smtp_timeout,
    )
    return partial(mailer.send, config)


def mail_settings() -> MailSettings:
    s = get_settings()
    sender = parseaddr(s.mail_from)[1] or "bookings@clinic.invalid"
    return MailSettings(
        domain=sender.rpartition("@")[2] or "clinic.invalid",
        sender=sender,
        clinic_name=s.clinic_name,
        manage_url=s.manage_url,
    )


def alternatives() -> Alternatives:
    """Free starts after a refused one, asked of the booking service over HTTP (its own API)."""
    base = get_settings().booking_url.rstrip("/")

    def find(treatment: str, after: datetime, location: str) -> list[datetime]:
        answer = httpx.get(
            f"{base}/availability",
            params={"treatment": treatment, "date": (after - timedelta(hours=12)).date().isoformat(), "days": 4,
                    "location": location},
            timeout=5,
        )  # fmt: skip
        answer.raise_for_status()
        return [s for s in map(datetime.fromisoformat, answer.json()["slots"]) if s > after]

    return find
