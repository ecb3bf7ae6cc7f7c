"""Availability benchmark: a busy clinic (10 therapists, 6 rooms, 4 cupping kits, 5,000 bookings) and
the latency of one-day and 14-day availability queries, on SQLite and PostgreSQL. Prints figures only.

    python -m bench [--bookings 5000] [--runs 200] [--postgres-url URL]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
from sqlalchemy import insert

from ops.migrate import migrate
from services.booking.adapters import orm
from services.booking.adapters.repository import SqlRepository
from services.booking.domain.allocation import free_resources, free_therapists
from services.booking.domain.calendar import BookingRules, cell_runs, claim_cells
from services.booking.domain.catalog import Resource, Therapist, TreatmentSpec, WeeklyHours
from services.booking.service_layer.availability import AvailabilityQuery, availability
from shared.clock import system_clock
from shared.db import SessionFactory, make_engine, make_session_factory, transaction

TZ = ZoneInfo("Europe/Berlin")
RULES = BookingRules(tz=TZ)
TREATMENTS = [
    TreatmentSpec("back-leg-cupping", "Back & Leg + Cupping", 45, {"room": 1, "cupping_kit": 1},
                  ["medical_massage", "cupping"], {"room": 10, "cupping_kit": 30, "therapist": 5}),
    TreatmentSpec("back-neck", "Back & Neck", 30, {"room": 1}, ["medical_massage"], {"room": 10, "therapist": 5}),
]  # fmt: skip
RESOURCES = [Resource(f"room-{i}", "room", f"Room {i}") for i in range(1, 7)] + [
    Resource(f"kit-{i}", "cupping_kit", f"Kit {i}") for i in range(1, 5)
]
THERAPISTS = [
    Therapist(
        code=f"therapist-{i:02d}",
        name=f"Therapist {i}",
        email=f"t{i}@clinic.example",
        skills=frozenset({"medical_massage", "cupping"} if i % 2 else {"medical_massage"}),
        weekly_hours=tuple(WeeklyHours(day, "08:00", "20:00") for day in range(6)),
    )
    for i in range(1, 11)
]


def fill(factory: SessionFactory, bookings: int, first_day: date, days: int, rng: random.Random) -> int:
    """Book the calendar the way the saga would (same allocation rules), written in bulk."""
    with transaction(factory) as session:
        for t in TREATMENTS:
            session.execute(insert(orm.treatment_copy).values(revision=1, **t.__dict__))
        for r in RESOURCES:
            session.execute(insert(orm.resource_copy).values(revision=1, **r.__dict__))
        for th in THERAPISTS:
            values = {**th.__dict__, "skills": sorted(th.skills), "weekly_hours": [s.__dict__ for s in th.weekly_hours]}
            session.execute(insert(orm.therapist_copy).values(revision=1, **values))
    taken: set[tuple[str, str, int]] = set()
    rows, claims, spans = [], [], []
    tries = 0
    while len(rows) < bookings and tries < bookings * 50:
        tries += 1
        day = first_day + timedelta(days=rng.randrange(days))
        starts = list(RULES.day_starts(day))
        start = rng.choice(starts)
        treatment = rng.choice(TREATMENTS)
        held = {}
        for kind in treatment.required_resources:
            free = free_resources(treatment, kind, RESOURCES, taken, start)
            if not free:
                break
            held[kind] = free[0].code
        else:
            therapists = free_therapists(treatment, THERAPISTS, taken, start, TZ)
            if not therapists:
                continue
            booking_id = str(uuid.uuid4())
            for kind, code in [*held.items(), ("therapist", therapists[0].code)]:
                for cell in claim_cells(treatment, kind, start):
                    taken.add((kind, code, cell))
                    claims.append({"kind": kind, "code": code, "cell": cell, "booking_id": booking_id})
                for first, last in cell_runs(claim_cells(treatment, kind, start)):  # as SqlRepository.try_claim
                    spans.append({"kind": kind, "code": code, "first_cell": first, "last_cell": last,
                                  "booking_id": booking_id})  # fmt: skip
            now = system_clock.now()
            rows.append({
                "id": booking_id, "treatment": treatment.slug, "status": "confirmed", "version": 2,
                "start_at": start,
                "end_at": start + timedelta(minutes=treatment.duration_minutes),
                "client_name": "Bench", "client_email": "bench@example.com", "token_hash": "x" * 64,
                "resources": held, "therapist": therapists[0].code, "correlation_id": "bench",
                "created_at": now, "updated_at": now,
            })  # fmt: skip
    with transaction(factory) as session:
        session.execute(insert(orm.booking), rows)
        for i in range(0, len(claims), 5000):
            session.execute(insert(orm.claim), claims[i : i + 5000])
        session.execute(insert(orm.claim_span), spans)
    return len(rows)


def percentiles(samples: list[float]) -> str:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return f"p50 {cuts[49]:7.2f} ms   p95 {cuts[94]:7.2f} ms   p99 {cuts[98]:7.2f} ms"


def measure(factory: SessionFactory, first_day: date, days_span: int, window: int, runs: int) -> list[float]:
    rng = random.Random(7)
    now = system_clock.now()
    samples = []
    for _ in range(runs):
        day = first_day + timedelta(days=rng.randrange(days_span - window + 1))
        slug = rng.choice(TREATMENTS).slug
        began = time.perf_counter()
        with transaction(factory) as session:
            availability(SqlRepository(session), AvailabilityQuery(slug, day, days=window), RULES, now)
        samples.append((time.perf_counter() - began) * 1000)
    return samples


def run_on(name: str, url: str, bookings: int, runs: int) -> None:
    migrate("booking", url)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    read_factory = make_session_factory(engine, read_only=True)
    first_day = system_clock.now().astimezone(TZ).date() + timedelta(days=1)
    span = 90  # 5,000 bookings fill about two thirds of 90 days of this clinic's capacity
    made = fill(factory, bookings, first_day, span, random.Random(1))
    print(f"\n{name}: {made} bookings over {span} days, {len(THERAPISTS)} therapists, 6 rooms, 4 cupping kits")
    measure(read_factory, first_day, span, 1, 10)  # warm-up
    print(f"  availability, 1 day   ({runs} runs): {percentiles(measure(read_factory, first_day, span, 1, runs))}")
    runs14 = max(runs // 4, 20)
    print(f"  availability, 14 days ({runs14} runs): {percentiles(measure(read_factory, first_day, span, 14, runs14))}")
    engine.dispose()


def _with_postgres(admin_url: str, work: Callable[[str], None]) -> None:
    name = f"bench_{uuid.uuid4().hex[:8]}"
    libpq = admin_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(libpq, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        work(admin_url.rsplit("/", 1)[0] + f"/{name}")
    finally:
        with psycopg.connect(libpq, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bookings", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        run_on("SQLite", f"sqlite:///{Path(folder) / 'bench.db'}", args.bookings, args.runs)
    try:
        _with_postgres(args.postgres_url, lambda url: run_on("PostgreSQL", url, args.bookings, args.runs))
    except psycopg.OperationalError as error:
        print(f"\nPostgreSQL: skipped, no server at {args.postgres_url} ({str(error).strip()[:120]})")
