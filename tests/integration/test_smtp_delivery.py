"""Handing a confirmation to a real SMTP server, and telling a passing failure from a final one."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date, format_time

from services.catalog.domain import seed
from services.notifications.adapters import rendering
from services.notifications.adapters.mailer import PermanentFailure, SmtpConfig, SmtpSession, TransientFailure, send
from services.notifications.domain.messages import Kind, Mail, message_id
from tests.integration.notifications.story import MailServer
from tests.support.servers import SmtpSink, free_port, wait_until

MAIL_FROM = "Clinic bookings <bookings@clinic.example>"
CLIENT = "maria.schmidt@example.com"
SCRIPT = "<script>alert(1)</script>"


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    with SmtpSink() as running:
        yield running


def config_for(sink: SmtpSink) -> SmtpConfig:
    return SmtpConfig(host=sink.host, port=sink.port, mail_from=MAIL_FROM, timeout=10)


def confirmation(client_name: str = "Maria Schmidt") -> Mail:
    booking_id = str(uuid.uuid4())
    local = datetime(2026, 12, 1, 12, 0, tzinfo=UTC).astimezone(ZoneInfo("Europe/Berlin"))
    cupping = seed.BACK_LEG_CUPPING
    context = {
        "clinic_name": "The Clinic",
        "booking_id": booking_id,
        "treatment_name": cupping.name,
        "duration_minutes": cupping.duration_minutes,
        "therapist_name": "Anna Keller",
        "client_name": client_name,
        "room_name": "Treatment room 1",
        "kit_name": "Cupping kit A",
        "when": {
            "date": format_date(local, "full", locale="en"),
            "time": format_time(local, "short", locale="en"),
            "timezone": "Europe/Berlin",
        },
        "summary": cupping.summary,
        "what_to_expect": list(cupping.what_to_expect),
        "preparation": list(cupping.preparation),
        "aftercare": list(cupping.aftercare),
    }
    subject, text, html = rendering.render(Kind.BOOKING_CONFIRMED, context)
    return Mail(
        to=CLIENT,
        subject=subject,
        text=text,
        html=html,
        message_id=message_id(booking_id, Kind.BOOKING_CONFIRMED, CLIENT, 2, "clinic.example"),
    )


def test_a_confirmation_arrives_and_reads_back_as_sent(sink: SmtpSink) -> None:
    mail = confirmation(client_name=SCRIPT)
    send(config_for(sink), mail)

    [received] = wait_until(sink.received, timeout=10, message="the SMTP sink got no message")
    assert received.mail_from == "bookings@clinic.example"
    assert received.rcpt_tos == [CLIENT]
    message = received.message
    assert message["Subject"] == mail.subject
    assert message["Message-ID"] == mail.message_id
    assert message["To"] == CLIENT
    assert message.get_content_type() == "multipart/alternative"
    plain = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert plain is not None and html is not None
    assert plain.get_content().replace("\r\n", "\n") == mail.text  # SMTP carries CRLF line ends
    assert SCRIPT in plain.get_content()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html.get_content()
    assert "<script" not in html.get_content()


def test_a_resent_message_keeps_its_message_id(sink: SmtpSink) -> None:
    mail = confirmation()
    send(config_for(sink), mail)
    send(config_for(sink), mail)
    received = wait_until(lambda: len(sink.received()) == 2 and sink.received(), timeout=10)
    assert [r.message["Message-ID"] for r in received] == [mail.message_id, mail.message_id]


def test_a_busy_server_is_a_failure_worth_retrying(sink: SmtpSink) -> None:
    sink.fail_with = (451, "4.3.0 mailbox busy, try later")
    with pytest.raises(TransientFailure, match=r"451 4\.3\.0 mailbox busy, try later"):
        send(config_for(sink), confirmation())
    assert sink.received() == []

    sink.fail_with = None  # the server recovered: the same message now goes through
    send(config_for(sink), confirmation())
    assert len(wait_until(sink.received, timeout=10)) == 1


def test_a_refused_recipient_is_final_and_the_servers_answer_is_kept(sink: SmtpSink) -> None:
    sink.fail_with = (550, "5.1.1 no such user here")
    with pytest.raises(PermanentFailure) as refused:
        send(config_for(sink), confirmation())
    assert str(refused.value) == "550 5.1.1 no such user here"
    assert not isinstance(refused.value, TransientFailure)
    assert sink.received() == []


def test_a_server_that_is_down_is_a_failure_worth_retrying() -> None:
    closed = SmtpConfig(host="127.0.0.1", port=free_port(), mail_from=MAIL_FROM, timeout=5)
    with pytest.raises(TransientFailure, match="ConnectionRefusedError"):
        send(closed, confirmation())


def test_a_server_that_went_away_is_a_failure_worth_retrying(sink: SmtpSink) -> None:
    config = config_for(sink)
    sink.stop()
    with pytest.raises(TransientFailure):
        send(config, confirmation())


def test_one_session_carries_several_messages_over_one_connection(sink: SmtpSink) -> None:
    session = SmtpSession(config_for(sink))
    first, second = confirmation(), confirmation("Jonas Weber")

    session.send(first)
    session.send(second)
    session.close()

    received = sink.received()
    assert [m.message["Message-ID"] for m in received] == [first.message_id, second.message_id]
    assert received[0].peer is not None and received[0].peer == received[1].peer


def test_a_session_the_server_let_go_is_opened_anew() -> None:
    server = MailServer().start()
    session = SmtpSession(SmtpConfig(host=server.host, port=server.port, mail_from=MAIL_FROM, timeout=10))
    session.CHECK_AFTER_IDLE = 0.0  # check before every message
    try:
        session.send(confirmation())
        server.stop()
        with pytest.raises(TransientFailure):
            session.send(confirmation())  # down: worth retrying, and the dead session is dropped
        server.start()
        later = confirmation("Jonas Weber")

        session.send(later)

        assert [m.message["Message-ID"] for m in server.received()][-1] == later.message_id
    finally:
        session.close()
        server.stop()
