"""What the booking use cases read and write: bookings, their claims, the catalog copy and the events
they announce. `AbstractRepository` is the port the service layer asks; `SqlRepository` keeps it in the
booking database, inside the caller's transaction (the outbox too, so an event leaves only if its
change committed)."""

from __future__ import annotations

import abc
from collections.abc import Callable, Iterable, Mapping
from contextlib import AbstractContextManager
from dataclasses import asdict
from datetime import datetime
from typing import Any, cast
from weakref import WeakKeyDictionary

from sqlalchemy import Table, case, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.booking.adapters import orm
from services.booking.domain.calendar import SPAN_CELLS, Claims, cell_runs
from services.booking.domain.catalog import LocationRow, Resource, Therapist, TreatmentSpec, WeeklyHours
from services.booking.domain.free_busy import Span
from services.booking.domain.model import Booking, Client, Status
from services.booking.domain.screening import Answer, Option, Outcome, Question, Questionnaire, Screening
from shared.clock import Clock, system_clock
from shared.events import (
    LocationPublished,
    Payload,
    QuestionnairePublished,
    ResourcePublished,
    TherapistPublished,
    TreatmentPublished,
)
from shared.replica import upsert_by_revision

CatalogEvent = TreatmentPublished | ResourcePublished | TherapistPublished | LocationPublished | QuestionnairePublished


class AbstractRepository(abc.ABC):
    """Everything a booking use case needs from storage, in one transaction."""

    # ---- bookings

    @abc.abstractmethod
    def add(self, booking: Booking, idempotency: tuple[str, str] | None = None) -> bool:
        """Store a new booking; False (nothing stored) when its idempotency key made a booking already."""

    @abc.abstractmethod
    def by_idempotency_key(self, key: str) -> tuple[Booking, str] | None:
        """The booking a key made, with the fingerprint of the request that made it."""

    @abc.abstractmethod
    def keep_token(self, booking_id: str, token_hash: str) -> None:
        """Let one more token (an Idempotency-Key replay's) open the booking, beside its first."""

    @abc.abstractmethod
    def has_token(self, booking_id: str, token_hash: str) -> bool:
        """Whether a replay's token with this hash opens the booking (its first is `Booking.token_hash`)."""

    @abc.abstractmethod
    def get(self, booking_id: str, lock: bool = False) -> Booking | None:
        """A booking; with `lock`, no other transaction changes it until this one ends."""

    @abc.abstractmethod
    def save(self, booking: Booking) -> None: ...

    @abc.abstractmethod
    def stale_pending(self, older_than: datetime, limit: int = 100) -> list[str]:
        """Ids of bookings pending since before `older_than`, oldest first."""

    @abc.abstractmethod
    def confirmed_per_therapist(self, day_start: datetime, day_end: datetime) -> dict[str, int]: ...

    @abc.abstractmethod
    def count_by_status(self) -> dict[str, int]: ...

    @abc.abstractmethod
    def oldest_pending(self) -> datetime | None:
        """When the oldest booking still pending was made."""

    @abc.abstractmethod
    def in_review(self, location: str | None = None, starting_before: datetime | None = None) -> list[Booking]:
        """Bookings waiting for a therapist's review, by start."""

    # ---- health answers: only here, never in an event

    @abc.abstractmethod
    def keep_answers(self, booking_id: str, screening: Screening) -> None:
        """Store (or replace) a booking's intake answers."""

    @abc.abstractmethod
    def answers(self, booking_id: str) -> Screening | None: ...

    @abc.abstractmethod
    def erase_answers(self, booking_id: str) -> bool:
        """Delete a booking's answers; False if none were kept."""

    @abc.abstractmethod
    def answered_visits_ended_before(self, moment: datetime, limit: int = 500) -> list[str]:
        """Ids of bookings whose visit ended before `moment` and whose answers are still kept."""

    # ---- claims

    @abc.abstractmethod
    def try_claim(self, booking_id: str, kind: str, code: str, cells: Iterable[int]) -> bool:
        """Hold a resource for the cells, or nothing at all if another booking holds any of them."""

    @abc.abstractmethod
    def release_claims(self, booking_id: str) -> None: ...

    @abc.abstractmethod
    def release_cells(self, booking_id: str, cells: Claims) -> None: ...

    @abc.abstractmethod
    def claims_of(self, booking_id: str) -> Claims: ...

    @abc.abstractmethod
    def taken_cells(self, first_cell: int, last_cell: int) -> Claims:
        """Every claim, of any booking, between two cells (inclusive)."""

    @abc.abstractmethod
    def busy_spans(self, first_cell: int, last_cell: int) -> list[Span]:
        """Runs of claimed cells, (kind, code, first, last), that overlap two cells (inclusive): the same
        claims as `taken_cells`, a row per run instead of per cell."""

    @abc.abstractmethod
    def bookings_holding(self, kind: str, code: str, first_cell: int, last_cell: int) -> list[Booking]:
        """Bookings holding a resource anywhere between two cells, by start."""

    # ---- the catalog copy

    @abc.abstractmethod
    def keep_copy(self, event: CatalogEvent) -> bool:
        """Store what the catalog published, unless this or a newer revision is held already."""

    @abc.abstractmethod
    def treatment(self, slug: str) -> TreatmentSpec | None: ...

    @abc.abstractmethod
    def questionnaire(self, treatment: str) -> Questionnaire | None:
        """The treatment's active intake questionnaire, if it has one."""

    @abc.abstractmethod
    def treatment_slugs(self) -> list[str]:
        """Active treatments, sorted."""

    @abc.abstractmethod
    def resources(self) -> list[Resource]: ...

    @abc.abstractmethod
    def therapists(self) -> list[Therapist]: ...

    @abc.abstractmethod
    def locations(self) -> list[LocationRow]:
        """The open locations: where new bookings are taken."""

    @abc.abstractmethod
    def known_locations(self) -> list[LocationRow]:
        """Every location the catalog published, retired ones too (`active` False): a booking made at one
        keeps its time zone and name."""

    # ---- events

    @abc.abstractmethod
    def announce(self, event: Payload, correlation_id: str) -> None:
        """Record an event to publish; it leaves only if this transaction commits."""


