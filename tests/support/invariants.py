"""Checks over a whole booking database, computed from the bookings themselves (not from the claim
rows that enforce them), so that a broken guarantee shows up."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any

from sqlalchemy import Engine, text


def _json(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else json.loads(value)


def _moment(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def double_bookings(engine: Engine) -> list[str]:
    """Every pair of live bookings (confirmed, held for review, completed) that hold one room, kit or
    therapist at overlapping times, turnover buffers included; an empty list when the calendar is sound."""
    with engine.connect() as db:
        buffers = {
            row.slug: _json(row.buffer_minutes)
            for row in db.execute(text("SELECT slug, buffer_minutes FROM treatment_copy"))
        }
        rows = db.execute(
            text(
                "SELECT id, treatment, start_at, end_at, resources, therapist FROM booking "
                "WHERE status IN ('confirmed', 'needs_review', 'completed', 'no_show')"
            )
        ).all()
    held: dict[str, list[tuple[datetime, datetime, str]]] = defaultdict(list)
    for row in rows:
        start, end = _moment(row.start_at), _moment(row.end_at)
        pairs = [*_json(row.resources).items(), ("therapist", row.therapist)]
        for key, code in pairs:
            kind = key.split("#", 1)[0]  # the second of two rooms is held as room#2
            busy_until = end + timedelta(minutes=buffers.get(row.treatment, {}).get(kind, 0))
            held[f"{kind}:{code}"].append((start, busy_until, row.id))
    clashes = []
    for resource, spans in held.items():
        spans.sort()
        for (_, end_a, a), (start_b, _, b) in pairwise(spans):
            if start_b < end_a:
                clashes.append(f"{resource} is in {a} and {b} at once")
    return clashes


def claims_match_bookings(engine: Engine) -> list[str]:
    """Claims belong only to live bookings, and every confirmed (or held for review) booking holds claims."""
    with engine.connect() as db:
        orphans = db.execute(
            text(
                "SELECT DISTINCT c.booking_id, b.status FROM claim c JOIN booking b ON b.id = c.booking_id "
                "WHERE b.status IN ('rejected', 'cancelled', 'declined')"
            )
        ).all()
        unclaimed = db.execute(
            text(
                "SELECT id, status FROM booking b WHERE status IN ('confirmed', 'needs_review') "
                "AND NOT EXISTS (SELECT 1 FROM claim c WHERE c.booking_id = b.id)"
            )
        ).all()
    return [f"{row.booking_id} is {row.status} but still holds claims" for row in orphans] + [
        f"{row.id} is {row.status} without claims" for row in unclaimed
    ]
