"""The emails the clinic sends: every template renders, client input cannot inject markup or headers."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date, format_time
from jinja2 import UndefinedError

from services.catalog.domain import seed
from services.notifications.adapters import rendering
from services.notifications.adapters.mailer import build_message
from services.notifications.domain.messages import Kind, Mail, UnsafeHeader, message_id, safe_header

BERLIN = ZoneInfo("Europe/Berlin")
START = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)  # 13:00 in Berlin
SCRIPT = "<script>alert(1)</script>"
MAIL_FROM = "Clinic bookings <bookings@clinic.example>"


def when(start: datetime) -> dict[str, str]:
    """As the notification handlers describe a time: the client's locale, the clinic's zone."""
    local = start.astimezone(BERLIN)
    return {
        "date": format_date(local, "full", locale="en"),
        "time": format_time(local, "short", locale="en"),
        "timezone": BERLIN.key,
    }


def confirmed_context(client_name: str = "Maria Schmidt") -> dict[str, Any]:
    """What `on_booking_confirmed` stores for both the client's and the therapist's message."""
    cupping = seed.BACK_LEG_CUPPING
    return {
        "clinic_name": "The Clinic",
        "booking_id": str(uuid.uuid4()),
        "treatment_name": cupping.name,
        "duration_minutes": cupping.duration_minutes,
        "therapist_name": "Anna Keller",
        "client_name": client_name,
        "room_name": "Treatment room 1",
        "kit_name": "Cupping kit A",
        "when": when(START),
        "summary": cupping.summary,
        "what_to_expect": list(cupping.what_to_expect),
        "preparation": list(cupping.preparation),
        "aftercare": list(cupping.aftercare),
        "manage_link": "",  # `sending.compose` adds it, signed, when the message goes out
    }


def rejected_context(client_name: str = "Maria Schmidt") -> dict[str, Any]:
    """What `on_booking_rejected` stores."""
    return {
        "clinic_name": "The Clinic",
        "booking_id": str(uuid.uuid4()),
        "treatment_name": seed.BACK_LEG_CUPPING.name,
        "client_name": client_name,
        "reason": "no cupping kit is free at 13:00 on 01 Dec 2026",
        "when": when(START),
        "manage_link": "",
    }


# The kinds this module checks in depth; tests/unit/notifications/test_all_templates.py renders every
# kind in every language.
VISIT_KINDS = [Kind.BOOKING_CONFIRMED, Kind.THERAPIST_ASSIGNED, Kind.BOOKING_REJECTED]


def context_for(kind: Kind, client_name: str = "Maria Schmidt") -> dict[str, Any]:
    return rejected_context(client_name) if kind is Kind.BOOKING_REJECTED else confirmed_context(client_name)


def mail(subject: str = "Confirmed: back & leg", to: str = "maria@example.com") -> Mail:
    return Mail(
        to=to,
        subject=subject,
        text="Your appointment is confirmed.\n",
        html="<p>Your appointment is <strong>confirmed</strong>.</p>\n",
        message_id=message_id(str(uuid.uuid4()), Kind.BOOKING_CONFIRMED, to, 2, "clinic.example"),
    )


# ---- every kind renders -------------------------------------------------------------------------


def test_every_kind_has_its_three_templates() -> None:
    for kind in Kind:
        for name in ("subject.txt", "body.txt", "body.html"):
            assert (rendering.TEMPLATES / kind.template / name).is_file(), f"{kind.template}/{name} is missing"


@pytest.mark.parametrize("kind", VISIT_KINDS, ids=lambda k: k.value)
def test_every_kind_renders_a_subject_text_and_html(kind: Kind) -> None:
    context = context_for(kind)
    subject, text, html = rendering.render(kind, context)
    assert subject and text.strip() and html.strip()
    assert "Tuesday, December 1, 2026" in subject and "Tuesday, December 1, 2026" in text
    assert seed.BACK_LEG_CUPPING.name in text
    assert context["booking_id"] in text and context["booking_id"] in html
    assert html.lstrip().startswith("<!doctype html>") and "</html>" in html


def test_the_client_confirmation_says_when_where_and_with_whom() -> None:
    subject, text, html = rendering.render(Kind.BOOKING_CONFIRMED, confirmed_context())
    assert subject == "Confirmed: Medical Massage: Back & Leg + Cupping on Tuesday, December 1, 2026 at 1:00 PM"
    for fact in (
        "Hello Maria Schmidt",
        "1:00\u202fPM (Europe/Berlin)",
        "45 minutes",
        "Anna Keller",
        "Treatment room 1",
    ):
        assert fact in text
    assert "Cupping can leave round marks on the skin" in text  # aftercare from the catalog
    assert "Back &amp; Leg + Cupping" in html


def test_the_therapist_hears_about_the_client_room_and_kit() -> None:
    _, text, html = rendering.render(Kind.THERAPIST_ASSIGNED, confirmed_context())
    assert text.startswith("Hello Anna Keller,")
    assert "Client:     Maria Schmidt" in text
    assert "Cupping kit: Cupping kit A" in text
    assert "<td>Cupping kit A</td>" in html


def test_a_rejection_gives_the_reason() -> None:
    subject, text, html = rendering.render(Kind.BOOKING_REJECTED, rejected_context())
    assert subject.startswith("We could not confirm your Medical Massage: Back & Leg + Cupping")
    assert "Why: no cupping kit is free at 13:00 on 01 Dec 2026." in text
    assert "Why: no cupping kit is free at 13:00 on 01 Dec 2026." in html


@pytest.mark.parametrize("kind", VISIT_KINDS, ids=lambda k: k.value)
def test_a_missing_value_is_an_error_not_a_blank(kind: Kind) -> None:
    context = context_for(kind)
    del context["client_name"]
    with pytest.raises(UndefinedError, match="client_name"):
        rendering.render(kind, context)


# ---- client input -------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", VISIT_KINDS, ids=lambda k: k.value)
def test_a_client_name_with_markup_is_escaped_in_html_and_verbatim_in_text(kind: Kind) -> None:
    _, text, html = rendering.render(kind, context_for(kind, client_name=SCRIPT))
    assert SCRIPT in text
    assert SCRIPT not in html and "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.parametrize("kind", VISIT_KINDS, ids=lambda k: k.value)
def test_a_subject_is_always_one_line(kind: Kind) -> None:
    context = context_for(kind)
    context["treatment_name"] = "Back & Leg\r\nBcc: everyone@example.com\n+ Cupping"
    subject, _, _ = rendering.render(kind, context)
    assert "\n" not in subject and "\r" not in subject
    assert "  " not in subject
    assert safe_header(subject) == subject


# ---- headers ------------------------------------------------------------------------------------


def test_the_same_message_always_gets_the_same_message_id() -> None:
    booking_id = str(uuid.uuid4())
    first = message_id(booking_id, Kind.BOOKING_CONFIRMED, "maria@example.com", 2, "clinic.example")
    again = message_id(booking_id, Kind.BOOKING_CONFIRMED, "Maria@Example.com", 2, "clinic.example")
    assert first == again
    who = hashlib.sha256(b"maria@example.com").hexdigest()[:12]
    assert first == f"<{booking_id}.booking_confirmed.v2.{who}@clinic.example>"


def test_message_ids_differ_by_version_recipient_kind_and_booking() -> None:
    booking_id = str(uuid.uuid4())
    base = message_id(booking_id, Kind.BOOKING_CONFIRMED, "maria@example.com", 2, "clinic.example")
    others = {
        message_id(booking_id, Kind.BOOKING_CONFIRMED, "maria@example.com", 3, "clinic.example"),
        message_id(booking_id, Kind.BOOKING_CONFIRMED, "anna.keller@clinic.example", 2, "clinic.example"),
        message_id(booking_id, Kind.THERAPIST_ASSIGNED, "maria@example.com", 2, "clinic.example"),
        message_id(str(uuid.uuid4()), Kind.BOOKING_CONFIRMED, "maria@example.com", 2, "clinic.example"),
    }
    assert base not in others
    assert len(others) == 4


def test_the_message_id_does_not_reveal_the_recipient() -> None:
    assert "maria" not in message_id("b-1", Kind.BOOKING_CONFIRMED, "maria@example.com", 1, "clinic.example")


@pytest.mark.parametrize("value", ["Hi\r\nBcc: x@example.com", "Hi\nBcc: x", "Hi\rBcc: x", "Hi\x00"])
def test_safe_header_refuses_line_breaks(value: str) -> None:
    with pytest.raises(UnsafeHeader, match="line breaks are not allowed in a mail header"):
        safe_header(value)


def test_safe_header_lets_ordinary_text_through() -> None:
    assert safe_header("Confirmed: Back & Leg + Cupping — Jürgen") == "Confirmed: Back & Leg + Cupping — Jürgen"


# ---- building the message -----------------------------------------------------------------------


def test_a_message_is_multipart_alternative_with_text_and_html() -> None:
    subject, text, html = rendering.render(Kind.BOOKING_CONFIRMED, confirmed_context(client_name=SCRIPT))
    sent = mail(subject=subject)
    message = build_message(Mail(sent.to, subject, text, html, sent.message_id), MAIL_FROM)
    assert isinstance(message, EmailMessage)
    assert message.get_content_type() == "multipart/alternative"
    parts = list(message.iter_parts())
    assert [part.get_content_type() for part in parts] == ["text/plain", "text/html"]
    assert SCRIPT in parts[0].get_content()
    assert "&lt;script&gt;" in parts[1].get_content()
    assert message["Subject"] == subject
    assert message["To"] == "maria@example.com"
    assert message["From"] == MAIL_FROM
    assert message["Message-ID"] == sent.message_id
    assert message["Date"]


@pytest.mark.parametrize(
    "broken",
    [
        {"subject": "Confirmed\r\nBcc: x"},
        {"to": "maria@example.com\r\nBcc: x@example.com"},
    ],
    ids=["subject", "recipient"],
)
def test_a_header_injection_is_refused_before_anything_is_sent(broken: dict[str, str]) -> None:
    with pytest.raises(UnsafeHeader):
        build_message(mail(**broken), MAIL_FROM)


def test_a_sender_with_a_line_break_is_refused() -> None:
    with pytest.raises(UnsafeHeader):
        build_message(mail(), "Clinic <bookings@clinic.example>\r\nBcc: x@example.com")