Transactions = Callable[[], AbstractContextManager[AbstractRepository]]
"""Opens a repository on a transaction of its own: committed when the block ends, rolled back on error."""


# ---- turning stored values into the domain's objects (the fake repository uses them too) --------


def treatment_from(values: Mapping[str, Any]) -> TreatmentSpec:
    return TreatmentSpec(
        slug=values["slug"],
        name=values["name"],
        duration_minutes=values["duration_minutes"],
        required_resources=dict(values["required_resources"]),
        required_skills=list(values["required_skills"]),
        buffer_minutes=dict(values["buffer_minutes"]),
        active=values["active"],
    )


def resource_from(values: Mapping[str, Any]) -> Resource:
    return Resource(code=values["code"], kind=values["kind"], name=values["name"], location=values["location"])


def therapist_from(values: Mapping[str, Any]) -> Therapist:
    return Therapist(
        code=values["code"],
        name=values["name"],
        email=values["email"],
        skills=frozenset(values["skills"]),
        weekly_hours=tuple(WeeklyHours(**h) for h in values["weekly_hours"]),
        location=values["location"],
        breaks=tuple(WeeklyHours(**h) for h in values["breaks"] or []),
        time_off=tuple(
            (datetime.fromisoformat(a["start"]), datetime.fromisoformat(a["end"])) for a in values["time_off"] or []
        ),
    )


def questionnaire_from(values: Mapping[str, Any]) -> Questionnaire:
    return Questionnaire(
        treatment=values["treatment"],
        version=values["revision"],
        questions=tuple(
            Question(
                code=q["code"],
                kind=q["kind"],
                text=dict(q["text"]),
                options=tuple(
                    Option(o["value"], dict(o["label"]), Outcome(o["outcome"]), dict(o.get("advice") or {}))
                    for o in q.get("options") or []
                ),
                required=q.get("required", True),
                answered_outcome=Outcome(q.get("answered_outcome", "ok")),
            )
            for q in values["questions"]
        ),
        alternative=values["alternative"],
    )


