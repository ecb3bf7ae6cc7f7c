"""Reading and writing catalog entries; each write raises the entry's revision."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from sqlalchemy import Table, insert, select, update
from sqlalchemy.orm import Session

from services.catalog.adapters import orm
from services.catalog.domain.model import Location, Resource, Therapist, TimeOff, Treatment, WorkingHours
from shared.outbox import utcnow

_KEYS: dict[type, tuple[Table, str]] = {
    Treatment: (orm.treatment, "slug"),
    Resource: (orm.resource, "code"),
    Therapist: (orm.therapist, "code"),
    Location: (orm.location, "code"),
}


def save(session: Session, entry: Treatment | Resource | Therapist | Location) -> int:
    """Insert or update an entry; returns its new revision."""
    table, key = _KEYS[type(entry)]
    values = asdict(entry)
    current = session.execute(select(table.c.revision).where(table.c[key] == values[key])).scalar()
    revision = (current or 0) + 1
    values.update(revision=revision, updated_at=utcnow())
    if current is None:
        session.execute(insert(table).values(**values))
    else:
        session.execute(update(table).where(table.c[key] == values[key]).values(**values))
    return revision


def exists(session: Session, kind: type, key: str) -> bool:
    table, column = _KEYS[kind]
    return session.execute(select(table.c[column]).where(table.c[column] == key)).first() is not None


def _treatment(row: Any) -> Treatment:
    return Treatment(**{k: v for k, v in row._mapping.items() if k not in ("revision", "updated_at")})


def _resource(row: Any) -> Resource:
    return Resource(**{k: v for k, v in row._mapping.items() if k not in ("revision", "updated_at")})


def _therapist(row: Any) -> Therapist:
    values = {k: v for k, v in row._mapping.items() if k not in ("revision", "updated_at")}
    values["weekly_hours"] = [WorkingHours(**hours) for hours in values["weekly_hours"]]
    values["breaks"] = [WorkingHours(**hours) for hours in values["breaks"]]
    values["time_off"] = [TimeOff(**away) for away in values["time_off"]]
    return Therapist(**values)


def _location(row: Any) -> Location:
    values = {k: v for k, v in row._mapping.items() if k not in ("revision", "updated_at")}
    values["opening_hours"] = [WorkingHours(**hours) for hours in values["opening_hours"]]
    return Location(**values)


def treatments(session: Session, slug: str | None = None) -> list[tuple[Treatment, int]]:
    query = select(orm.treatment).order_by(orm.treatment.c.slug)
    if slug is not None:
        query = query.where(orm.treatment.c.slug == slug)
    return [(_treatment(row), row.revision) for row in session.execute(query)]


def resources(session: Session) -> list[tuple[Resource, int]]:
    rows = session.execute(select(orm.resource).order_by(orm.resource.c.kind, orm.resource.c.code))
    return [(_resource(row), row.revision) for row in rows]


def therapists(session: Session) -> list[tuple[Therapist, int]]:
    rows = session.execute(select(orm.therapist).order_by(orm.therapist.c.code))
    return [(_therapist(row), row.revision) for row in rows]


def locations(session: Session) -> list[tuple[Location, int]]:
    rows = session.execute(select(orm.location).order_by(orm.location.c.code))
    return [(_location(row), row.revision) for row in rows]


def therapist(session: Session, code: str) -> Therapist | None:
    row = session.execute(select(orm.therapist).where(orm.therapist.c.code == code)).first()
    return _therapist(row) if row else None
