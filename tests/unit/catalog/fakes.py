"""An in-memory catalog repository: the use cases run on it without a database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from services.catalog.adapters.repository import AbstractRepository
from services.catalog.domain.model import Entry, Location, Resource, Therapist, Treatment, key_of
from services.catalog.domain.questionnaire import Questionnaire
from shared.events import Payload


class FakeRepository(AbstractRepository):
    def __init__(self) -> None:
        self.entries: dict[tuple[type, str], tuple[Any, int]] = {}
        self.announced: list[Payload] = []
        self.commits = 0

    def save(self, entry: Entry) -> int:
        _, revision = self.entries.get((type(entry), key_of(entry)), (None, 0))
        self.entries[(type(entry), key_of(entry))] = (entry, revision + 1)
        return revision + 1

    def exists(self, kind: type[Entry], key: str) -> bool:
        return (kind, key) in self.entries

    def _all(self, kind: type) -> list[tuple[Any, int]]:
        return sorted((v for (k, _), v in self.entries.items() if k is kind), key=lambda pair: key_of(pair[0]))

    def treatments(self, slug: str | None = None) -> list[tuple[Treatment, int]]:
        return [(t, r) for t, r in self._all(Treatment) if slug is None or t.slug == slug]

    def resources(self) -> list[tuple[Resource, int]]:
        return self._all(Resource)

    def therapists(self) -> list[tuple[Therapist, int]]:
        return self._all(Therapist)

    def locations(self) -> list[tuple[Location, int]]:
        return self._all(Location)

    def questionnaires(self, treatment: str | None = None) -> list[tuple[Questionnaire, int]]:
        return [(q, r) for q, r in self._all(Questionnaire) if treatment is None or q.treatment == treatment]

    def announce(self, event: Payload, correlation_id: str) -> None:
        self.announced.append(event)

    @contextmanager
    def unit_of_work(self) -> Iterator[FakeRepository]:
        yield self
        self.commits += 1
