"""What the clinical review owes: a booking held while a therapist looks at the client's intake answers, and
one declined after that look (or for want of it). The answers themselves never reach notifications: events
do not carry them, and the messages send staff to the front desk to read them."""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from zoneinfo import ZoneInfo

from services.notifications.adapters.repository import AbstractRepository
from services.notifications.domain.messages import Kind, MailSettings, MessageKey
from services.notifications.domain.visit import CANCELLED, IN_REVIEW
from services.notifications.service_layer.owed import (
    Owing,
    alternatives_for,
    in_therapists_calendar,
    keep_newest,
    visit_of,
)
from services.notifications.service_layer.visit_context import treatment_name, treatment_texts, when
from shared.clock import Clock
from shared.events import BookingDeclined, BookingHeldForReview, Envelope


def on_booking_held_for_review(repo: AbstractRepository, event: Envelope, mail: MailSettings, clock: Clock) -> None:
    held = event.open(BookingHeldForReview)
    visit = replace(visit_of(held, event.occurred_at), status=IN_REVIEW)
    if not keep_newest(repo, visit):
        return
    owing = Owing(repo, mail, clock, event.correlation_id)
    owing.about_visit(visit, Kind.REVIEW_PENDING, again=held.again)
    owing.about_visit(visit, Kind.REVIEW_WAITING, again=held.again, staff_copy=False)
    if mail.review_email:
        owing.about_visit(visit, Kind.REVIEW_WAITING, to=mail.review_email, again=held.again, staff_copy=True)


def on_booking_declined(repo: AbstractRepository, event: Envelope, mail: MailSettings, clock: Clock) -> None:
    declined = event.open(BookingDeclined)
    repo.remember_cancellation(declined.booking_id, declined.booking_version)  # a late hold is then ignored
    before = repo.visit(declined.booking_id)
    if before is not None and before.version >= declined.booking_version:
        return  # an older event
    owing = Owing(repo, mail, clock, event.correlation_id)
    if before is not None:
        visit = replace(before, status=CANCELLED, version=declined.booking_version, changed_at=clock.now())
        repo.save_visit(visit)
        if in_therapists_calendar(repo, before):
            owing.about_visit(visit, Kind.THERAPIST_RELEASED, reassigned=False)
    # The event says all the client's email needs, so it goes out even if the hold was never heard of.
    key = MessageKey(declined.booking_id, Kind.BOOKING_DECLINED, declined.client.email, declined.booking_version)
    owing.message(key, declined.client.locale, declined_context(repo, declined, mail))


def declined_context(repo: AbstractRepository, declined: BookingDeclined, mail: MailSettings) -> dict[str, Any]:
    """The decline as its client reads it; the alternative treatment's free times are found when it is sent."""
    locale = declined.client.locale
    texts = treatment_texts(repo, declined.treatment, locale)
    # An alternative notifications has no copy of cannot be named: the email then says to contact the clinic.
    alternative = treatment_name(repo, declined.alternative, locale) if declined.alternative else None
    context: dict[str, Any] = {
        "clinic_name": mail.clinic_name,
        "booking_id": declined.booking_id,
        "treatment_name": texts.get("treatment_name", declined.treatment_name),
        "client_name": declined.client.name,
        "reason": declined.reason,
        "automatic": declined.automatic,
        "when": when(declined.start, ZoneInfo(declined.timezone), locale),
        "booking_url": mail.booking_url,
        "alternative_name": alternative or "",
    }
    if declined.alternative and alternative:
        context["alternatives_for"] = alternatives_for(declined.alternative, declined)
    return context
