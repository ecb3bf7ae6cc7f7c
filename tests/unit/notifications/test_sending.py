"""Sending what is owed: once each, a busy server retried later by the clock, a refusal final."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from services.notifications.domain.messages import Delivery, RetryPolicy
from services.notifications.service_layer.sending import STUCK_AFTER, MailRoom, send_due
from tests.integration.notifications.story import ANNA, MARIA, TUESDAY_2PM, confirmed, rejected
from tests.support.clock import FixedClock
from tests.unit.notifications.conftest import MAIL
from tests.unit.notifications.fakes import FakeRepository, MailServer
from tests.unit.notifications.test_owed import hear

RETRY = RetryPolicy(base_seconds=60, max_attempts=3)


@pytest.fixture
def room(server: MailServer, clock: FixedClock) -> MailRoom:
    return MailRoom(server.send, MAIL, RETRY, clock)


def sweep(repo: FakeRepository, room: MailRoom) -> int:
    return send_due(repo.transactions(), room)


def marias(repo: FakeRepository) -> Delivery:
    [row] = repo.deliveries(recipient=MARIA.email)
    return row


def test_what_is_owed_is_sent_once_and_marked_sent_at_the_clocks_time(
    repo: FakeRepository, clock: FixedClock, server: MailServer, room: MailRoom
) -> None:
    hear(repo, clock, confirmed(client=MARIA, therapist=ANNA))
    clock.advance(timedelta(seconds=5))

    assert sweep(repo, room) == 2
    assert sweep(repo, room) == 0

    assert sorted(mail.to for mail in server.sent) == sorted([MARIA.email, ANNA.email])
    assert {(row.status, row.attempts, row.sent_at) for row in repo.deliveries()} == {("sent", 1, clock.now())}
    assert server.sent[0].message_id == repo.deliveries()[0].message_id


def test_a_bookings_messages_are_claimed_together_and_finished_together(
    repo: FakeRepository, clock: FixedClock, server: MailServer, room: MailRoom
) -> None:
    hear(repo, clock, confirmed(client=MARIA, therapist=ANNA))
    before = repo.transactions_opened

    assert send_due(repo.transactions(), room, booking_id=marias(repo).booking_id) == 2

    assert repo.transactions_opened - before == 2  # one claim, one finish
    assert sorted(mail.to for mail in server.sent) == sorted([MARIA.email, ANNA.email])


def test_a_first_confirmation_is_timed_from_the_booking_request_to_its_sending(
    repo: FakeRepository, clock: FixedClock, server: MailServer, room: MailRoom
) -> None:
    timed: list[float] = []
    requested = clock.now()
    hear(repo, clock, confirmed(client=MARIA, therapist=ANNA).model_copy(update={"requested_at": requested}))
    clock.advance(timedelta(milliseconds=180))

    assert send_due(repo.transactions(), replace(room, timed=timed.append)) == 2

    assert timed == [0.18]  # the client's confirmation only, not the therapist's invitation


def test_a_confirmation_sent_after_a_retry_is_not_timed(
    repo: FakeRepository, clock: FixedClock, server: MailServer, room: MailRoom
) -> None:
    timed: list[float] = []
    hear(repo, clock, confirmed(client=MARIA, therapist=ANNA).model_copy(update={"requested_at": clock.now()}))
    server.busy(times=1)
    send_due(repo.transactions(), replace(room, timed=timed.append), booking_id=marias(repo).booking_id, limit=1)
    clock.advance(timedelta(seconds=RETRY.base_seconds + 1))

    assert sweep(repo, replace(room, timed=timed.append)) == 2
    assert timed == []  # its time says more about the mail server than about the platform


def test_a_busy_server_requeues_the_message_for_later_by_the_clock(
    repo: FakeRepository, clock: FixedClock, server: MailServer, room: MailRoom
) -> None:
    hear(repo, clock, confirmed(client=MARIA, therapist=ANNA))
    server.busy(times=1)

    assert send_due(repo.transactions(), room, booking_id=marias(repo).booking_id, limit=1) == 0

    row = marias(repo)
    assert (row.status, row.attempts) == ("queued", 1)
    assert "451" in str(row.last_error)
    assert clock.now() <= row.next_attempt_at <= clock.now() + timedelta(seconds=RETRY.base_seconds)
    clock.advance(timedelta(seconds=RETRY.base_seconds + 1))
    assert sweep(repo, room) == 2
    assert (marias(repo).status, marias(repo).attempts, marias(repo).last_error) == ("sent", 2, None)


def test_a_refusal_fails_the_message_for_good(
    repo: FakeRepository, clock: FixedClock, server: MailServer, room: MailRoom
) -> None:
    hear(repo, clock, confirmed(client=MARIA, therapist=ANNA))
    server.refuses()

    sweep(repo, room)
    clock.advance(timedelta(hours=2))
    sweep(repo, room)

    failed = [row for row in repo.deliveries() if row.status == "failed"]
    assert [(row.attempts, row.last_error) for row in failed] == [(1, "550 5.1.1 mailbox unavailable")]
    assert len(server.sent) == 1


def test_a_message_fails_once_its_attempts_run_out(
    repo: FakeRepository, clock: FixedClock, server: MailServer, room: MailRoom
) -> None:
    hear(repo, clock, confirmed(client=MARIA, therapist=ANNA))
    booking_id = marias(repo).booking_id
    server.busy(times=RETRY.max_attempts)

    for _ in range(RETRY.max_attempts + 1):
        send_due(repo.transactions(), room, booking_id=booking_id, limit=1)
        clock.advance(timedelta(hours=1))

    row = marias(repo)
    assert (row.status, row.attempts) == ("failed", RETRY.max_attempts)
    assert MARIA.email not in [mail.to for mail in server.sent]


def test_a_message_left_sending_by_a_dead_worker_is_sent_again_once_it_is_stuck(
    repo: FakeRepository, clock: FixedClock, server: MailServer, room: MailRoom
) -> None:
    hear(repo, clock, confirmed(client=MARIA))
    row = marias(repo)
    repo.rows[row.id] = replace(row, status="sending", attempts=1, claimed_at=clock.now())

    clock.advance(STUCK_AFTER - timedelta(seconds=1))
    sweep(repo, room)
    assert marias(repo).status == "sending"  # its worker may still be at it
    assert MARIA.email not in [mail.to for mail in server.sent]
    clock.advance(timedelta(seconds=2))
    sweep(repo, room)

    assert (marias(repo).status, marias(repo).attempts) == ("sent", 2)
    assert [mail.message_id for mail in server.sent if mail.to == MARIA.email] == [row.message_id]


def test_the_stuck_send_window_is_the_rooms_own(
    repo: FakeRepository, clock: FixedClock, server: MailServer, room: MailRoom
) -> None:
    """NOTIFICATIONS_STUCK_SEND_SECONDS reaches the sweep: a shorter window sends the message sooner."""
    quick = replace(room, stuck_after=timedelta(seconds=20))
    hear(repo, clock, confirmed(client=MARIA))
    row = marias(repo)
    repo.rows[row.id] = replace(row, status="sending", attempts=1, claimed_at=clock.now())

    clock.advance(timedelta(seconds=19))
    sweep(repo, quick)
    assert marias(repo).status == "sending"
    clock.advance(timedelta(seconds=2))
    sweep(repo, quick)
    assert marias(repo).status == "sent"


def test_a_message_that_cannot_be_rendered_fails_alone(
    repo: FakeRepository, clock: FixedClock, server: MailServer, room: MailRoom
) -> None:
    hear(repo, clock, confirmed(client=MARIA, therapist=ANNA))
    row = marias(repo)
    repo.rows[row.id] = replace(row, context={k: v for k, v in row.context.items() if k != "when"})

    assert sweep(repo, room) == 1

    assert marias(repo).status == "failed"
    assert str(marias(repo).last_error).startswith("not sent: ")
    assert [mail.to for mail in server.sent] == [ANNA.email]


def test_a_rejection_offers_the_times_the_booking_service_says_are_free(
    repo: FakeRepository, clock: FixedClock, server: MailServer, room: MailRoom
) -> None:
    hear(repo, clock, rejected(TUESDAY_2PM, client=MARIA))
    asked: list[tuple[str, datetime, str]] = []

    def free_starts(treatment: str, after: datetime, location: str) -> list[datetime]:
        asked.append((treatment, after, location))
        return [TUESDAY_2PM + timedelta(hours=2)]

    assert send_due(repo.transactions(), replace(room, alternatives=free_starts)) == 1

    [letter] = server.sent
    assert asked == [("back-leg-cupping", TUESDAY_2PM, "main")]
    assert "4:00" in letter.text
