"""In-memory stand-ins for the booking service's ports: handlers run on them without a database."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime

from services.booking.adapters.repository import (
    AbstractRepository,
    CatalogEvent,
    location_from,
    questionnaire_from,
    resource_from,
    therapist_from,
    treatment_from,
)
from services.booking.domain.calendar import Claims, cell_runs
from services.booking.domain.catalog import LocationRow, Resource, Therapist, TreatmentSpec
from services.booking.domain.free_busy import Span
from services.booking.domain.model import Booking, Status
from services.booking.domain.screening import Questionnaire, Screening
from shared.events import (
    LocationPublished,
    Payload,
    QuestionnairePublished,
    ResourcePublished,
    TherapistPublished,
    TreatmentPublished,
)
from tests.support.clock import FixedClock


class FakeRepository(AbstractRepository):
    """Bookings, claims and the catalog copy in dicts. Bookings are copied in and out, so a change a
    handler forgets to save is lost, as it would be in the database."""

    def __init__(self, clock: FixedClock) -> None:
        self.clock = clock
        self.bookings: dict[str, Booking] = {}
        self.made_at: dict[str, datetime] = {}
        self.updated_at: dict[str, datetime] = {}
        self.idempotency: dict[str, tuple[str, str]] = {}  # key -> (booking id, fingerprint)
        self.claims: dict[tuple[str, str, int], str] = {}  # (kind, code, cell) -> booking id: the primary key
        self.copies: dict[tuple[type[Payload], str], dict[str, object]] = {}
        self.kept_answers: dict[str, Screening] = {}
        self.tokens: dict[str, str] = {}  # a replay's token hash -> its booking id
        self.announced: list[tuple[Payload, str]] = []

    # ---- bookings

    def add(self, booking: Booking, idempotency: tuple[str, str] | None = None) -> bool:
        if idempotency is not None:
            if idempotency[0] in self.idempotency:
                return False
            self.idempotency[idempotency[0]] = (booking.id, idempotency[1])
        self.bookings[booking.id] = copy.deepcopy(booking)
        self.made_at[booking.id] = self.updated_at[booking.id] = self.clock.now()
        return True

    def by_idempotency_key(self, key: str) -> tuple[Booking, str] | None:
        if key not in self.idempotency:
            return None
        booking_id, fingerprint = self.idempotency[key]
        return copy.deepcopy(self.bookings[booking_id]), fingerprint

    def get(self, booking_id: str, lock: bool = False) -> Booking | None:
        return copy.deepcopy(self.bookings.get(booking_id))

    def save(self, booking: Booking) -> None:
        self.bookings[booking.id] = copy.deepcopy(booking)
        self.updated_at[booking.id] = self.clock.now()

    def stale_pending(self, older_than: datetime, limit: int = 100) -> list[str]:
        pending = [b.id for b in self.bookings.values() if b.status is Status.PENDING]
        return sorted((i for i in pending if self.updated_at[i] < older_than), key=self.updated_at.get)[:limit]

    def confirmed_per_therapist(self, day_start: datetime, day_end: datetime) -> dict[str, int]:
        load: dict[str, int] = {}
        for b in self.bookings.values():
            if b.status in (Status.CONFIRMED, Status.NEEDS_REVIEW) and b.therapist and day_start <= b.start < day_end:
                load[b.therapist] = load.get(b.therapist, 0) + 1
        return load

    def count_by_status(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for b in self.bookings.values():
            counts[b.status.value] = counts.get(b.status.value, 0) + 1
        return counts

    def oldest_pending(self) -> datetime | None:
        return min((self.made_at[b.id] for b in self.bookings.values() if b.status is Status.PENDING), default=None)

    def in_review(self, location: str | None = None, starting_before: datetime | None = None) -> list[Booking]:
        found = [
            b
            for b in self.bookings.values()
            if b.status is Status.NEEDS_REVIEW and location in (None, b.location)
            and (starting_before is None or b.start < starting_before)
        ]  # fmt: skip
        return [copy.deepcopy(b) for b in sorted(found, key=lambda b: b.start)]

    # ---- health answers

    def keep_answers(self, booking_id: str, screening: Screening) -> None:
        self.kept_answers[booking_id] = replace(screening, advice=(), answered_at=self.clock.now())

    def answers(self, booking_id: str) -> Screening | None:
        return self.kept_answers.get(booking_id)

    def erase_answers(self, booking_id: str) -> bool:
        return self.kept_answers.pop(booking_id, None) is not None

    def answered_visits_ended_before(self, moment: datetime, limit: int = 500) -> list[str]:
        ended = [i for i in self.kept_answers if self.bookings[i].end < moment]
        return sorted(ended, key=lambda i: self.bookings[i].end)[:limit]

    # ---- claims

    def try_claim(self, booking_id: str, kind: str, code: str, cells: Iterable[int]) -> bool:
        wanted = [(kind, code, cell) for cell in cells]
        if any(key in self.claims for key in wanted):  # the primary key refuses the whole insert
            return False
        self.claims.update(dict.fromkeys(wanted, booking_id))
        return True

    def release_claims(self, booking_id: str) -> None:
        self.claims = {key: holder for key, holder in self.claims.items() if holder != booking_id}

    def release_cells(self, booking_id: str, cells: Claims) -> None:
        for key in cells:
            if self.claims.get(key) == booking_id:
                del self.claims[key]

    def claims_of(self, booking_id: str) -> Claims:
        return {key for key, holder in self.claims.items() if holder == booking_id}

    def taken_cells(self, first_cell: int, last_cell: int) -> Claims:
        return {key for key in self.claims if first_cell <= key[2] <= last_cell}

    def busy_spans(self, first_cell: int, last_cell: int) -> list[Span]:
        held: dict[tuple[str, str, str], list[int]] = {}
        for (kind, code, cell), holder in self.claims.items():
            if first_cell <= cell <= last_cell:
                held.setdefault((kind, code, holder), []).append(cell)
        return [(kind, code, *run) for (kind, code, _), cells in held.items() for run in cell_runs(cells)]

    def bookings_holding(self, kind: str, code: str, first_cell: int, last_cell: int) -> list[Booking]:
        ids = {holder for (k, c, cell), holder in self.claims.items() if (k, c) == (kind, code)
               and first_cell <= cell <= last_cell}  # fmt: skip
        return sorted((copy.deepcopy(self.bookings[i]) for i in ids), key=lambda b: b.start)

    # ---- the catalog copy, as the catalog's events leave it

    def keep_copy(self, event: CatalogEvent) -> bool:
        key = (type(event), getattr(event, "slug", None) or getattr(event, "code", None) or event.treatment)
        held = self.copies.get(key)
        if held is not None and int(held["revision"]) >= event.revision:  # type: ignore[call-overload]
            return False
        self.copies[key] = event.model_dump(mode="json")
        return True

    def _copies(self, kind: type[Payload]) -> list[dict[str, object]]:
        return [values for (k, _), values in sorted(self.copies.items(), key=lambda i: i[0][1]) if k is kind]

    def treatment(self, slug: str) -> TreatmentSpec | None:
        values = self.copies.get((TreatmentPublished, slug))
        return treatment_from(values) if values else None

    def questionnaire(self, treatment: str) -> Questionnaire | None:
        values = self.copies.get((QuestionnairePublished, treatment))
        return questionnaire_from(values) if values and values["active"] and values["questions"] else None

    def treatment_slugs(self) -> list[str]:
        return sorted(t["slug"] for t in self._copies(TreatmentPublished) if t["active"])  # type: ignore[misc]

    def resources(self) -> list[Resource]:
        return [resource_from(r) for r in self._copies(ResourcePublished) if r["active"]]

    def therapists(self) -> list[Therapist]:
        return [therapist_from(t) for t in self._copies(TherapistPublished) if t["active"]]

    def locations(self) -> list[LocationRow]:
        return [location_from(loc) for loc in self._copies(LocationPublished) if loc["active"]]

    def known_locations(self) -> list[LocationRow]:
        return [location_from(loc) for loc in self._copies(LocationPublished)]

    def keep_token(self, booking_id: str, token_hash: str) -> None:
        self.tokens[token_hash] = booking_id

    def has_token(self, booking_id: str, token_hash: str) -> bool:
        return self.tokens.get(token_hash) == booking_id

    # ---- events

    def announce(self, event: Payload, correlation_id: str) -> None:
        self.announced.append((event, correlation_id))

    def announced_types(self) -> list[str]:
        return [event.TYPE for event, _ in self.announced]

    @contextmanager
    def transaction(self) -> Iterator[AbstractRepository]:
        """What `Transactions` gives a handler that opens its own transactions (no rollback here)."""
        yield self
