"""Holding what a booking needs: free rooms and kits, a free qualified therapist. The claim rows'
primary key, not these checks, is what makes a double booking impossible: a claim another booking got
first is refused, and the next candidate is tried."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from services.booking.adapters.repository import AbstractRepository
from services.booking.domain.allocation import free_resources, free_therapists
from services.booking.domain.calendar import CELL_MINUTES, BookingRules, Claims, cell_of, claim_cells
from services.booking.domain.catalog import KIND_NAMES, THERAPIST, TreatmentSpec, resource_kind
from services.booking.domain.exceptions import SlotUnavailable
from services.booking.domain.model import Booking
from shared.events import ClientContact


@dataclass(frozen=True)
class Placement:
    """A booking being placed: its treatment at `start` under a location's rules. `own` are the claims
    it holds already (a reschedule may overlap its old slot)."""

    booking: Booking
    treatment: TreatmentSpec
    start: datetime
    rules: BookingRules
    own: Claims = field(default_factory=set)


def _taken_around(repository: AbstractRepository, placement: Placement) -> Claims:
    """Claims near the slot, less the booking's own."""
    treatment, start = placement.treatment, placement.start
    longest = treatment.duration_minutes + max([0, *treatment.buffer_minutes.values()])
    taken = repository.taken_cells(cell_of(start) - 1, cell_of(start) + longest // CELL_MINUTES + 1)
    return taken - placement.own


def _claim(repository: AbstractRepository, placement: Placement, kind: str, code: str) -> bool:
    """Claim the cells the booking does not hold yet; refused if another booking holds any."""
    span = claim_cells(placement.treatment, kind, placement.start)
    cells = [c for c in span if (kind, code, c) not in placement.own]
    return repository.try_claim(placement.booking.id, kind, code, cells)


def hold_resources(
    repository: AbstractRepository, placement: Placement, prefer: dict[str, str]
) -> dict[str, str] | str:
    """Hold as many free resources of each kind as the treatment needs (preferring those in `prefer`),
    or say what is missing. The n-th unit of a kind is held under `kind#n` (n > 1): a treatment that
    needs two rooms holds `room` and `room#2`."""
    taken = _taken_around(repository, placement)
    resources = repository.resources()
    held: dict[str, str] = {}
    for kind, count in sorted(placement.treatment.required_resources.items()):
        candidates = free_resources(
            placement.treatment, kind, resources, taken, placement.start, placement.rules.location
        )
        preferred = {code for key, code in prefer.items() if resource_kind(key) == kind}
        candidates.sort(key=lambda r, p=preferred: r.code not in p)
        codes: list[str] = []
        for candidate in candidates:
            if len(codes) == count:
                break
            if _claim(repository, placement, kind, candidate.code):
                codes.append(candidate.code)
        if len(codes) < count:
            missing = KIND_NAMES.get(kind, kind) if count == 1 else f"{count} {KIND_NAMES.get(kind, kind)}s"
            return f"no {missing} free" if count > 1 else f"no {missing} is free"
        held.update({kind if n == 1 else f"{kind}#{n}": code for n, code in enumerate(codes, start=1)})
    return held


def hold_therapist(repository: AbstractRepository, placement: Placement, prefer: str | None) -> str | None:
    """Hold a qualified therapist who works then and is free; returns the code, or None."""
    booking, rules, start = placement.booking, placement.rules, placement.start
    taken = _taken_around(repository, placement)
    load = repository.confirmed_per_therapist(*day_bounds(start, rules.tz))
    therapists = repository.therapists()
    candidates = free_therapists(placement.treatment, therapists, taken, start, rules.tz, load, rules.location)
    if booking.requested_therapist:
        candidates = [t for t in candidates if t.code == booking.requested_therapist]
    candidates.sort(key=lambda t: t.code != prefer)
    for candidate in candidates:
        if _claim(repository, placement, THERAPIST, candidate.code):
            return candidate.code
    return None


def held_claims(treatment: TreatmentSpec, start: datetime, resources: dict[str, str], therapist: str) -> Claims:
    """The claims a booking holding these resources and this therapist from `start` has."""
    return {
        (resource_kind(key), code, cell)
        for key, code in [*resources.items(), (THERAPIST, therapist)]
        for cell in claim_cells(treatment, resource_kind(key), start)
    }


def no_therapist_reason(repository: AbstractRepository, booking: Booking, treatment: TreatmentSpec) -> str:
    if booking.requested_therapist:
        names = {t.code: t.name for t in repository.therapists()}
        return f"{names.get(booking.requested_therapist, booking.requested_therapist)} is not free"
    skills = " and ".join(s.replace("_", " ") for s in treatment.required_skills)
    return f"no therapist qualified in {skills} is free"


def day_bounds(moment: datetime, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC start and end of the local day `moment` falls on."""
    day = moment.astimezone(tz).date()
    return (
        datetime.combine(day, time(0), tz).astimezone(UTC),
        datetime.combine(day + timedelta(days=1), time(0), tz).astimezone(UTC),
    )


def when(moment: datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%H:%M on %d %b %Y")


def slot_facts(
    repository: AbstractRepository, booking: Booking, treatment: TreatmentSpec, rules: BookingRules
) -> dict[str, object]:
    """What a confirmation or reschedule announces: everything an email about the visit needs."""
    therapist = next((t for t in repository.therapists() if t.code == booking.therapist), None)
    if therapist is None:  # withdrawn from the catalog since they were held
        raise SlotUnavailable(f"therapist {booking.therapist!r} no longer takes bookings; decline or cancel this one")
    names = {r.code: r.name for r in repository.resources()}
    return {
        "booking_id": booking.id,
        "booking_version": booking.version,
        "treatment": treatment.slug,
        "treatment_name": treatment.name,
        "duration_minutes": treatment.duration_minutes,
        "start": booking.start,
        "end": booking.end,
        "timezone": rules.tz.key,
        "location": booking.location,
        "resources": booking.resources,
        "resource_names": {kind: names.get(code, code) for kind, code in booking.resources.items()},
        "therapist_code": therapist.code,
        "therapist_name": therapist.name,
        "therapist_email": therapist.email,
        "client": ClientContact(**asdict(booking.client)),
        "short_reminder": booking.short_reminder,
        "screened": booking.questionnaire_version is not None,
    }