def answers_to_json(screening: Screening) -> list[dict[str, Any]]:
    return [{**asdict(a), "outcome": a.outcome.value} for a in screening.answers]


def screening_from(version: int, outcome: str, answers: list[dict[str, Any]], answered_at: datetime) -> Screening:
    kept = tuple(Answer(**{**a, "outcome": Outcome(a["outcome"])}) for a in answers)
    return Screening(version, Outcome(outcome), kept, answered_at=answered_at)


def location_from(values: Mapping[str, Any]) -> LocationRow:
    return LocationRow(
        code=values["code"],
        timezone=values["timezone"],
        opening_hours=tuple(WeeklyHours(**h) for h in values["opening_hours"]),
        grid_minutes=values["slot_grid_minutes"],
        min_notice_minutes=values["min_notice_minutes"],
        max_advance_days=values["max_advance_days"],
        name=values.get("name") or "",
        active=values.get("active", True),
    )


# ---- in the booking database --------------------------------------------------------------------

_COPIES: dict[type[Payload], tuple[Table, str]] = {
    TreatmentPublished: (orm.treatment_copy, "slug"),
    ResourcePublished: (orm.resource_copy, "code"),
    TherapistPublished: (orm.therapist_copy, "code"),
    LocationPublished: (orm.location_copy, "code"),
    QuestionnairePublished: (orm.questionnaire_copy, "treatment"),
}


def _stamp(table: Table) -> list[Any]:
    """Rows, revisions and active flags: any change the copy can go through changes one of them."""
    active = case((table.c.active, 1), else_=0)
    return [
        select(func.count()).select_from(table).scalar_subquery(),
        select(func.coalesce(func.sum(table.c.revision), 0)).scalar_subquery(),
        select(func.coalesce(func.sum(active), 0)).scalar_subquery(),
    ]


_COPY_STAMP = select(
    *(
        column
        for table in (orm.treatment_copy, orm.resource_copy, orm.therapist_copy, orm.location_copy)
        for column in _stamp(table)
    )
)
_WROTE_COPY = "booking.wrote_catalog_copy"
_KEPT_CATALOG: WeakKeyDictionary[Any, tuple[tuple[Any, ...], dict[tuple[str, str], Any]]] = WeakKeyDictionary()


