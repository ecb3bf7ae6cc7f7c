"""Sending one multipart message over SMTP, and telling a passing failure from a final one."""

from __future__ import annotations

import smtplib
import ssl
import threading
import time
from dataclasses import dataclass
from email import policy
from email.header import Header
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import formatdate

from services.notifications.domain.messages import Mail, UnsafeHeader, safe_header


class TransientFailure(Exception):
    """Worth trying again later: 4xx answers, refused connections, timeouts."""


class PermanentFailure(Exception):
    """The server refused the message for good (5xx); the text is its answer."""


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    mail_from: str
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    use_ssl: bool = False
    timeout: float = 15.0


class _WholeWordSubjects(EmailPolicy):
    """Python 3.11's folder drops the space between two RFC 2047 encoded words it makes of a non-ASCII
    subject ("Massage: Rücken" arrives as "Massage:Rücken"); email.header.Header encodes the spaces
    inside the words, so German subjects reach the reader intact."""

    def _encode_subject(self, name: str, value: str) -> str | None:
        if name.lower() != "subject" or str(value).isascii():
            return None
        return f"{name}: {Header(str(value), 'utf-8', header_name=name).encode(linesep=self.linesep)}{self.linesep}"

    def fold(self, name: str, value: str) -> str:
        return self._encode_subject(name, value) or super().fold(name, value)

    def fold_binary(self, name: str, value: str) -> bytes:
        folded = self._encode_subject(name, value)
        return folded.encode("ascii") if folded else super().fold_binary(name, value)


MAIL_POLICY = _WholeWordSubjects() + policy.SMTP


def build_message(mail: Mail, mail_from: str) -> EmailMessage:
    """Plain text and HTML as one multipart/alternative message; headers refuse line breaks."""
    message = EmailMessage(policy=MAIL_POLICY)
    message["From"] = safe_header(mail_from)
    message["To"] = safe_header(mail.to)
    message["Subject"] = safe_header(mail.subject)
    message["Message-ID"] = safe_header(mail.message_id)
    message["Date"] = formatdate(localtime=False)
    if mail.correlation_id:
        message["X-Correlation-ID"] = safe_header(mail.correlation_id)
    message.set_content(mail.text)
    message.add_alternative(mail.html, subtype="html")
    if mail.attachments:
        # multipart/mixed: the text/HTML alternatives first, then the calendar entry.
        message.make_mixed()
        for attachment in mail.attachments:
            maintype, _, rest = attachment.content_type.partition("/")
            subtype, *params = [part.strip() for part in rest.split(";")]
            message.add_attachment(
                attachment.data,
                maintype=maintype,
                subtype=subtype,
                filename=attachment.filename,
                params=dict(p.split("=", 1) for p in params if p and not p.startswith("charset")),
            )
    return message


class SmtpSession:
    """One SMTP session kept open across messages: connecting, greeting and logging in cost more than
    handing over a short message. A session idle for a while is checked (NOOP) and opened anew when
    the server has let it go; any failure while sending closes it, so the next message starts clean.
    A lock keeps threads (the API's) from interleaving commands on it."""

    CHECK_AFTER_IDLE = 2.0  # seconds

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config
        self._client: smtplib.SMTP | None = None
        self._last_used = 0.0
        self._lock = threading.Lock()

    def send(self, mail: Mail) -> None:
        try:
            message = build_message(mail, self.config.mail_from)
        except UnsafeHeader as error:
            raise PermanentFailure(f"not sent: {error}") from error
        with self._lock:
            try:
                self._open().send_message(message)
                self._last_used = time.monotonic()
            except smtplib.SMTPResponseException as error:
                self.close()
                answer = f"{error.smtp_code} {_text(error.smtp_error)}"
                if 400 <= error.smtp_code < 500:
                    raise TransientFailure(answer) from error
                raise PermanentFailure(answer) from error
            except smtplib.SMTPRecipientsRefused as error:
                self.close()
                codes = [code for code, _ in error.recipients.values()]
                answer = "; ".join(f"{code} {_text(msg)}" for code, msg in error.recipients.values())
                if all(400 <= code < 500 for code in codes):
                    raise TransientFailure(answer) from error
                raise PermanentFailure(answer) from error
            except (OSError, smtplib.SMTPException) as error:
                self.close()
                raise TransientFailure(f"{type(error).__name__}: {error}") from error
            except BaseException:  # anything else mid-transaction: never reuse a half-spoken session
                self.close()
                raise

    def _open(self) -> smtplib.SMTP:
        if self._client is not None and time.monotonic() - self._last_used > self.CHECK_AFTER_IDLE:
            try:
                alive = self._client.noop()[0] == 250
            except (OSError, smtplib.SMTPException):
                alive = False
            if not alive:
                self.close()
        if self._client is None:
            self._client = self._connect()
        return self._client

    def _connect(self) -> smtplib.SMTP:
        config = self.config
        client: smtplib.SMTP
        if config.use_ssl:
            client = smtplib.SMTP_SSL(
                config.host, config.port, timeout=config.timeout, context=ssl.create_default_context()
            )
        else:
            client = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
        try:
            if config.starttls and not config.use_ssl:
                client.starttls(context=ssl.create_default_context())
            if config.username:
                client.login(config.username, config.password or "")
        except BaseException:
            client.close()
            raise
        return client

    def close(self) -> None:
        if self._client is None:
            return
        client, self._client = self._client, None
        try:
            client.quit()
        except (OSError, smtplib.SMTPException):
            client.close()


def send(config: SmtpConfig, mail: Mail) -> None:
    """Send one message on a session of its own."""
    session = SmtpSession(config)
    try:
        session.send(mail)
    finally:
        session.close()


def _text(answer: bytes | str) -> str:
    return answer.decode(errors="replace") if isinstance(answer, bytes) else answer
