"""Who can give a treatment: the therapists a client may pick on the booking page, and nothing else about them
(no address, no shifts, no time off)."""

from __future__ import annotations

from dataclasses import dataclass

from services.catalog.adapters.repository import AbstractRepository
from services.catalog.domain.errors import UnknownEntry
from services.catalog.domain.model import Treatment


@dataclass(frozen=True)
class TherapistChoice:
    code: str
    name: str
    locations: list[str]  # the open sites they work at


def offered_treatment(repo: AbstractRepository, slug: str) -> Treatment:
    """An active treatment; unknown or withdrawn ones are not found, naming those that are offered."""
    found = [treatment for treatment, _revision in repo.treatments(slug) if treatment.active]
    if not found:
        offered = ", ".join(treatment.slug for treatment, _revision in repo.treatments() if treatment.active)
        raise UnknownEntry(f"no treatment {slug!r} is offered; offered: {offered}")
    return found[0]


def therapists_for(repo: AbstractRepository, slug: str, location: str | None = None) -> list[TherapistChoice]:
    """Active therapists with every skill the treatment needs, by name; with `location`, only those working
    there. Withdrawn sites are left out of their locations: nothing can be booked there."""
    treatment = offered_treatment(repo, slug)
    open_sites = {site.code for site, _revision in repo.locations() if site.active}
    if location is not None and location not in open_sites:
        raise UnknownEntry(f"no location {location!r}; known: {', '.join(sorted(open_sites))}")
    chosen = []
    for therapist, _revision in repo.therapists():
        sites = [code for code in therapist.locations if code in open_sites]
        if therapist.can_give(treatment) and sites and (location is None or location in sites):
            chosen.append(TherapistChoice(therapist.code, therapist.name, sites))
    return sorted(chosen, key=lambda choice: (choice.name, choice.code))
