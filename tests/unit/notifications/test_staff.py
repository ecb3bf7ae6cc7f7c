"""Staff tools on fakes: previews dated by the clock, resending only what has settled."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from services.notifications.domain.exceptions import AlreadyGoingOut, UnknownBooking, UnknownDelivery
from services.notifications.domain.messages import Kind
from services.notifications.service_layer import staff
from tests.integration.notifications.story import BACK_NECK, MARIA, confirmed
from tests.support.clock import FixedClock
from tests.unit.notifications.conftest import MAIL
from tests.unit.notifications.fakes import FakeRepository
from tests.unit.notifications.test_owed import hear


def test_a_sample_preview_shows_a_visit_tomorrow_by_the_clock(repo: FakeRepository, clock: FixedClock) -> None:
    wanted = staff.PreviewRequest(Kind.BOOKING_CONFIRMED, "en", "Europe/Berlin")

    mail = staff.preview(repo, wanted, MAIL, clock)

    assert mail.to == "maria@example.com"
    assert "Tuesday, December 1, 2026" in mail.text  # the clock says Monday 30 November
    assert [a.filename for a in mail.attachments] == ["visit.ics"]


def test_a_preview_of_an_unknown_booking_is_refused(repo: FakeRepository, clock: FixedClock) -> None:
    with pytest.raises(UnknownBooking, match="dead"):
        staff.preview(repo, staff.PreviewRequest(Kind.BOOKING_REMINDER, "de", "Europe/Berlin", "dead"), MAIL, clock)


def test_only_a_sent_or_failed_message_is_resent(repo: FakeRepository, clock: FixedClock) -> None:
    hear(repo, clock, confirmed(client=MARIA))
    [queued] = repo.deliveries(recipient=MARIA.email)

    with pytest.raises(AlreadyGoingOut, match=f"delivery {queued.id} is queued: it is going out already"):
        staff.resend(repo, queued.id, clock)
    with pytest.raises(UnknownDelivery):
        staff.resend(repo, 10**9, clock)

    repo.rows[queued.id] = replace(queued, status="failed", attempts=3)
    clock.advance(timedelta(hours=1))
    again = staff.resend(repo, queued.id, clock)
    assert (again.status, again.attempts, again.next_attempt_at) == ("queued", 0, clock.now())


def test_gauges_count_messages_by_kind_and_status(repo: FakeRepository, clock: FixedClock) -> None:
    hear(repo, clock, confirmed(client=MARIA))

    _, labels, rows = staff.gauges(repo)["clinic_deliveries"]

    assert labels == ["kind", "status"]
    assert sorted(rows) == [(["booking_confirmed", "queued"], 1.0), (["therapist_assigned", "queued"], 1.0)]


def test_a_sample_decline_offers_back_and_neck_by_its_name_in_the_readers_language(
    repo: FakeRepository, clock: FixedClock
) -> None:
    english = staff.preview(repo, staff.PreviewRequest(Kind.BOOKING_DECLINED, "en", "Europe/Berlin"), MAIL, clock)
    german = staff.preview(repo, staff.PreviewRequest(Kind.BOOKING_DECLINED, "de", "Europe/Berlin"), MAIL, clock)

    assert f"offer you {BACK_NECK.name}" in english.text
    assert f"bieten wir Ihnen gern {BACK_NECK.translations['de']['name']} an" in german.text


@pytest.mark.parametrize("kind", [Kind.REVIEW_PENDING, Kind.REVIEW_WAITING, Kind.BOOKING_APPROVED])
def test_the_review_messages_preview_with_sample_data(repo: FakeRepository, clock: FixedClock, kind: Kind) -> None:
    mail = staff.preview(repo, staff.PreviewRequest(kind, "en", "Europe/Berlin"), MAIL, clock)

    assert mail.to == ("anna.keller@clinic.example" if kind.to_therapist else "maria@example.com")
    assert "Tuesday, December 1, 2026" in mail.text
    assert [a.filename for a in mail.attachments] == (["visit.ics"] if kind is Kind.BOOKING_APPROVED else [])
