"""Property: on any calendar, after any bookings (some held for a therapist's review of their intake
answers, then approved, declined or left waiting), a start time is listed by availability exactly when
a booking there would be confirmed, or held for review when its answers ask for one. Hypothesis builds
the calendars; each example runs inside one transaction that is rolled back, so SQLite and PostgreSQL
examples do not see each other."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from datetime import datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from services.booking.adapters.repository import SqlRepository
from services.booking.domain.exceptions import InvalidRequest
from services.booking.domain.model import Client, Status
from services.booking.service_layer import catalog_copy, changes, intake, saga
from services.booking.service_layer.availability import AvailabilityQuery, availability
from services.catalog.domain.model import Resource, Therapist, WeeklyHours
from services.catalog.domain.seed import BACK_LEG_CUPPING, BACK_NECK
from shared.db import SessionFactory
from shared.events import (
    AnswerOption,
    Envelope,
    LocationPublished,
    Question,
    QuestionnairePublished,
    ResourcePublished,
    TherapistPublished,
    TreatmentPublished,
)
from tests.integration.booking.test_lifecycle import RULES
from tests.support.clock import at, now, working_day

DAY = working_day(4)
THINNERS = Question(
    code="blood_thinners", kind="yes_no", text={"en": "Blood thinners?", "de": "Blutverdünner?"},
    options=[
        AnswerOption(value="yes", label={"en": "Yes", "de": "Ja"}, outcome="review",
                     advice={"en": "A therapist looks first.", "de": "Erst schaut jemand drauf."}),
        AnswerOption(value="no", label={"en": "No", "de": "Nein"}),
    ],
)  # fmt: skip
GRID = [at(DAY, 8) + timedelta(minutes=15 * i) for i in range(48)]  # 08:00 ... 19:45


@st.composite
def calendars(draw: st.DrawFn) -> dict[str, list]:
    tag = uuid.uuid4().hex[:6]  # codes of this example only: the database holds other examples' rows too
    rooms = [Resource(f"r{i}-{tag}", "room", f"Room {i}", location=tag) for i in range(draw(st.integers(1, 2)))]
    kits = [Resource(f"k{i}-{tag}", "cupping_kit", f"Kit {i}", location=tag) for i in range(draw(st.integers(0, 2)))]
    therapists = []
    for i in range(draw(st.integers(1, 3))):
        start = draw(st.integers(8, 12))
        end = draw(st.integers(start + 2, 20))
        lunch = draw(st.none() | st.integers(start, end - 1))
        skills = ["medical_massage", *(["cupping"] if draw(st.booleans()) else [])]
        therapists.append(
            Therapist(
                code=f"t{i}-{tag}", name=f"T{i}", email=f"t{i}@example.com", skills=skills, location=tag,
                weekly_hours=[WeeklyHours(DAY.weekday(), f"{start:02d}:00", f"{end:02d}:00")],
                breaks=[WeeklyHours(DAY.weekday(), f"{lunch:02d}:00", f"{lunch:02d}:30")] if lunch else [],
            )
        )  # fmt: skip
    fates = st.sampled_from(["clean", "waiting", "approved", "declined"])  # a cupping booking's intake story
    bookings = draw(st.lists(st.tuples(st.sampled_from(["cupping", "neck"]), st.integers(0, 47), fates), max_size=6))
    return {"tag": [tag], "resources": rooms + kits, "therapists": therapists, "bookings": bookings}


def _slug(kind: str, tag: str) -> str:
    return f"{kind}-{tag}"


def _load(session: Session, calendar: dict[str, list]) -> None:
    tag, repository = calendar["tag"][0], SqlRepository(session)
    location = LocationPublished(revision=1, code=tag, name=f"Site {tag}", timezone=RULES.tz.key)
    catalog_copy.on_location_published(repository, Envelope.wrap(location, "p"))
    for kind, treatment in (("cupping", BACK_LEG_CUPPING), ("neck", BACK_NECK)):
        values = {k: v for k, v in asdict(treatment).items() if k != "details"}
        values["slug"] = _slug(kind, tag)
        catalog_copy.on_treatment_published(repository, Envelope.wrap(TreatmentPublished(revision=1, **values), "p"))
    questions = QuestionnairePublished(treatment=_slug("cupping", tag), revision=1, questions=[THINNERS])
    catalog_copy.on_questionnaire_published(repository, Envelope.wrap(questions, "p"))
    for resource in calendar["resources"]:
        payload = ResourcePublished(revision=1, **asdict(resource))
        catalog_copy.on_resource_published(repository, Envelope.wrap(payload, "p"))
    for therapist in calendar["therapists"]:
        payload = TherapistPublished(revision=1, **asdict(therapist))
        catalog_copy.on_therapist_published(repository, Envelope.wrap(payload, "p"))


def _try_booking(session: Session, slug: str, start: datetime, location: str, fate: str = "clean") -> Status:
    request = changes.BookingRequest(
        treatment=slug,
        start=start,
        client=Client(name="P", email="p@example.com"),
        correlation_id="p",
        location=location,
        answers={"blood_thinners": "no" if fate == "clean" else "yes"} if slug.startswith("cupping") else {},
    )
    repository = SqlRepository(session)
    try:
        booking, _ = changes.request_booking(repository, request, RULES, now())
    except InvalidRequest:  # refused outright (too soon, closed ...): not bookable either
        return Status.REJECTED
    saga.reserve_resources(repository, booking.id, RULES)
    saga.assign_therapist(repository, booking.id, RULES)
    placed = changes.get_booking(repository, booking.id, None, lock=True)
    if placed.status is Status.NEEDS_REVIEW and fate == "approved":
        intake.approve(repository, placed, RULES)
    elif placed.status is Status.NEEDS_REVIEW and fate == "declined":
        intake.decline(repository, placed, "not today", RULES)
    return placed.status


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(calendar=calendars())
def test_what_availability_lists_can_be_booked_and_what_it_leaves_out_cannot(
    booking_factory: SessionFactory, calendar: dict[str, list]
) -> None:
    tag = calendar["tag"][0]
    with booking_factory() as session, session.begin():
        _load(session, calendar)
        for kind, index, fate in calendar["bookings"]:
            _try_booking(session, _slug(kind, tag), GRID[index], tag, fate)
        for kind in ("cupping", "neck"):
            slug = _slug(kind, tag)
            query = AvailabilityQuery(slug, DAY, location=tag)
            listed = set(availability(SqlRepository(session), query, RULES, now()))
            assert listed <= set(GRID) | set(RULES.day_starts(DAY))
            for start in GRID:
                savepoint = session.begin_nested()
                confirmed = _try_booking(session, slug, start, tag) is Status.CONFIRMED
                savepoint.rollback()
                assert confirmed == (start in listed), (kind, start, confirmed)
                if kind == "cupping":
                    savepoint = session.begin_nested()
                    held = _try_booking(session, slug, start, tag, "waiting") is Status.NEEDS_REVIEW
                    savepoint.rollback()
                    assert held == (start in listed), (kind, start, held)
        session.rollback()
