"""What notifications owes on each booking event, recorded before anything is sent."""

from __future__ import annotations

from datetime import datetime, timedelta

from services.notifications.domain.messages import Kind, MailSettings
from services.notifications.service_layer import owed, review
from shared.events import Payload
from tests.integration.notifications.story import (
    ANNA,
    BEN,
    CUPPING,
    MARIA,
    TUESDAY_2PM,
    berlin,
    cancelled,
    confirmed,
    envelope,
    rejected,
    rescheduled,
)
from tests.support.clock import FixedClock
from tests.unit.notifications.conftest import MAIL
from tests.unit.notifications.fakes import FakeRepository

HANDLERS = {
    "booking.confirmed": owed.on_booking_confirmed,
    "booking.rescheduled": owed.on_booking_rescheduled,
    "booking.cancelled": owed.on_booking_cancelled,
    "booking.rejected": owed.on_booking_rejected,
    "booking.held_for_review": review.on_booking_held_for_review,
    "booking.declined": review.on_booking_declined,
}


def hear(
    repo: FakeRepository,
    clock: FixedClock,
    event: Payload,
    occurred_at: datetime | None = None,
    mail: MailSettings = MAIL,
) -> None:
    wrapped = envelope(event, occurred_at or clock.now() - timedelta(days=3))
    HANDLERS[wrapped.type](repo, wrapped, mail, clock)


def owed_now(repo: FakeRepository) -> list[tuple[str, str, int]]:
    return [(row.kind, row.recipient, row.booking_version) for row in repo.deliveries()]


def test_a_confirmation_owes_the_client_a_confirmation_and_the_therapist_an_invitation(
    repo: FakeRepository, clock: FixedClock
) -> None:
    hear(repo, clock, confirmed(client=MARIA, therapist=ANNA))

    assert owed_now(repo) == [("booking_confirmed", MARIA.email, 2), ("therapist_assigned", ANNA.email, 2)]
    client, therapist = repo.deliveries()
    assert client.context["calendar"]["method"] == "REQUEST"
    assert client.context["when"]["date"] == "Tuesday, December 1, 2026"
    assert client.context["location_name"] == "Clinic Mitte"
    assert client.context["summary"] == CUPPING.summary
    assert therapist.context["calendar"]["attendee_email"] == ANNA.email
    assert {(row.status, row.next_attempt_at, row.created_at) for row in repo.deliveries()} == {
        ("queued", clock.now(), clock.now())
    }


def test_a_visit_moved_to_another_therapist_releases_the_first_and_assigns_the_second(
    repo: FakeRepository, clock: FixedClock
) -> None:
    booking = confirmed(client=MARIA, therapist=ANNA)
    hear(repo, clock, booking)

    hear(repo, clock, rescheduled(booking, berlin(3, 9, 30), therapist=BEN), occurred_at=clock.now())

    assert owed_now(repo)[2:] == [
        ("therapist_released", ANNA.email, 3),
        ("booking_rescheduled", MARIA.email, 3),
        ("therapist_assigned", BEN.email, 3),
    ]
    released, moved, _ = repo.deliveries()[2:]
    assert released.context["reassigned"] is True
    assert released.context["calendar"]["method"] == "CANCEL"
    assert moved.context["previous_when"]["date"] == "Tuesday, December 1, 2026"
    assert moved.context["when"]["date"] == "Thursday, December 3, 2026"


def test_a_visit_moved_with_the_same_therapist_releases_nobody(repo: FakeRepository, clock: FixedClock) -> None:
    booking = confirmed(client=MARIA, therapist=ANNA)
    hear(repo, clock, booking)

    hear(repo, clock, rescheduled(booking, berlin(3, 9, 30)))

    assert owed_now(repo)[2:] == [("booking_rescheduled", MARIA.email, 3), ("therapist_assigned", ANNA.email, 3)]


def test_a_cancellation_owes_the_client_and_the_therapist(repo: FakeRepository, clock: FixedClock) -> None:
    booking = confirmed(client=MARIA, therapist=ANNA)
    hear(repo, clock, booking)

    hear(repo, clock, cancelled(booking, late=True))

    assert owed_now(repo)[2:] == [("booking_cancelled", MARIA.email, 3), ("therapist_released", ANNA.email, 3)]
    client, therapist = repo.deliveries()[2:]
    assert (client.context["late"], client.context["by_clinic"]) == (True, False)
    assert therapist.context["reassigned"] is False
    visit = repo.visit(booking.booking_id)
    assert visit is not None and (visit.status, visit.version, visit.changed_at) == ("cancelled", 3, clock.now())


def test_a_cancellation_heard_before_its_confirmation_makes_the_late_confirmation_owe_nothing(
    repo: FakeRepository, clock: FixedClock
) -> None:
    booking = confirmed(client=MARIA, therapist=ANNA)

    hear(repo, clock, cancelled(booking))
    hear(repo, clock, booking)

    assert owed_now(repo) == []
    assert repo.visit(booking.booking_id) is None


def test_the_same_event_heard_again_owes_nothing_new(repo: FakeRepository, clock: FixedClock) -> None:
    booking = confirmed(client=MARIA, therapist=ANNA)
    moved = rescheduled(booking, berlin(3, 9, 30), therapist=BEN)
    hear(repo, clock, booking)
    hear(repo, clock, moved)
    before = owed_now(repo)

    hear(repo, clock, moved)  # redelivered under a new event id
    hear(repo, clock, booking)  # late: older than what notifications knows

    assert owed_now(repo) == before


def test_the_same_message_owed_twice_is_recorded_once(repo: FakeRepository, clock: FixedClock) -> None:
    booking = confirmed(client=MARIA)
    hear(repo, clock, booking)
    [message] = [row for row in repo.deliveries() if row.kind == Kind.BOOKING_CONFIRMED.value]

    repo.visits.clear()  # as if notifications had forgotten the visit: the delivery's key still holds
    hear(repo, clock, booking)

    assert [row.id for row in repo.deliveries() if row.kind == Kind.BOOKING_CONFIRMED.value] == [message.id]


def test_a_rejection_owes_the_client_one_message_with_alternatives_found_when_it_is_sent(
    repo: FakeRepository, clock: FixedClock
) -> None:
    refused = rejected(TUESDAY_2PM, client=MARIA)

    hear(repo, clock, refused)

    assert owed_now(repo) == [("booking_rejected", MARIA.email, 2)]
    [message] = repo.deliveries()
    assert message.context["reason"] == "no cupping kit is free at that time"
    assert message.context["alternatives_for"] == {
        "treatment": CUPPING.slug, "start": refused.start.isoformat(), "timezone": "Europe/Berlin", "location": "main",
    }  # fmt: skip
