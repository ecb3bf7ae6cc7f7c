"""Catalog use cases: each change is validated, saved and announced in one transaction."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import asdict, replace

from services.catalog.adapters.repository import AbstractRepository
from services.catalog.domain import seed
from services.catalog.domain.errors import CatalogError, UnknownEntry
from services.catalog.domain.model import Entry, Location, Resource, Therapist, TimeOff, Treatment, key_of
from services.catalog.domain.questionnaire import Questionnaire
from shared.events import (
    Envelope,
    LocationPublished,
    QuestionnairePublished,
    ResourcePublished,
    TherapistPublished,
    TreatmentPublished,
)


def _announce(repo: AbstractRepository, entry: Entry, revision: int, correlation_id: str) -> None:
    values = asdict(entry)
    if isinstance(entry, Treatment):
        values.pop("details")
        repo.announce(TreatmentPublished(revision=revision, **values), correlation_id)
    elif isinstance(entry, Questionnaire):
        repo.announce(QuestionnairePublished(revision=revision, **values), correlation_id)
    elif isinstance(entry, Resource):
        repo.announce(ResourcePublished(revision=revision, **values), correlation_id)
    elif isinstance(entry, Location):
        repo.announce(LocationPublished(revision=revision, **values), correlation_id)
    else:
        repo.announce(TherapistPublished(revision=revision, **values), correlation_id)


def _check_references(repo: AbstractRepository, entry: Entry) -> None:
    """A questionnaire belongs to a treatment in the catalog and may offer another one instead."""
    if not isinstance(entry, Questionnaire):
        return
    if not repo.exists(Treatment, entry.treatment):
        raise UnknownEntry(f"no treatment {entry.treatment!r}")
    if entry.alternative is not None and not repo.exists(Treatment, entry.alternative):
        raise CatalogError(f"the alternative {entry.alternative!r} is not a treatment in the catalog")


def save_entry(repo: AbstractRepository, entry: Entry, correlation_id: str) -> int:
    """Validate, store and announce a treatment, questionnaire, resource, therapist or location; returns its
    revision."""
    _check_references(repo, entry)
    entry.validate()
    revision = repo.save(entry)
    _announce(repo, entry, revision, correlation_id)
    return revision


def republish_everything(repo: AbstractRepository, correlation_id: str) -> int:
    """Announce every entry as it is now, so a consumer can rebuild its copy from scratch."""
    entries: list[tuple[Entry, int]] = [
        *repo.locations(),
        *repo.treatments(),
        *repo.questionnaires(),  # after the treatments they belong to
        *repo.resources(),
        *repo.therapists(),
    ]
    for entry, revision in entries:
        _announce(repo, entry, revision, correlation_id)
    return len(entries)


def on_resync_requested(repo: AbstractRepository, event: Envelope) -> None:
    republish_everything(repo, event.correlation_id)


def load_seed(
    unit_of_work: Callable[[], AbstractContextManager[AbstractRepository]], correlation_id: str = "seed"
) -> int:
    """Add the starting catalog in one transaction; entries staff already have are left as they are."""
    added = 0
    starting: list[Entry] = [*seed.LOCATIONS, *seed.TREATMENTS, *seed.QUESTIONNAIRES, *seed.RESOURCES, *seed.THERAPISTS]
    with unit_of_work() as repo:
        for entry in starting:
            if not repo.exists(type(entry), key_of(entry)):
                save_entry(repo, entry, correlation_id)
                added += 1
    return added


def add_time_off(repo: AbstractRepository, code: str, away: TimeOff, correlation_id: str) -> tuple[Therapist, int]:
    """Record a therapist's absence; the booking service drops the affected slots when it hears of it."""
    therapist = repo.therapist(code)
    if therapist is None:
        raise UnknownEntry(f"no therapist {code!r}")
    changed = replace(therapist, time_off=[*therapist.time_off, away])
    return changed, save_entry(repo, changed, correlation_id)
