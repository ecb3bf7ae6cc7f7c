"""A visit at a location the catalog has since retired still gets its emails: the cancellation names the
location as the catalog last described it."""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta

from services.notifications.service_layer import catalog_copy
from services.notifications.service_layer.sending import MailRoom, send_due
from shared.events import Envelope, LocationPublished
from tests.integration.notifications.story import ANNA, MAIN, MARIA, cancelled, confirmed
from tests.support.clock import FixedClock
from tests.unit.notifications.conftest import MAIL
from tests.unit.notifications.fakes import FakeRepository, MailServer
from tests.unit.notifications.test_owed import hear
from tests.unit.notifications.test_sending import RETRY


def test_a_cancellation_at_a_retired_location_is_sent_and_names_it(
    repo: FakeRepository, clock: FixedClock, server: MailServer
) -> None:
    booking = confirmed(client=MARIA, therapist=ANNA)
    hear(repo, clock, booking)
    retired = LocationPublished(**{**asdict(MAIN), "revision": 2, "active": False})
    catalog_copy.on_location_published(repo, Envelope.wrap(retired, "catalog"))

    hear(repo, clock, cancelled(booking, by_clinic=True))
    clock.advance(timedelta(seconds=5))
    send_due(repo.transactions(), MailRoom(server.send, MAIL, RETRY, clock))

    to_maria = [mail for mail in server.sent if mail.to == MARIA.email]
    assert len(to_maria) == 2  # the confirmation, then the cancellation
    assert "cancel" in to_maria[-1].subject.lower()
    assert MAIN.name in to_maria[-1].text
    assert {row.status for row in repo.deliveries()} == {"sent"}
