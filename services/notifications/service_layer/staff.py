"""What staff ask of notifications: the delivery log, a message sent again, any message previewed."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from services.notifications.adapters.repository import AbstractRepository
from services.notifications.domain.exceptions import AlreadyGoingOut, UnknownBooking, UnknownDelivery
from services.notifications.domain.messages import Delivery, Draft, Kind, Mail, MailSettings, MessageKey
from services.notifications.domain.samples import SAMPLE_ALTERNATIVE, SAMPLE_EXTRAS, SAMPLE_EXTRAS_OF, sample_visit
from services.notifications.service_layer.sending import compose
from services.notifications.service_layer.visit_context import (
    day_schedule,
    message_context,
    reader_of,
    treatment_name,
    when,
)
from shared.clock import Clock

Gauge = tuple[str, list[str], list[tuple[list[str], float]]]  # help, label names, (label values, value) rows
Locations = frozenset[str] | None  # where the caller acts; None: everywhere (admins, the machine)


class NotYourLocation(Exception):
    """The caller acts at other locations than the booking's (the API answers 403)."""


def _require_location(repo: AbstractRepository, booking_id: str, locations: Locations, what: str) -> None:
    """Nothing unless the caller is limited to `locations` and the booking is not at one of them."""
    if locations is None:
        return
    visit = repo.visit(booking_id)
    if visit is None:  # a therapist's day schedule, or a booking notifications never heard of
        raise NotYourLocation(f"not allowed: {what} is not of a booking at your locations")
    if visit.location not in locations:
        raise NotYourLocation(f"not allowed: your account does not act at location {visit.location!r}")


@dataclass(frozen=True)
class PreviewRequest:
    kind: Kind
    locale: str
    timezone: str  # the sample visit's, when no booking is named
    booking_id: str | None = None  # a confirmed booking; None: sample data
    locations: Locations = None  # where the caller acts: a named booking must be at one of them


def deliveries(
    repo: AbstractRepository, booking_id: str | None = None, recipient: str | None = None, locations: Locations = None
) -> list[Delivery]:
    """The log of a booking or a recipient; a caller limited to `locations` sees only their bookings' rows
    (a booking elsewhere: NotYourLocation; one notifications does not know: no rows)."""
    if booking_id and locations is not None and (visit := repo.visit(booking_id)) is not None:
        _require_location(repo, visit.booking_id, locations, f"booking {booking_id!r}")
    return repo.deliveries(booking_id=booking_id, recipient=recipient, locations=locations)


def resend(repo: AbstractRepository, delivery_id: int, clock: Clock, locations: Locations = None) -> Delivery:
    """Send a message again (same Message-ID, so mail programs see it as the same message); a caller
    limited to `locations` only a message about a booking at one of them."""
    found = repo.delivery(delivery_id)
    if found is None:
        raise UnknownDelivery(f"no delivery {delivery_id}")
    _require_location(repo, found.booking_id, locations, f"delivery {delivery_id}")
    if not repo.requeue(delivery_id, clock.now()):
        raise AlreadyGoingOut(f"delivery {delivery_id} is {found.status}: it is going out already")
    requeued = repo.delivery(delivery_id)
    assert requeued is not None
    return requeued


def preview(repo: AbstractRepository, wanted: PreviewRequest, mail: MailSettings, clock: Clock) -> Mail:
    """Render any message kind for a booking notifications knows, or for sample data, without sending it."""
    kind, locale = wanted.kind, wanted.locale
    if wanted.booking_id:
        visit = repo.visit(wanted.booking_id)
        if visit is None:
            raise UnknownBooking(f"notifications knows no confirmed booking {wanted.booking_id!r}")
        _require_location(repo, visit.booking_id, wanted.locations, f"booking {wanted.booking_id!r}")
    else:
        visit = sample_visit(wanted.timezone, clock.now().astimezone(ZoneInfo(wanted.timezone)).date())
    if kind is Kind.THERAPIST_DAY_SCHEDULE:
        context = day_schedule(repo, [visit], f"day-preview-{visit.therapist_code}", mail, locale)
    else:
        context = {
            **message_context(repo, visit, kind, mail, locale),
            **SAMPLE_EXTRAS,
            **SAMPLE_EXTRAS_OF.get(kind, {}),
            "hours_before": 2 if kind is Kind.BOOKING_REMINDER_SHORT else 24,
            "previous_when": when(visit.start_at, visit.tz, locale),
            "alternative_name": treatment_name(repo, SAMPLE_ALTERNATIVE, locale) or "",
        }
    recipient = reader_of(visit, kind)[1]
    key = MessageKey(context["booking_id"], kind, recipient, 0)
    draft = Draft(kind, recipient, locale, context, key.message_id(mail.domain), "preview")
    return compose(draft, mail, signed_link=False)  # a preview shows where the link goes, never a working token


def gauges(repo: AbstractRepository) -> dict[str, Gauge]:
    """Messages by kind and status: a growing `queued` or any `failed` wants a look at the mail server."""
    rows = [([kind, status], float(count)) for kind, status, count in repo.delivery_counts()]
    return {"clinic_deliveries": ("email deliveries by kind and status", ["kind", "status"], rows)}
