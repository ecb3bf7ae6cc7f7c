"""Catalog use cases: each change is saved and announced in one transaction."""

from __future__ import annotations

from dataclasses import asdict, replace

from sqlalchemy.orm import Session

from services.catalog.adapters import repository
from services.catalog.adapters.orm import outbox
from services.catalog.domain import seed
from services.catalog.domain.model import CatalogError, Location, Resource, Therapist, TimeOff, Treatment
from shared.db import SessionFactory, transaction
from shared.events import Envelope, LocationPublished, ResourcePublished, TherapistPublished, TreatmentPublished

Entry = Treatment | Resource | Therapist | Location


def _announce(session: Session, entry: Entry, revision: int, correlation_id: str) -> None:
    values = asdict(entry)
    if isinstance(entry, Treatment):
        values.pop("details")
        outbox.add(session, TreatmentPublished(revision=revision, **values), correlation_id)
    elif isinstance(entry, Resource):
        outbox.add(session, ResourcePublished(revision=revision, **values), correlation_id)
    elif isinstance(entry, Location):
        outbox.add(session, LocationPublished(revision=revision, **values), correlation_id)
    else:
        outbox.add(session, TherapistPublished(revision=revision, **values), correlation_id)


def save_entry(session: Session, entry: Entry, correlation_id: str) -> int:
    """Validate, store and announce a treatment, resource or therapist; returns its revision."""
    entry.validate()
    revision = repository.save(session, entry)
    _announce(session, entry, revision, correlation_id)
    return revision


def republish_everything(session: Session, correlation_id: str) -> int:
    """Announce every entry as it is now, so a consumer can rebuild its copy from scratch."""
    entries: list[tuple[Entry, int]] = [
        *repository.locations(session),
        *repository.treatments(session),
        *repository.resources(session),
        *repository.therapists(session),
    ]
    for entry, revision in entries:
        _announce(session, entry, revision, correlation_id)
    return len(entries)


def on_resync_requested(session: Session, event: Envelope) -> None:
    republish_everything(session, event.correlation_id)


def load_seed(factory: SessionFactory, correlation_id: str = "seed") -> int:
    """Add the starting catalog; entries staff already have are left as they are."""
    added = 0
    with transaction(factory) as session:
        for entry in [*seed.LOCATIONS, *seed.TREATMENTS, *seed.RESOURCES, *seed.THERAPISTS]:
            key = entry.slug if isinstance(entry, Treatment) else entry.code
            if not repository.exists(session, type(entry), key):
                save_entry(session, entry, correlation_id)
                added += 1
    return added


def add_time_off(session: Session, code: str, away: TimeOff, correlation_id: str) -> tuple[Therapist, int]:
    """Record a therapist's absence; the booking service drops the affected slots when it hears of it."""
    therapist = repository.therapist(session, code)
    if therapist is None:
        raise CatalogError(f"no therapist {code!r}")
    changed = replace(therapist, time_off=[*therapist.time_off, away])
    return changed, save_entry(session, changed, correlation_id)
