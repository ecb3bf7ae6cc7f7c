"""Reading and writing catalog entries; each write raises the entry's revision and is announced in the
same transaction (the outbox)."""

from __future__ import annotations

import abc
from dataclasses import asdict
from typing import Any

from sqlalchemy import Table, insert, select, update
from sqlalchemy.orm import Session

from services.catalog.adapters import orm
from services.catalog.domain.model import (
    Entry,
    Location,
    Price,
    Resource,
    Therapist,
    TimeOff,
    Treatment,
    WeeklyHours,
)
from services.catalog.domain.questionnaire import Questionnaire, questions_from
from shared.clock import Clock, system_clock
from shared.events import Payload


class AbstractRepository(abc.ABC):
    """What the catalog's use cases need of storage. Lists come with each entry's revision."""

    @abc.abstractmethod
    def save(self, entry: Entry) -> int:
        """Insert or replace an entry; returns its new revision."""

    @abc.abstractmethod
    def exists(self, kind: type[Entry], key: str) -> bool: ...

    @abc.abstractmethod
    def treatments(self, slug: str | None = None) -> list[tuple[Treatment, int]]: ...

    @abc.abstractmethod
    def resources(self) -> list[tuple[Resource, int]]: ...

    @abc.abstractmethod
    def therapists(self) -> list[tuple[Therapist, int]]: ...

    @abc.abstractmethod
    def locations(self) -> list[tuple[Location, int]]: ...

    @abc.abstractmethod
    def questionnaires(self, treatment: str | None = None) -> list[tuple[Questionnaire, int]]: ...

    @abc.abstractmethod
    def announce(self, event: Payload, correlation_id: str) -> None:
        """Record an event, published only if this transaction commits."""

    def therapist(self, code: str) -> Therapist | None:
        return next((t for t, _ in self.therapists() if t.code == code), None)


_KEYS: dict[type, tuple[Table, str]] = {
    Treatment: (orm.treatment, "slug"),
    Resource: (orm.resource, "code"),
    Therapist: (orm.therapist, "code"),
    Location: (orm.location, "code"),
    Questionnaire: (orm.questionnaire, "treatment"),
}


class SqlRepository(AbstractRepository):
    def __init__(self, session: Session, clock: Clock = system_clock) -> None:
        self.session, self.clock = session, clock

    def save(self, entry: Entry) -> int:
        table, key = _KEYS[type(entry)]
        values = asdict(entry)
        current = self.session.execute(select(table.c.revision).where(table.c[key] == values[key])).scalar()
        revision = (current or 0) + 1
        values.update(revision=revision, updated_at=self.clock.now())
        if current is None:
            self.session.execute(insert(table).values(**values))
        else:
            self.session.execute(update(table).where(table.c[key] == values[key]).values(**values))
        return revision

    def exists(self, kind: type[Entry], key: str) -> bool:
        table, column = _KEYS[kind]
        return self.session.execute(select(table.c[column]).where(table.c[column] == key)).first() is not None

    def treatments(self, slug: str | None = None) -> list[tuple[Treatment, int]]:
        query = select(orm.treatment).order_by(orm.treatment.c.slug)
        if slug is not None:
            query = query.where(orm.treatment.c.slug == slug)
        return [(_treatment(row), row.revision) for row in self.session.execute(query)]

    def resources(self) -> list[tuple[Resource, int]]:
        rows = self.session.execute(select(orm.resource).order_by(orm.resource.c.kind, orm.resource.c.code))
        return [(Resource(**_fields(row)), row.revision) for row in rows]

    def therapists(self) -> list[tuple[Therapist, int]]:
        rows = self.session.execute(select(orm.therapist).order_by(orm.therapist.c.code))
        return [(_therapist(row), row.revision) for row in rows]

    def therapist(self, code: str) -> Therapist | None:
        row = self.session.execute(select(orm.therapist).where(orm.therapist.c.code == code)).first()
        return _therapist(row) if row else None

    def locations(self) -> list[tuple[Location, int]]:
        rows = self.session.execute(select(orm.location).order_by(orm.location.c.code))
        return [(_location(row), row.revision) for row in rows]

    def questionnaires(self, treatment: str | None = None) -> list[tuple[Questionnaire, int]]:
        query = select(orm.questionnaire).order_by(orm.questionnaire.c.treatment)
        if treatment is not None:
            query = query.where(orm.questionnaire.c.treatment == treatment)
        return [(_questionnaire(row), row.revision) for row in self.session.execute(query)]

    def announce(self, event: Payload, correlation_id: str) -> None:
        orm.outbox.add(self.session, event, correlation_id)


def _fields(row: Any) -> dict[str, Any]:
    return {k: v for k, v in row._mapping.items() if k not in ("revision", "updated_at")}


def _treatment(row: Any) -> Treatment:
    values = _fields(row)
    values["price"] = Price(**values["price"]) if values["price"] else None
    return Treatment(**values)


def _questionnaire(row: Any) -> Questionnaire:
    values = _fields(row)
    values["questions"] = questions_from(values["questions"])
    return Questionnaire(**values)


def _therapist(row: Any) -> Therapist:
    values = _fields(row)
    values["weekly_hours"] = [WeeklyHours(**hours) for hours in values["weekly_hours"]]
    values["breaks"] = [WeeklyHours(**hours) for hours in values["breaks"]]
    values["time_off"] = [TimeOff(**away) for away in values["time_off"]]
    return Therapist(**values)


def _location(row: Any) -> Location:
    values = _fields(row)
    values["opening_hours"] = [WeeklyHours(**hours) for hours in values["opening_hours"]]
    return Location(**values)
