"""Eve types "Eve\\r\\nBcc: attacker@example.com" as her name, and a catalog editor's paste leaves a line break in
a treatment name. Neither adds a header or a recipient: what reaches the mail server goes to the intended
person only, with the usual headers and a one-line subject. A header value that cannot be made safe fails
its delivery (not sent, the reason kept), and the sweep goes on with the other messages: never a crashed worker.
"""

from __future__ import annotations

from dataclasses import asdict

import pytest

from services.notifications.adapters.repository import SqlRepository
from services.notifications.domain.messages import Kind
from services.notifications.service_layer import catalog_copy
from shared.db import transaction
from shared.events import Envelope, TreatmentPublished
from tests.integration.notifications.story import (
    ANNA,
    CUPPING,
    Client,
    Clinic,
    Letter,
    a_client,
    confirmed,
    envelope,
)

ATTACKER = "attacker@example.com"
EVE = Client(f"Eve\r\nBcc: {ATTACKER}", "eve@example.com")
USUAL_HEADERS = {"from", "to", "subject", "message-id", "date", "x-correlation-id", "mime-version", "content-type"}


def only_the_usual_headers(letter: Letter) -> None:
    """Read from the raw bytes: a line that does not start with white space begins a header of its own."""
    head = letter.raw.split(b"\r\n\r\n", 1)[0].decode()
    starts = [line.split(":", 1)[0].lower() for line in head.split("\r\n") if line and not line[0].isspace()]
    assert sorted(starts) == sorted(USUAL_HEADERS)
    assert {name.lower() for name in letter.message} == USUAL_HEADERS
    assert all(ATTACKER not in str(letter.message[name]) for name in USUAL_HEADERS - {"subject"})
    assert letter.message["Bcc"] is None and letter.message["Cc"] is None
    assert len(letter.message.get_all("To", [])) == 1 and len(letter.message.get_all("Subject", [])) == 1
    assert "\n" not in letter.subject and "\r" not in letter.subject


def test_a_name_with_a_line_break_cannot_add_a_bcc(clinic: Clinic) -> None:
    clinic.hear(confirmed(client=EVE, therapist=ANNA))

    assert clinic.sweep() == 2

    letters = clinic.mail.letters()
    assert sorted(letter.envelope_recipients for letter in letters) == [[ANNA.email], [EVE.email]]
    for letter in letters:
        only_the_usual_headers(letter)
    # Her name is shown as the text she typed, and her calendar entry still has one attendee: her.
    eve = clinic.letter(Kind.BOOKING_CONFIRMED, EVE.email)
    assert "Hello Eve" in eve.plain_words
    [visit] = eve.calendar().walk("VEVENT")
    assert str(visit["ATTENDEE"]) == f"mailto:{EVE.email}"


def publish_german_name(clinic: Clinic, name: str) -> None:
    """Catalog publishes a new revision of the treatment whose German name has a line break in it."""
    texts = {k: v for k, v in asdict(CUPPING).items() if k != "details"}
    texts["translations"] = {"de": {**texts.get("translations", {}).get("de", {}), "name": name}}
    with transaction(clinic.factory) as session:
        published = Envelope.wrap(TreatmentPublished(revision=2, **texts), "catalog")
        catalog_copy.on_treatment_published(SqlRepository(session), published)


@pytest.mark.parametrize("source", ["booking-event", "catalog-translation"])
def test_a_treatment_name_with_a_line_break_stays_one_subject_line(clinic: Clinic, source: str) -> None:
    broken = f"Back & Leg\r\nBcc: {ATTACKER}\r\nX-Injected: yes"
    if source == "catalog-translation":
        publish_german_name(clinic, broken)
        client = a_client("Lena Fischer", locale="de")
        clinic.hear(confirmed(client=client))
    else:
        client = a_client()
        clinic.hear(confirmed(client=client, treatment_name=broken))

    clinic.sweep()

    letter = clinic.letter(Kind.BOOKING_CONFIRMED, client.email)
    assert letter.envelope_recipients == [client.email]
    only_the_usual_headers(letter)
    assert f"Back & Leg Bcc: {ATTACKER} X-Injected: yes" in letter.subject
    assert letter.message["X-Injected"] is None
    assert all(ATTACKER not in r for mail in clinic.mail.received() for r in mail.rcpt_tos)


@pytest.mark.parametrize(
    "where",
    [
        "recipient-address",
        "correlation-id",
    ],
)
def test_a_header_value_that_cannot_be_made_safe_fails_its_delivery_and_the_sweep_goes_on(
    clinic: Clinic, where: str
) -> None:
    bad = a_client()
    if where == "recipient-address":
        clinic.hear(confirmed(client=Client("Eve", f"eve@example.com\r\nBcc: {ATTACKER}"), therapist=ANNA))
    else:
        clinic.hear(envelope(confirmed(client=bad, therapist=ANNA), correlation_id=f"c1\r\nBcc: {ATTACKER}"))
    good = a_client("Jonas Weber")
    clinic.hear(confirmed(client=good))

    sent = clinic.sweep()

    failed = [row for row in clinic.deliveries() if row.status == "failed"]
    assert failed, "the unsafe message must not be sent"
    for row in failed:
        assert row.attempts == 1
        assert "line breaks are not allowed" in row.last_error
    assert {row.status for row in clinic.deliveries() if row not in failed} == {"sent"}
    assert sent == len(clinic.deliveries()) - len(failed)
    assert clinic.mail.letters_to(good.email)
    assert all(ATTACKER not in r for mail in clinic.mail.received() for r in mail.rcpt_tos)
    assert clinic.sweep() == 0  # failed for good: not retried


def test_a_message_that_cannot_be_rendered_fails_and_the_rest_of_the_batch_goes_out(clinic: Clinic) -> None:
    maria, jonas = a_client(), a_client("Jonas Weber")
    clinic.hear(confirmed(client=maria))
    clinic.hear(confirmed(client=jonas))
    poison = clinic.the_delivery(Kind.BOOKING_CONFIRMED, maria.email)
    clinic.change(poison.id, context={k: v for k, v in poison.context.items() if k != "when"})

    clinic.sweep()

    assert clinic.the_delivery(Kind.BOOKING_CONFIRMED, maria.email).status == "failed"
    assert {row.status for row in clinic.deliveries() if row.id != poison.id} == {"sent"}
    assert clinic.mail.letters_to(jonas.email)
