"""The clinic's mail server has a bad day. A busy server (451) or one that is down keeps Maria's confirmation
queued with the server's answer and a counted attempt; once it recovers the message goes out exactly once.
A final refusal (550) fails the message for good with the server's words and is never retried, and a message
that keeps meeting a busy server fails once its attempts run out. Nothing is lost on the way."""

from __future__ import annotations

from services.notifications.domain.messages import Kind
from tests.integration.notifications.story import ANNA, MARIA, Clinic, confirmed


def test_a_busy_mail_server_keeps_the_confirmation_queued_until_it_goes_out_once(clinic: Clinic) -> None:
    clinic.hear(confirmed(client=MARIA, therapist=ANNA))
    clinic.mail.fail_with = (451, "4.3.2 mailbox busy, try again later")

    assert clinic.sweep() == 0

    for row in clinic.deliveries():
        assert (row.status, row.attempts, row.sent_at) == ("queued", 1, None)
        assert "451" in row.last_error and "mailbox busy" in row.last_error
    assert clinic.mail.letters() == []

    clinic.mail.fail_with = None
    clinic.sweep_until_settled()

    assert {(row.status, row.attempts, row.last_error) for row in clinic.deliveries()} == {("sent", 2, None)}
    assert len(clinic.mail.letters_to(MARIA.email)) == 1
    assert len(clinic.mail.letters_to(ANNA.email)) == 1
    assert clinic.sweep() == 0
    assert len(clinic.mail.letters()) == 2


def test_a_mail_server_that_is_down_keeps_the_confirmation_queued_until_it_is_back(clinic: Clinic) -> None:
    clinic.hear(confirmed(client=MARIA, therapist=ANNA))
    clinic.mail.stop()

    assert clinic.sweep() == 0

    for row in clinic.deliveries():
        assert (row.status, row.attempts) == ("queued", 1)
        assert "ConnectionRefusedError" in row.last_error

    clinic.mail.start()  # back, at the same address
    clinic.sweep_until_settled()

    assert {(row.status, row.attempts) for row in clinic.deliveries()} == {("sent", 2)}
    maria = clinic.letter(Kind.BOOKING_CONFIRMED, MARIA.email)
    assert maria.envelope_recipients == [MARIA.email]
    assert len(clinic.mail.letters()) == 2


def test_a_recipient_the_server_refuses_for_good_fails_with_its_answer_and_is_not_retried(clinic: Clinic) -> None:
    clinic.hear(confirmed(client=MARIA, therapist=ANNA))
    clinic.mail.fail_with = (550, "no such user")

    assert clinic.sweep() == 0

    maria = clinic.the_delivery(Kind.BOOKING_CONFIRMED, MARIA.email)
    assert (maria.status, maria.attempts, maria.sent_at) == ("failed", 1, None)
    assert "550 no such user" in maria.last_error

    clinic.mail.fail_with = None
    assert clinic.sweep() == 0
    assert clinic.the_delivery(Kind.BOOKING_CONFIRMED, MARIA.email).status == "failed"
    assert clinic.the_delivery(Kind.BOOKING_CONFIRMED, MARIA.email).attempts == 1
    assert clinic.mail.letters() == []


def test_a_message_that_keeps_meeting_a_busy_server_fails_when_its_attempts_run_out(clinic: Clinic) -> None:
    clinic.hear(confirmed(client=MARIA, therapist=ANNA))
    clinic.mail.fail_with = (451, "4.7.1 greylisted, try later")

    clinic.sweep_until_settled(max_attempts=3)

    for row in clinic.deliveries():
        assert (row.status, row.attempts) == ("failed", 3)
        assert "451 4.7.1 greylisted, try later" in row.last_error
    clinic.mail.fail_with = None
    assert clinic.sweep(max_attempts=3) == 0
    assert clinic.mail.letters() == []
