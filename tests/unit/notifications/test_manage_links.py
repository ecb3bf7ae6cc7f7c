"""The self-service link in every client email: signed for its booking when the message is sent, never stored,
never in a therapist's or staff member's email, and absent when the page or the secret is not configured."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import timedelta

import pytest

from services.notifications.domain.messages import Delivery, Kind, Mail, MailSettings
from services.notifications.service_layer import reminders, staff
from services.notifications.service_layer.sending import compose, manage_link
from shared import links
from tests.integration.notifications.story import (
    DAY_SCHEDULE_HOUR,
    LENA,
    MARIA,
    REMINDERS,
    TUESDAY_2PM,
    Client,
    approved,
    berlin,
    cancelled,
    confirmed,
    declined,
    held_for_review,
    rejected,
    rescheduled,
)
from tests.support.clock import FixedClock
from tests.unit.notifications.conftest import MAIL
from tests.unit.notifications.fakes import FakeRepository
from tests.unit.notifications.test_owed import hear

SECRET = "unit-test-link-secret"
PAGE = "https://clinic.example/manage/"
LINKED = replace(MAIL, manage_url=PAGE, link_secret=SECRET, review_email="frontdesk@clinic.example")
IN_TEXT = re.compile(re.escape(PAGE) + r"#booking=([^&\s]+)&token=(\S+)")
IN_HTML = re.compile(r'href="' + re.escape(PAGE) + r'#booking=([^&"]+)&amp;token=([^"]+)"')

# What the link's words offer, by what can still be done with the booking.
OFFERS = {
    "en": {
        "visit": "To see your appointment, move or cancel it",
        "review": "To see your appointment, cancel it or update your answers to our health questions:",
        "ended": "To see this booking online:",
    },
    "de": {
        "visit": "Termin ansehen, verschieben",
        "review": "Termin ansehen, absagen oder Ihre Antworten auf unsere Gesundheitsfragen aktualisieren:",
        "ended": "Diese Buchung online ansehen:",
    },
}
ENDED = {Kind.BOOKING_CANCELLED, Kind.BOOKING_REJECTED, Kind.BOOKING_DECLINED}


def offers(kind: Kind) -> str:
    return "ended" if kind in ENDED else "review" if kind is Kind.REVIEW_PENDING else "visit"


def every_kind_of_message(repo: FakeRepository, clock: FixedClock, client: Client) -> list[Delivery]:
    """One of each kind, owed by the real handlers: a visit confirmed, moved, reminded of and cancelled; one
    held for review and approved; one held and declined; one rejected; and a therapist's day."""
    visit = confirmed(client=client, short_reminder=True)
    hear(repo, clock, visit, mail=LINKED)
    moved = rescheduled(visit, TUESDAY_2PM + timedelta(hours=1))
    hear(repo, clock, moved, mail=LINKED)
    reminders.owe_reminders(repo, REMINDERS, LINKED, clock)  # Monday 18:00: the day-before reminder
    held = held_for_review(TUESDAY_2PM, client=client)
    hear(repo, clock, held, mail=LINKED)
    hear(repo, clock, approved(held), mail=LINKED)
    hear(repo, clock, declined(held_for_review(TUESDAY_2PM + timedelta(hours=3), client=client)), mail=LINKED)
    hear(repo, clock, rejected(client=client), mail=LINKED)
    clock.advance(berlin(1, 13, 30) - clock.now())  # Tuesday 13:30: the short reminder, the therapists' day
    reminders.owe_reminders(repo, REMINDERS, LINKED, clock)
    reminders.owe_day_schedules(repo, DAY_SCHEDULE_HOUR, LINKED, clock)
    hear(repo, clock, cancelled(moved), mail=LINKED)
    rows = repo.deliveries()
    assert {Kind(row.kind) for row in rows} == set(Kind), "every kind of message is covered"
    return rows


