"""Notifications' use cases on fakes: an in-memory repository holding the seed catalog's texts, a clock
standing at Monday 30 November 2026, 18:00 in Berlin, and a mail server that records what it is sent."""

from __future__ import annotations

from dataclasses import asdict

import pytest

from services.notifications.domain.messages import MailSettings
from services.notifications.service_layer import catalog_copy
from shared.events import Envelope, LocationPublished, TreatmentPublished
from tests.integration.notifications.story import BACK_NECK, CUPPING, MAIN, berlin
from tests.support.clock import FixedClock
from tests.unit.notifications.fakes import FakeRepository, MailServer

MAIL = MailSettings(domain="clinic.example", sender="bookings@clinic.example", clinic_name="The Clinic")
MONDAY_6PM = berlin(30, 18, month=11)


@pytest.fixture
def repo() -> FakeRepository:
    repo = FakeRepository()
    for treatment in (CUPPING, BACK_NECK):
        texts = {k: v for k, v in asdict(treatment).items() if k != "details"}
        catalog_copy.on_treatment_published(repo, Envelope.wrap(TreatmentPublished(revision=1, **texts), "seed"))
    catalog_copy.on_location_published(repo, Envelope.wrap(LocationPublished(revision=1, **asdict(MAIN)), "seed"))
    return repo


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(MONDAY_6PM)


@pytest.fixture
def server() -> MailServer:
    return MailServer()
