"""The broker delivers at least once and workers die; Maria still gets one confirmation and Anna one notice.

The inbox swallows a redelivered event, the delivery's unique key swallows a duplicate with a new event id,
the claim (queued -> sending) keeps four concurrent sweeps from sending one row twice, and a row whose worker
died after claiming it is sent once more, later, under the same Message-ID.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from services.notifications.domain.messages import Kind, Mail
from tests.integration.notifications.story import (
    ANNA,
    BEN,
    MARIA,
    Clinic,
    a_client,
    berlin,
    cancelled,
    confirmed,
    envelope,
)
from tests.support import clock


class WorkerKilled(BaseException):
    """What a SIGKILL looks like from inside: nothing after it runs, no except clause catches it."""


def test_a_confirmation_delivered_twice_and_once_more_under_a_new_id_sends_one_email_each(clinic: Clinic) -> None:
    booking = confirmed(client=MARIA, therapist=ANNA)
    first = envelope(booking)

    assert clinic.consume(first) is True
    assert clinic.consume(first) is False  # the broker redelivered it: same event id, the inbox knows it
    assert clinic.consume(envelope(booking)) is True  # a relay published it again under a new event id
    assert clinic.kinds_owed(booking.booking_id) == [
        ("booking_confirmed", MARIA.email, 2),
        ("therapist_assigned", ANNA.email, 2),
    ]

    assert clinic.sweep() == 2
    assert clinic.sweep() == 0

    assert [letter.envelope_recipients for letter in clinic.mail.letters()] in (
        [[MARIA.email], [ANNA.email]],
        [[ANNA.email], [MARIA.email]],
    )
    assert len(clinic.mail.letters_to(MARIA.email)) == 1
    assert len(clinic.mail.letters_to(ANNA.email)) == 1


def test_four_workers_sweeping_the_same_due_messages_at_once_send_each_one_once(clinic: Clinic) -> None:
    for hour in range(8, 16):
        clinic.hear(confirmed(berlin(2, hour), client=a_client(), therapist=ANNA if hour % 2 else BEN))
    due = clinic.deliveries()
    assert len(due) == 16 and {row.status for row in due} == {"queued"}
    start = threading.Barrier(4)

    def worker() -> int:
        """Small batches, again and again, so the four keep reaching for the same rows."""
        start.wait()
        sent = 0
        while batch := clinic.sweep(limit=2):
            sent += batch
        return sent

    with ThreadPoolExecutor(max_workers=4) as pool:
        sent = [f.result(timeout=60) for f in [pool.submit(worker) for _ in range(4)]]

    assert sum(sent) == 16
    rows = clinic.deliveries()
    assert {(row.status, row.attempts) for row in rows} == {("sent", 1)}
    arrived = [letter.message_id for letter in clinic.mail.letters()]
    assert sorted(arrived) == sorted(row.message_id for row in rows)  # each once, none missing


def test_a_message_whose_worker_died_after_claiming_it_is_sent_once_more_with_the_same_message_id(
    clinic: Clinic,
) -> None:
    clinic.hear(confirmed(client=MARIA, therapist=ANNA))

    def die_while_talking_to_smtp(mail: Mail) -> None:
        raise WorkerKilled

    with pytest.raises(WorkerKilled):
        clinic.sweep(send=die_while_talking_to_smtp, limit=1)
    [orphan] = [row for row in clinic.deliveries() if row.status == "sending"]
    assert orphan.attempts == 1

    assert clinic.sweep() == 1  # the other message; the orphan's worker may still be busy
    assert clinic.the_delivery(Kind(orphan.kind), orphan.recipient).status == "sending"

    clinic.change(orphan.id, claimed_at=clock.now() - timedelta(minutes=6))  # five minutes later: it is dead
    assert clinic.sweep() == 1
    assert clinic.sweep() == 0

    row = clinic.the_delivery(Kind(orphan.kind), orphan.recipient)
    assert (row.status, row.attempts, row.message_id) == ("sent", 2, orphan.message_id)
    [letter] = clinic.mail.letters_to(orphan.recipient)
    assert letter.message_id == orphan.message_id
    assert len(clinic.mail.letters()) == 2


def test_a_message_claimed_a_minute_ago_is_left_to_the_worker_sending_it(clinic: Clinic) -> None:
    clinic.hear(confirmed(client=MARIA))
    maria = clinic.the_delivery(Kind.BOOKING_CONFIRMED, MARIA.email)
    clinic.change(maria.id, status="sending", attempts=1, claimed_at=clock.now() - timedelta(minutes=1))

    assert clinic.sweep() == 1  # Anna's notice only

    assert clinic.the_delivery(Kind.BOOKING_CONFIRMED, MARIA.email).status == "sending"
    assert clinic.mail.letters_to(MARIA.email) == []


def test_a_confirmation_that_arrives_after_its_cancellation_sends_nothing(clinic: Clinic) -> None:
    booking = confirmed(client=MARIA, therapist=ANNA)
    clinic.hear(cancelled(booking))  # events overtook each other on the way
    clinic.hear(booking)

    assert clinic.sweep() == 0
    assert clinic.mail.letters() == []