@pytest.mark.parametrize("client", [MARIA, LENA], ids=["en", "de"])
def test_every_client_email_links_to_its_own_booking_with_a_token_signed_for_it(
    repo: FakeRepository, clock: FixedClock, client: Client
) -> None:
    for row in every_kind_of_message(repo, clock, client):
        kind = Kind(row.kind)
        if kind.to_therapist:
            continue
        mail = compose(row.draft, LINKED)
        for found in (IN_TEXT.findall(mail.text), IN_HTML.findall(mail.html)):
            assert len(found) == 1, f"{kind}: one link in each part, found {found}"
            [(booking_id, token)] = found
            assert booking_id == row.booking_id, kind
            assert links.booking_of(token, SECRET) == row.booking_id, kind
            assert links.booking_of(token, "another-secret") is None
        assert OFFERS[client.locale][offers(kind)] in " ".join(mail.text.split()), kind
        assert "yours alone" in mail.text or "nur für Sie" in mail.text, kind


def test_a_screened_client_is_told_the_link_updates_their_health_answers(
    repo: FakeRepository, clock: FixedClock
) -> None:
    rows = every_kind_of_message(repo, clock, MARIA)
    [approval] = [row for row in rows if row.kind == Kind.BOOKING_APPROVED.value]
    [plain] = [row for row in rows if row.kind == Kind.BOOKING_CONFIRMED.value]  # answered no questions

    assert "move or cancel it, or update your answers to our health questions:" in compose(approval.draft, LINKED).text
    assert "move or cancel it:" in compose(plain.draft, LINKED).text
    assert "health questions" not in compose(plain.draft, LINKED).text


def test_therapists_and_staff_get_no_link(repo: FakeRepository, clock: FixedClock) -> None:
    therapists = [row for row in every_kind_of_message(repo, clock, MARIA) if Kind(row.kind).to_therapist]

    assert {row.kind for row in therapists} == {kind.value for kind in Kind if kind.to_therapist}
    assert any(row.recipient == LINKED.review_email for row in therapists)  # the front desk's copy too
    for row in therapists:
        assert_no_link(compose(row.draft, LINKED))


@pytest.mark.parametrize(
    "settings",
    [replace(LINKED, link_secret=""), replace(LINKED, manage_url=""), MAIL],
    ids=["no-secret", "no-page", "neither"],
)
def test_without_the_page_or_the_secret_no_email_carries_a_link(
    repo: FakeRepository, clock: FixedClock, settings: MailSettings
) -> None:
    for row in every_kind_of_message(repo, clock, LENA):
        assert_no_link(compose(row.draft, settings))
    assert manage_link(settings, "any-booking") == ""


def test_no_delivery_stores_a_link_or_a_token(repo: FakeRepository, clock: FixedClock) -> None:
    rows = every_kind_of_message(repo, clock, MARIA)

    for row in rows:
        stored = json.dumps(row.context)
        assert PAGE not in stored and "token" not in stored, row.kind
        assert links.sign(row.booking_id, SECRET) not in stored


def test_the_secret_stays_out_of_the_settings_repr() -> None:
    assert SECRET not in repr(LINKED) and SECRET not in str(LINKED)


def test_a_preview_shows_where_the_link_goes_without_a_working_token(repo: FakeRepository, clock: FixedClock) -> None:
    hear(repo, clock, visit := confirmed(client=MARIA), mail=LINKED)

    wanted = staff.PreviewRequest(Kind.BOOKING_CONFIRMED, "en", "Europe/Berlin", visit.booking_id)
    preview = staff.preview(repo, wanted, LINKED, clock)

    assert f"{PAGE}#booking={visit.booking_id}&token=PREVIEW" in preview.text
    assert links.sign(visit.booking_id, SECRET) not in preview.text + preview.html


def test_refusals_send_clients_to_the_booking_page_beside_the_manage_page() -> None:
    assert replace(MAIL, manage_url="https://clinic.example/manage/").booking_url == "https://clinic.example/book/"
    assert replace(MAIL, manage_url="https://clinic.example/x/manage").booking_url == "https://clinic.example/x/book/"
    assert MAIL.booking_url == ""


def assert_no_link(mail: Mail) -> None:
    everything = mail.text + mail.html
    assert "#booking=" not in everything and "token=" not in everything and PAGE not in everything, mail.subject
