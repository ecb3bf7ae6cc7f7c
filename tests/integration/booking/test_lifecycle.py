"""A booking's life on a real database: confirmed, cancelled, rescheduled, closed by staff."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from services.booking.adapters import orm
from services.booking.adapters.repository import SqlRepository
from services.booking.domain.calendar import BookingRules, Claims, cell_of
from services.booking.domain.exceptions import IllegalTransition, InvalidRequest, SlotUnavailable
from services.booking.domain.model import Booking, Client, Status
from services.booking.service_layer import changes, saga
from shared.db import SessionFactory, transaction
from tests.support.clock import BERLIN, at, now, working_day

RULES = BookingRules(tz=BERLIN)
POLICY = changes.CancellationPolicy(RULES, free_until=timedelta(hours=24))


def book(
    factory: SessionFactory, start: datetime, treatment: str = "back-leg-cupping", therapist: str | None = None
) -> Booking:
    """Request a booking and run both saga steps, as the workers would."""
    request = changes.BookingRequest(
        treatment=treatment,
        start=start,
        client=Client(name="Maria Schmidt", email=f"{uuid.uuid4().hex[:8]}@example.com"),
        correlation_id="test",
        therapist=therapist,
    )
    with transaction(factory) as session:
        booking, _ = changes.request_booking(SqlRepository(session), request, RULES, now())
    with transaction(factory) as session:  # as the booking worker does
        saga.place(SqlRepository(session), booking.id, RULES)
    return fetch(factory, booking.id)


def fetch(factory: SessionFactory, booking_id: str) -> Booking:
    with transaction(factory) as session:
        booking = SqlRepository(session).get(booking_id)
    assert booking is not None
    return booking


def claims(factory: SessionFactory, booking_id: str) -> Claims:
    with transaction(factory) as session:
        return SqlRepository(session).claims_of(booking_id)


def events(factory: SessionFactory, event_type: str) -> int:
    with transaction(factory) as session:
        return session.execute(
            select(func.count()).select_from(orm.outbox.outbox).where(orm.outbox.outbox.c.type == event_type)
        ).scalar_one()


def test_a_confirmed_booking_holds_room_kit_and_therapist_with_their_buffers(booking_factory: SessionFactory) -> None:
    booking = book(booking_factory, at(working_day(3), 13))
    assert booking.status is Status.CONFIRMED
    held = claims(booking_factory, booking.id)
    per_kind = {kind: sum(1 for k, _, _ in held if k == kind) for kind in ("room", "cupping_kit", "therapist")}
    assert per_kind == {"room": 11, "cupping_kit": 15, "therapist": 10}  # 45 min + 10 / 30 / 5 min, 5-min cells


def test_client_cancels_free_of_charge_and_everything_is_released(booking_factory: SessionFactory) -> None:
    booking = book(booking_factory, at(working_day(5), 13))
    with transaction(booking_factory) as session:
        changes.cancel(SqlRepository(session), booking, now(), POLICY, by_clinic=False)
    after = fetch(booking_factory, booking.id)
    assert after.status is Status.CANCELLED and after.late_cancellation is False
    assert claims(booking_factory, booking.id) == set()
    assert events(booking_factory, "booking.cancelled") == 1
    assert book(booking_factory, at(working_day(5), 13), therapist=booking.therapist).status is Status.CONFIRMED


def test_cancelling_inside_the_free_window_counts_as_late(booking_factory: SessionFactory) -> None:
    booking = book(booking_factory, at(working_day(3), 14))
    with transaction(booking_factory) as session:
        changes.cancel(SqlRepository(session), booking, booking.start - timedelta(hours=3), POLICY, by_clinic=False)
    assert fetch(booking_factory, booking.id).late_cancellation is True


def test_a_cancelled_booking_cannot_be_cancelled_again(booking_factory: SessionFactory) -> None:
    booking = book(booking_factory, at(working_day(3), 15))
    with transaction(booking_factory) as session:
        changes.cancel(SqlRepository(session), booking, now(), POLICY, by_clinic=True)
    with (
        pytest.raises(IllegalTransition, match="cancelled booking cannot become cancelled"),
        transaction(booking_factory) as session,
    ):
        changes.cancel(SqlRepository(session), fetch(booking_factory, booking.id), now(), POLICY, True)


def test_reschedule_moves_the_booking_and_frees_the_old_slot(booking_factory: SessionFactory) -> None:
    day = working_day(4)
    booking = book(booking_factory, at(day, 13))
    version = booking.version
    with transaction(booking_factory) as session:
        changes.reschedule(SqlRepository(session), booking, at(day, 15), RULES, now())
    moved = fetch(booking_factory, booking.id)
    assert moved.status is Status.CONFIRMED and moved.start == at(day, 15) and moved.version == version + 1
    assert min(cell for _, _, cell in claims(booking_factory, booking.id)) == cell_of(at(day, 15))
    assert events(booking_factory, "booking.rescheduled") == 1
    # 13:00 is free again: both cupping therapists can be booked there.
    assert [book(booking_factory, at(day, 13)).status for _ in range(2)] == [Status.CONFIRMED] * 2


def test_reschedule_by_a_quarter_hour_reuses_its_own_room(booking_factory: SessionFactory) -> None:
    day = working_day(6)
    booking = book(booking_factory, at(day, 13))
    with transaction(booking_factory) as session:
        changes.reschedule(SqlRepository(session), booking, at(day, 13, 15), RULES, now())
    moved = fetch(booking_factory, booking.id)
    assert moved.start == at(day, 13, 15)
    assert moved.resources == booking.resources and moved.therapist == booking.therapist


def test_a_reschedule_that_cannot_be_had_leaves_the_booking_untouched(booking_factory: SessionFactory) -> None:
    day = working_day(7)
    mine = book(booking_factory, at(day, 10))
    # Fill 14:00: two kits, two cupping therapists.
    assert [book(booking_factory, at(day, 14)).status for _ in range(2)] == [Status.CONFIRMED] * 2
    before = claims(booking_factory, mine.id)
    with pytest.raises(SlotUnavailable, match="keeps its time"), transaction(booking_factory) as session:
        changes.reschedule(SqlRepository(session), fetch(booking_factory, mine.id), at(day, 14), RULES, now())
    after = fetch(booking_factory, mine.id)
    assert (after.start, after.resources, after.therapist, after.version) == (
        mine.start,
        mine.resources,
        mine.therapist,
        mine.version,
    )
    assert claims(booking_factory, mine.id) == before


def test_only_a_started_visit_can_be_completed_or_marked_no_show(booking_factory: SessionFactory) -> None:
    booking = book(booking_factory, at(working_day(3), 11))
    with pytest.raises(IllegalTransition, match="only once it has started"), transaction(booking_factory) as session:
        changes.close(SqlRepository(session), booking, "completed", now())
    with transaction(booking_factory) as session:
        changes.close(
            SqlRepository(session), fetch(booking_factory, booking.id), "no_show", booking.start + timedelta(minutes=20)
        )
    assert fetch(booking_factory, booking.id).status is Status.NO_SHOW
    assert events(booking_factory, "booking.closed") == 1


def test_a_client_can_ask_for_a_specific_therapist(booking_factory: SessionFactory) -> None:
    booking = book(booking_factory, at(working_day(3), 12), therapist="ben-okafor")
    assert booking.status is Status.CONFIRMED and booking.therapist == "ben-okafor"
    taken = book(booking_factory, at(working_day(3), 12), therapist="ben-okafor")
    assert taken.status is Status.REJECTED and "Ben Okafor is not free" in (taken.reason or "")


def test_a_therapist_without_cupping_cannot_be_asked_for_cupping(booking_factory: SessionFactory) -> None:
    with pytest.raises(InvalidRequest, match="does not offer"):
        book(booking_factory, at(working_day(3), 12), therapist="clara-weiss")


def test_any_therapist_spreads_the_day_over_the_team(booking_factory: SessionFactory) -> None:
    day = working_day(8)
    first = book(booking_factory, at(day, 12))
    second = book(booking_factory, at(day, 14))
    assert {first.therapist, second.therapist} == {"anna-keller", "ben-okafor"}


def test_staff_see_a_therapists_day(booking_factory: SessionFactory) -> None:
    day = working_day(9)
    booking = book(booking_factory, at(day, 13), therapist="anna-keller")
    with transaction(booking_factory) as session:
        schedule = changes.resource_day(SqlRepository(session), "therapist", "anna-keller", day, RULES)
        other_day = changes.resource_day(
            SqlRepository(session), "therapist", "anna-keller", day + timedelta(days=1), RULES
        )
    assert [b.id for b in schedule] == [booking.id]
    assert booking.id not in [b.id for b in other_day]


def test_rescheduling_onto_its_own_time_keeps_room_kit_and_therapist(booking_factory: SessionFactory) -> None:
    booking = book(booking_factory, at(working_day(5), 13))
    held = (dict(booking.resources), booking.therapist)
    with transaction(booking_factory) as session:
        changes.reschedule(
            SqlRepository(session), fetch(booking_factory, booking.id), at(working_day(5), 13), RULES, now()
        )
    after = fetch(booking_factory, booking.id)
    assert (after.resources, after.therapist) == held
    assert after.version == booking.version + 1 and len(claims(booking_factory, booking.id)) == 11 + 15 + 10


def test_a_pending_booking_for_a_withdrawn_treatment_is_rejected(booking_factory: SessionFactory) -> None:
    request = changes.BookingRequest(
        treatment="back-neck", start=at(working_day(4), 10), client=Client(name="W", email="w@example.com"),
        correlation_id="t",
    )  # fmt: skip
    with transaction(booking_factory) as session:
        booking, _ = changes.request_booking(SqlRepository(session), request, RULES, now())
        session.execute(update(orm.treatment_copy).where(orm.treatment_copy.c.slug == "back-neck").values(active=False))
    with transaction(booking_factory) as session:
        saga.reserve_resources(SqlRepository(session), booking.id, RULES)
    after = fetch(booking_factory, booking.id)
    assert after.status is Status.REJECTED and "no longer offered" in (after.reason or "")
