"""The one place that wires the notifications service. Nothing connects at import."""

from __future__ import annotations

from email.utils import parseaddr
from functools import partial

from services.notifications.adapters import mailer
from services.notifications.config import get_settings
from services.notifications.service_layer.handlers import Send
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


def mail_domain() -> str:
    """Message-IDs are made under the sender's domain."""
    return parseaddr(get_settings().mail_from)[1].rpartition("@")[2] or "clinic.invalid"
