"""The one place that wires the notifications service: `bootstrap()` builds everything the API and the
worker use. Nothing connects at import, nor when it is built: the database on first use."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parseaddr

import httpx

from services.notifications.adapters import mailer
from services.notifications.adapters.repository import SqlRepository, Transactions
from services.notifications.config import NotificationSettings
from services.notifications.domain.messages import MailSettings, RetryPolicy
from services.notifications.service_layer.reminders import ReminderWindows
from services.notifications.service_layer.sending import Alternatives, MailRoom, Send
from shared.clock import Clock, system_clock
from shared.db import Database, transactions
from shared.observability import observe_booking_to_email


@dataclass(frozen=True)
class Wiring:
    """Everything the entrypoints use, built once."""

    settings: NotificationSettings
    database: Database
    clock: Clock
    send: Send  # the SMTP sender
    mail: MailSettings
    alternatives: Alternatives  # free times, asked of the booking service's API

    def transactions(self) -> Transactions:
        """A repository per short transaction (the session factory is looked up now: a forked worker
        child builds its own)."""
        return transactions(self.database.session_factory(), SqlRepository)

    @property
    def mailroom(self) -> MailRoom:
        retry = RetryPolicy(self.settings.retry_base_seconds, self.settings.retry_max_attempts)
        return MailRoom(
            self.send,
            self.mail,
            retry,
            self.clock,
            self.alternatives,
            timed=observe_booking_to_email,
            stuck_after=timedelta(seconds=self.settings.stuck_send_seconds),
        )

    @property
    def reminder_windows(self) -> ReminderWindows:
        return ReminderWindows(self.settings.reminder_hours, self.settings.short_reminder_hours)


def bootstrap(
    settings: NotificationSettings | None = None, clock: Clock = system_clock, send: Send | None = None
) -> Wiring:
    """The service wired from `settings` (default: read from the environment)."""
    settings = settings or NotificationSettings()
    return Wiring(
        settings=settings,
        database=Database(lambda: settings.database_url),
        clock=clock,
        send=send or smtp_send(settings),
        mail=mail_settings(settings),
        alternatives=booking_alternatives(settings.booking_url),
    )


def smtp_send(settings: NotificationSettings) -> Send:
    config = mailer.SmtpConfig(
        host=settings.smtp_host,
        port=settings.smtp_port,
        mail_from=settings.mail_from,
        username=settings.smtp_username,
        password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
        starttls=settings.smtp_starttls,
        use_ssl=settings.smtp_ssl,
        timeout=settings.smtp_timeout,
    )
    return mailer.SmtpSession(config).send  # one session per process, kept open across messages


def mail_settings(settings: NotificationSettings) -> MailSettings:
    sender = parseaddr(settings.mail_from)[1] or "bookings@clinic.invalid"
    return MailSettings(
        domain=sender.rpartition("@")[2] or "clinic.invalid",
        sender=sender,
        clinic_name=settings.clinic_name,
        manage_url=settings.manage_url,
        review_email=settings.review_email,
        link_secret=settings.manage_link_secret.get_secret_value(),
    )


def booking_alternatives(booking_url: str) -> Alternatives:
    """Free starts after a refused one, asked of the booking service over HTTP (its own API)."""
    base = booking_url.rstrip("/")

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