class SqlRepository(AbstractRepository):
    """The repository on one SQLAlchemy session; the caller owns (commits or rolls back) its transaction.

    The catalog copy changes rarely and is read on every booking and availability question, so what
    was read of it is kept per process, under a stamp of the copy (rows, revisions, active flags)
    that one query reads per transaction: a changed copy has another stamp and is read afresh. Only
    `keep_copy` writes the copy, always raising a revision; a transaction that wrote it keeps what it
    reads to itself (it may still roll back)."""

    def __init__(self, session: Session, clock: Clock = system_clock) -> None:
        self.session, self.clock = session, clock
        self._catalog: dict[tuple[str, str], Any] | None = None

    def _once(self, key: tuple[str, str], read: Callable[[], Any]) -> Any:
        if self._catalog is None:
            self._catalog = self._catalog_kept()
        if key not in self._catalog:
            self._catalog[key] = read()
        return self._catalog[key]

    def _catalog_kept(self) -> dict[tuple[str, str], Any]:
        if self.session.info.get(_WROTE_COPY):
            return {}
        stamp = tuple(self.session.execute(_COPY_STAMP).one())
        bind = self.session.get_bind()
        kept = _KEPT_CATALOG.get(bind)
        if kept is None or kept[0] != stamp:
            kept = (stamp, {})
            _KEPT_CATALOG[bind] = kept
        return kept[1]

    def _row_values(self, booking: Booking) -> dict[str, Any]:
        return {
            "treatment": booking.treatment,
            "location": booking.location,
            "start_at": booking.start,
            "end_at": booking.end,
            "status": booking.status.value,
            "version": booking.version,
            "client_name": booking.client.name,
            "client_email": booking.client.email,
            "client_phone": booking.client.phone,
            "client_locale": booking.client.locale,
            "short_reminder": booking.short_reminder,
            "token_hash": booking.token_hash,
            "resources": booking.resources,
            "therapist": booking.therapist,
            "requested_therapist": booking.requested_therapist,
            "late_cancellation": booking.late_cancellation,
            "reason": booking.reason,
            "screening": booking.screening.value if booking.screening else None,
            "questionnaire_version": booking.questionnaire_version,
            "correlation_id": booking.correlation_id,
            "updated_at": self.clock.now(),
        }

    def add(self, booking: Booking, idempotency: tuple[str, str] | None = None) -> bool:
        key, fingerprint = idempotency or (None, None)
        made = {"id": booking.id, "created_at": self.clock.now(), "idempotency_key": key}
        try:
            with self.session.begin_nested():
                self.session.execute(
                    insert(orm.booking).values(**made, request_fingerprint=fingerprint, **self._row_values(booking))
                )
        except IntegrityError:
            if key is None:
                raise
            return False
        return True

    def by_idempotency_key(self, key: str) -> tuple[Booking, str] | None:
        # No row lock: a replay only adds a token row, so twins replaying at once never wait on each other.
        query = select(orm.booking).where(orm.booking.c.idempotency_key == key)
        row = self.session.execute(query).first()
        return (_booking(row), row.request_fingerprint) if row else None

    def keep_token(self, booking_id: str, token_hash: str) -> None:
        values = {"token_hash": token_hash, "booking_id": booking_id, "created_at": self.clock.now()}
        self.session.execute(insert(orm.booking_token).values(**values))

    def has_token(self, booking_id: str, token_hash: str) -> bool:
        table = orm.booking_token
        query = select(table.c.booking_id).where(table.c.token_hash == token_hash, table.c.booking_id == booking_id)
        return self.session.execute(query).first() is not None

    def save(self, booking: Booking) -> None:
        values = self._row_values(booking)
        self.session.execute(update(orm.booking).where(orm.booking.c.id == booking.id).values(**values))

    def get(self, booking_id: str, lock: bool = False) -> Booking | None:
        # On PostgreSQL the row lock serialises two changes to one booking (a saga step and a
        # cancellation); SQLite needs none: its writers are serialised from BEGIN IMMEDIATE on.
        query = select(orm.booking).where(orm.booking.c.id == booking_id)
        row = self.session.execute(query.with_for_update() if lock else query).first()
        return _booking(row) if row else None

    def stale_pending(self, older_than: datetime, limit: int = 100) -> list[str]:
        query = (
            select(orm.booking.c.id)
            .where(orm.booking.c.status == Status.PENDING.value, orm.booking.c.updated_at < older_than)
            .order_by(orm.booking.c.updated_at)
            .limit(limit)
        )
        return list(self.session.execute(query).scalars())

    def confirmed_per_therapist(self, day_start: datetime, day_end: datetime) -> dict[str, int]:
        query = (
            select(orm.booking.c.therapist, func.count())
            .where(
                orm.booking.c.status.in_((Status.CONFIRMED.value, Status.NEEDS_REVIEW.value)),
                orm.booking.c.start_at >= day_start,
                orm.booking.c.start_at < day_end,
            )
            .group_by(orm.booking.c.therapist)
        )
        return {code: count for code, count in self.session.execute(query) if code}

    def count_by_status(self) -> dict[str, int]:
        query = select(orm.booking.c.status, func.count()).group_by(orm.booking.c.status)
        return {status: count for status, count in self.session.execute(query)}

    def oldest_pending(self) -> datetime | None:
        query = select(func.min(orm.booking.c.created_at)).where(orm.booking.c.status == Status.PENDING.value)
        return self.session.execute(query).scalar()

    def in_review(self, location: str | None = None, starting_before: datetime | None = None) -> list[Booking]:
        query = select(orm.booking).where(orm.booking.c.status == Status.NEEDS_REVIEW.value)
        if location is not None:
            query = query.where(orm.booking.c.location == location)
        if starting_before is not None:
            query = query.where(orm.booking.c.start_at < starting_before)
        return [_booking(row) for row in self.session.execute(query.order_by(orm.booking.c.start_at))]

    def keep_answers(self, booking_id: str, screening: Screening) -> None:
        values = {
            "questionnaire_version": screening.version,
            "outcome": screening.outcome.value,
            "answers": answers_to_json(screening),
            "answered_at": self.clock.now(),
        }
        table = orm.intake_answers
        if self.session.execute(update(table).where(table.c.booking_id == booking_id).values(**values)).rowcount:
            return
        self.session.execute(insert(table).values(booking_id=booking_id, **values))

    def answers(self, booking_id: str) -> Screening | None:
        table = orm.intake_answers
        row = self.session.execute(select(table).where(table.c.booking_id == booking_id)).first()
        return screening_from(row.questionnaire_version, row.outcome, row.answers, row.answered_at) if row else None

    def erase_answers(self, booking_id: str) -> bool:
        table = orm.intake_answers
        erased = self.session.execute(delete(table).where(table.c.booking_id == booking_id)).rowcount
        return bool(erased)

    def answered_visits_ended_before(self, moment: datetime, limit: int = 500) -> list[str]:
        query = (
            select(orm.intake_answers.c.booking_id)
            .join(orm.booking, orm.booking.c.id == orm.intake_answers.c.booking_id)
            .where(orm.booking.c.end_at < moment)
            .order_by(orm.booking.c.end_at)
            .limit(limit)
        )
        return list(self.session.execute(query).scalars())

    def try_claim(self, booking_id: str, kind: str, code: str, cells: Iterable[int]) -> bool:
        wanted = list(cells)
        if not wanted:  # the booking holds every cell already (a reschedule onto its own slot)
            return True
        rows = [{"kind": kind, "code": code, "cell": cell, "booking_id": booking_id} for cell in wanted]
        try:
            with self.session.begin_nested():
                self.session.execute(insert(orm.claim), rows)
                self.session.execute(insert(orm.claim_span), _span_rows(booking_id, kind, code, wanted))
        except IntegrityError:  # the claim's primary key: another booking holds one of the cells
            return False
        return True

    def release_claims(self, booking_id: str) -> None:
        self.session.execute(delete(orm.claim_span).where(orm.claim_span.c.booking_id == booking_id))
        self.session.execute(delete(orm.claim).where(orm.claim.c.booking_id == booking_id))

    def release_cells(self, booking_id: str, cells: Claims) -> None:
        for kind, code, cell in cells:
            self.session.execute(
                delete(orm.claim).where(
                    orm.claim.c.booking_id == booking_id,
                    orm.claim.c.kind == kind,
                    orm.claim.c.code == code,
                    orm.claim.c.cell == cell,
                )
            )
        if cells:  # the booking's runs again, from what it still holds
            self.session.execute(delete(orm.claim_span).where(orm.claim_span.c.booking_id == booking_id))
            held: dict[tuple[str, str], list[int]] = {}
            for kind, code, cell in self.claims_of(booking_id):
                held.setdefault((kind, code), []).append(cell)
            rows = [row for (kind, code), kept in held.items() for row in _span_rows(booking_id, kind, code, kept)]
            if rows:
                self.session.execute(insert(orm.claim_span), rows)

    def claims_of(self, booking_id: str) -> Claims:
        query = select(orm.claim.c.kind, orm.claim.c.code, orm.claim.c.cell).where(orm.claim.c.booking_id == booking_id)
        return {(kind, code, cell) for kind, code, cell in self.session.execute(query)}

    def taken_cells(self, first_cell: int, last_cell: int) -> Claims:
        query = select(orm.claim.c.kind, orm.claim.c.code, orm.claim.c.cell).where(
            orm.claim.c.cell >= first_cell, orm.claim.c.cell <= last_cell
        )
        return {(kind, code, cell) for kind, code, cell in self.session.execute(query)}

    def busy_spans(self, first_cell: int, last_cell: int) -> list[Span]:
        span = orm.claim_span.c
        query = select(span.kind, span.code, span.first_cell, span.last_cell).where(
            span.first_cell.between(first_cell - SPAN_CELLS + 1, last_cell),  # runs are never longer
            span.last_cell >= first_cell,
        )
        return cast(list[Span], self.session.execute(query).all())  # rows are tuples: not copied again

    def bookings_holding(self, kind: str, code: str, first_cell: int, last_cell: int) -> list[Booking]:
        ids = (
            select(orm.claim.c.booking_id)
            .where(orm.claim.c.kind == kind, orm.claim.c.code == code, orm.claim.c.cell.between(first_cell, last_cell))
            .distinct()
        )
        query = select(orm.booking).where(orm.booking.c.id.in_(ids)).order_by(orm.booking.c.start_at)
        return [_booking(row) for row in self.session.execute(query)]

    def keep_copy(self, event: CatalogEvent) -> bool:
        self._catalog = None
        self.session.info[_WROTE_COPY] = True  # for every repository on this transaction
        table, key = _COPIES[type(event)]
        return upsert_by_revision(self.session, table, key, event.model_dump(mode="json"))

    def treatment(self, slug: str) -> TreatmentSpec | None:
        def read() -> TreatmentSpec | None:
            query = select(orm.treatment_copy).where(orm.treatment_copy.c.slug == slug)
            row = self.session.execute(query).first()
            return treatment_from(row._mapping) if row else None

        return self._once(("treatment", slug), read)  # type: ignore[no-any-return]

    def questionnaire(self, treatment: str) -> Questionnaire | None:
        table = orm.questionnaire_copy
        row = self.session.execute(select(table).where(table.c.treatment == treatment)).first()
        return questionnaire_from(row._mapping) if row and row.active and row.questions else None

    def treatment_slugs(self) -> list[str]:
        query = select(orm.treatment_copy.c.slug).where(orm.treatment_copy.c.active.is_(True))
        return sorted(self.session.execute(query).scalars())

    def resources(self) -> list[Resource]:
        return list(self._once(("resources", ""), lambda: self._active(orm.resource_copy, resource_from)))

    def therapists(self) -> list[Therapist]:
        return list(self._once(("therapists", ""), lambda: self._active(orm.therapist_copy, therapist_from)))

    def locations(self) -> list[LocationRow]:
        return list(self._once(("locations", ""), lambda: self._active(orm.location_copy, location_from)))

    def known_locations(self) -> list[LocationRow]:
        def read() -> list[LocationRow]:
            return [location_from(row._mapping) for row in self.session.execute(select(orm.location_copy))]

        return list(self._once(("known_locations", ""), read))

    def _active(self, table: Table, parse: Callable[[Mapping[str, Any]], Any]) -> list[Any]:
        return [parse(row._mapping) for row in self.session.execute(select(table).where(table.c.active.is_(True)))]

    def announce(self, event: Payload, correlation_id: str) -> None:
        orm.outbox.add(self.session, event, correlation_id)


def _span_rows(booking_id: str, kind: str, code: str, cells: Iterable[int]) -> list[dict[str, Any]]:
    return [
        {"kind": kind, "code": code, "first_cell": first, "last_cell": last, "booking_id": booking_id}
        for first, last in cell_runs(cells)
    ]


def _booking(row: Any) -> Booking:
    return Booking(
        id=row.id,
        treatment=row.treatment,
        location=row.location,
        start=row.start_at,
        end=row.end_at,
        client=Client(name=row.client_name, email=row.client_email, phone=row.client_phone, locale=row.client_locale),
        short_reminder=row.short_reminder,
        token_hash=row.token_hash,
        correlation_id=row.correlation_id,
        status=Status(row.status),
        version=row.version,
        resources=dict(row.resources or {}),
        therapist=row.therapist,
        reason=row.reason,
        requested_therapist=row.requested_therapist,
        late_cancellation=row.late_cancellation,
        screening=Outcome(row.screening) if row.screening else None,
        questionnaire_version=row.questionnaire_version,
    )
