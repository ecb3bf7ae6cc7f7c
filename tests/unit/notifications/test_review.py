"""Clinical fit: what a booking held for review, approved, declined or cancelled while in review owes, on the
fakes. Maria's answers need a therapist's look; Anna is her therapist."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from services.notifications.domain.messages import Delivery, Kind
from services.notifications.domain.visit import ACTIVE, CANCELLED, IN_REVIEW
from services.notifications.service_layer.sending import compose
from tests.integration.notifications.story import (
    ANNA,
    BACK_NECK,
    CUPPING,
    LENA,
    MARIA,
    TUESDAY_2PM,
    approved,
    cancelled,
    confirmed,
    declined,
    held_again,
    held_for_review,
)
from tests.support.clock import FixedClock
from tests.unit.notifications.conftest import MAIL
from tests.unit.notifications.fakes import FakeRepository
from tests.unit.notifications.test_owed import hear, owed_now

FRONT_DESK = "frontdesk@clinic.example"
WITH_FRONT_DESK = replace(MAIL, review_email=FRONT_DESK)


def the_one(repo: FakeRepository, kind: Kind, recipient: str = MARIA.email) -> Delivery:
    [row] = [row for row in repo.deliveries(recipient=recipient) if row.kind == kind.value]
    return row


def read(row: Delivery, free_starts: list[datetime] | None = None) -> str:
    """The plain text the reader gets, rendered as the sweep renders it (alternatives asked for then)."""

    def find(treatment: str, after: datetime, location: str) -> list[datetime]:
        return list(free_starts or [])

    return " ".join(compose(row.draft, MAIL, find).text.split())


# ---- held for review ----------------------------------------------------------------------------


def test_a_held_booking_tells_maria_it_is_being_reviewed_and_anna_that_a_review_waits(
    repo: FakeRepository, clock: FixedClock
) -> None:
    held = held_for_review(client=MARIA, therapist=ANNA)

    hear(repo, clock, held)

    assert owed_now(repo) == [("review_pending", MARIA.email, 2), ("review_waiting", ANNA.email, 2)]
    visit = repo.visit(held.booking_id)
    assert visit is not None and (visit.status, visit.version, visit.screened) == (IN_REVIEW, 2, True)
    pending, waiting = repo.deliveries()
    assert "calendar" not in pending.context and "calendar" not in waiting.context  # nothing is confirmed yet
    assert (pending.locale, waiting.locale) == ("en", "en")
    assert "a therapist will look at your answers to our health questions" in read(pending)
    assert "Your room and therapist are held for you at this time" in read(pending)
    notice = read(waiting)
    assert notice.startswith("Hello Anna Keller,")
    assert "Client: Maria " in notice and MARIA.name not in notice
    assert "open the front desk to see the answers" in notice


def test_the_front_desk_address_gets_its_own_copy_of_the_review_notice(repo: FakeRepository, clock: FixedClock) -> None:
    held = held_for_review(client=MARIA, therapist=ANNA)

    hear(repo, clock, held, mail=WITH_FRONT_DESK)
    hear(repo, clock, held, mail=WITH_FRONT_DESK)  # redelivered under a new event id

    assert owed_now(repo) == [
        ("review_pending", MARIA.email, 2),
        ("review_waiting", ANNA.email, 2),
        ("review_waiting", FRONT_DESK, 2),
    ]
    copy = the_one(repo, Kind.REVIEW_WAITING, FRONT_DESK)
    assert copy.message_id != the_one(repo, Kind.REVIEW_WAITING, ANNA.email).message_id
    assert read(copy).startswith("Hello team,") and "Therapist: Anna Keller" in read(copy)


def test_a_front_desk_address_that_is_the_therapists_own_gets_one_notice(
    repo: FakeRepository, clock: FixedClock
) -> None:
    hear(repo, clock, held_for_review(therapist=ANNA), mail=replace(MAIL, review_email=ANNA.email))

    assert [row.kind for row in repo.deliveries(recipient=ANNA.email)] == ["review_waiting"]


def test_updated_answers_put_a_confirmed_visit_on_hold_and_say_so(repo: FakeRepository, clock: FixedClock) -> None:
    booking = confirmed(client=MARIA, therapist=ANNA)
    hear(repo, clock, booking)

    hear(repo, clock, held_again(booking), occurred_at=clock.now())

    assert owed_now(repo)[2:] == [("review_pending", MARIA.email, 3), ("review_waiting", ANNA.email, 3)]
    pending = read(the_one(repo, Kind.REVIEW_PENDING))
    assert "A therapist will look at your updated answers" in pending
    assert "until then your visit is on hold" in pending
    assert "A client updated their intake answers" in read(the_one(repo, Kind.REVIEW_WAITING, ANNA.email))
    visit = repo.visit(booking.booking_id)
    assert visit is not None and (visit.status, visit.version) == (IN_REVIEW, 3)


# ---- approved -----------------------------------------------------------------------------------


def test_an_approval_sends_maria_exactly_one_confirmation_saying_a_therapist_approved(
    repo: FakeRepository, clock: FixedClock
) -> None:
    held = held_for_review(client=MARIA, therapist=ANNA)
    hear(repo, clock, held)

    hear(repo, clock, approved(held))
    hear(repo, clock, approved(held))  # redelivered

    assert owed_now(repo)[2:] == [("booking_approved", MARIA.email, 3), ("therapist_assigned", ANNA.email, 3)]
    assert not [row for row in repo.deliveries() if row.kind == Kind.BOOKING_CONFIRMED.value]
    confirmation = the_one(repo, Kind.BOOKING_APPROVED)
    assert confirmation.context["calendar"]["method"] == "REQUEST"
    text = read(confirmation)
    assert "A therapist has looked at your answers and approved the visit." in text
    assert "Your appointment is confirmed." in text and "Cupping can leave round marks" in text
    assert compose(confirmation.draft, MAIL).attachments[0].filename == "visit.ics"
    visit = repo.visit(held.booking_id)
    assert visit is not None and (visit.status, visit.version) == (ACTIVE, 3)


def test_a_confirmation_without_review_is_the_usual_one(repo: FakeRepository, clock: FixedClock) -> None:
    hear(repo, clock, confirmed(client=MARIA))

    assert [row.kind for row in repo.deliveries(recipient=MARIA.email)] == ["booking_confirmed"]


# ---- declined -----------------------------------------------------------------------------------


def test_a_decline_gives_marias_reason_and_offers_back_and_neck_at_times_free_when_sent(
    repo: FakeRepository, clock: FixedClock
) -> None:
    held = held_for_review(client=MARIA, therapist=ANNA)
    hear(repo, clock, held)

    hear(repo, clock, declined(held, reason="we would rather see you for a treatment without cupping"))

    assert owed_now(repo)[2:] == [("booking_declined", MARIA.email, 3)]  # Anna never had it in her calendar
    row = the_one(repo, Kind.BOOKING_DECLINED)
    assert row.context["alternatives_for"] == {
        "treatment": BACK_NECK.slug, "start": held.start.isoformat(), "timezone": "Europe/Berlin", "location": "main",
    }  # fmt: skip
    assert row.context["alternative_name"] == BACK_NECK.name
    text = read(row, free_starts=[TUESDAY_2PM + timedelta(hours=2)])
    assert "Why: we would rather see you for a treatment without cupping." in text
    assert f"we would be glad to offer you {BACK_NECK.name}" in text
    assert "Tuesday, December 1, 2026 at 4:00" in text
    visit = repo.visit(held.booking_id)
    assert visit is not None and (visit.status, visit.version, visit.changed_at) == (CANCELLED, 3, clock.now())


def test_lena_reads_the_alternative_by_its_german_name(repo: FakeRepository, clock: FixedClock) -> None:
    held = held_for_review(client=LENA)
    hear(repo, clock, held)

    hear(repo, clock, declined(held))

    row = the_one(repo, Kind.BOOKING_DECLINED, LENA.email)
    german = str(BACK_NECK.translations["de"]["name"])
    assert (row.locale, row.context["alternative_name"]) == ("de", german)
    assert row.context["treatment_name"] == CUPPING.translations["de"]["name"]
    assert f"Stattdessen bieten wir Ihnen gern {german} an." in read(row)


def test_an_automatic_decline_says_nobody_could_review_the_answers_in_time(
    repo: FakeRepository, clock: FixedClock
) -> None:
    held = held_for_review(client=MARIA)
    hear(repo, clock, held)

    hear(repo, clock, declined(held, reason="not reviewed before the deadline", automatic=True, alternative=None))

    row = the_one(repo, Kind.BOOKING_DECLINED)
    assert "alternatives_for" not in row.context and row.context["alternative_name"] == ""
    text = read(row)
    assert "we could not review your answers to our health questions in time before the visit" in text
    assert "Please contact the clinic" in text and "not reviewed before the deadline" not in text


def test_an_alternative_notifications_has_no_copy_of_is_not_offered(repo: FakeRepository, clock: FixedClock) -> None:
    held = held_for_review(client=MARIA)
    hear(repo, clock, held)

    hear(repo, clock, declined(held, alternative="hot-stones"))

    row = the_one(repo, Kind.BOOKING_DECLINED)
    assert "alternatives_for" not in row.context and "Please contact the clinic" in read(row)


def test_a_decline_of_a_visit_confirmed_before_releases_annas_calendar_entry(
    repo: FakeRepository, clock: FixedClock
) -> None:
    booking = confirmed(client=MARIA, therapist=ANNA)
    hear(repo, clock, booking)
    again = held_again(booking)
    hear(repo, clock, again)

    hear(repo, clock, declined(again))

    assert owed_now(repo)[4:] == [("therapist_released", ANNA.email, 4), ("booking_declined", MARIA.email, 4)]
    released = the_one(repo, Kind.THERAPIST_RELEASED, ANNA.email)
    assert (released.context["calendar"]["method"], released.context["reassigned"]) == ("CANCEL", False)


def test_a_decline_heard_before_its_hold_still_tells_maria_and_the_late_hold_owes_nothing(
    repo: FakeRepository, clock: FixedClock
) -> None:
    held = held_for_review(client=MARIA, therapist=ANNA)

    hear(repo, clock, declined(held))
    hear(repo, clock, held)  # overtaken on the way

    assert owed_now(repo) == [("booking_declined", MARIA.email, 3)]
    assert repo.visit(held.booking_id) is None


@pytest.mark.parametrize("late", ["hold", "decline"], ids=["late-hold", "repeated-decline"])
def test_late_and_repeated_events_after_a_decline_owe_nothing_more(
    repo: FakeRepository, clock: FixedClock, late: str
) -> None:
    held = held_for_review(client=MARIA, therapist=ANNA)
    hear(repo, clock, held)
    refusal = declined(held)
    hear(repo, clock, refusal)
    before = owed_now(repo)

    hear(repo, clock, held if late == "hold" else refusal)

    assert owed_now(repo) == before
    visit = repo.visit(held.booking_id)
    assert visit is not None and visit.status == CANCELLED


def test_an_older_hold_after_the_approval_changes_nothing(repo: FakeRepository, clock: FixedClock) -> None:
    held = held_for_review(client=MARIA, therapist=ANNA)
    hear(repo, clock, held)
    hear(repo, clock, approved(held))
    before = owed_now(repo)

    hear(repo, clock, held)

    assert owed_now(repo) == before
    visit = repo.visit(held.booking_id)
    assert visit is not None and visit.status == ACTIVE


# ---- cancelled while in review ------------------------------------------------------------------


def test_a_visit_cancelled_while_first_in_review_releases_no_therapist(repo: FakeRepository, clock: FixedClock) -> None:
    held = held_for_review(client=MARIA, therapist=ANNA)
    hear(repo, clock, held)

    hear(repo, clock, cancelled(held))

    assert owed_now(repo)[2:] == [("booking_cancelled", MARIA.email, 3)]


def test_a_confirmed_visit_cancelled_while_back_in_review_releases_anna(
    repo: FakeRepository, clock: FixedClock
) -> None:
    held = held_for_review(client=MARIA, therapist=ANNA)
    hear(repo, clock, held)
    confirmation = approved(held)
    hear(repo, clock, confirmation)
    again = held_again(confirmation)
    hear(repo, clock, again)

    hear(repo, clock, cancelled(again))

    assert owed_now(repo)[6:] == [("booking_cancelled", MARIA.email, 5), ("therapist_released", ANNA.email, 5)]
