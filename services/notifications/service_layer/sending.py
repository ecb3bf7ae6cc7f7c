"""Sending what is owed, each message exactly once.

An event creates delivery rows in the same transaction as its inbox record; the unique key on
(booking, kind, recipient, booking version) means a duplicate event cannot owe a second message.
Sending claims a row (queued -> sending) before talking to SMTP, so two workers never send the
same row; a worker that dies mid-send leaves the row `sending`, and the sweep retries it with the
same Message-ID. Reminders and therapists' day schedules are found by the scheduler in the
`appointment` table, never parked in the broker.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from services.notifications.adapters import calendar, rendering
from services.notifications.adapters.mailer import PermanentFailure, TransientFailure
from services.notifications.adapters.repository import Transactions
from services.notifications.domain.messages import (
    Attachment,
    Delivery,
    DeliveryStatus,
    Draft,
    Mail,
    MailSettings,
    Outcome,
    RetryPolicy,
    retry_delay,
    safe_header,
)
from services.notifications.service_layer.visit_context import when
from shared import links
from shared.clock import Clock

Send = Callable[[Mail], None]
Alternatives = Callable[[str, datetime, str], list[datetime]]  # (treatment, after, location) -> free starts
STUCK_AFTER = timedelta(minutes=5)  # default: a `sending` row older than this lost its worker
BOOKING_BATCH = 5  # a booking's messages claimed at once: a confirmation owes two (client, therapist)


@dataclass(frozen=True)
class MailRoom:
    """Everything sending needs besides the database."""

    send: Send
    mail: MailSettings
    retry: RetryPolicy
    clock: Clock
    alternatives: Alternatives | None = None  # where a rejection finds other free times
    timed: Callable[[float], None] | None = None  # seconds from a booking request to its confirmation's sending
    stuck_after: timedelta = STUCK_AFTER  # a `sending` row older than this lost its worker (sent again)


def send_due(transactions: Transactions, room: MailRoom, booking_id: str | None = None, limit: int = 50) -> int:
    """Send every message that is due (optionally only one booking's); returns how many went out.

    One booking's few messages are claimed in one transaction, sent back to back and finished in
    one. The sweep claims rows one at a time, just before each is sent: a claim never ages into the
    stuck-row window while it waits behind slow sends in the same batch."""
    sent, tried = 0, set[int]()
    at_once = BOOKING_BATCH if booking_id else 1
    while len(tried) < limit:
        asked = min(at_once, limit - len(tried))
        claimed = claim(transactions, room.clock, booking_id, frozenset(tried), asked, room.stuck_after)
        if not claimed:
            break
        tried.update(delivery.id for delivery in claimed)  # each row once per call
        outcomes = [(delivery, attempt(delivery, room)) for delivery in claimed]
        finish(transactions, outcomes)
        sent += sum(outcome.status is DeliveryStatus.SENT for _, outcome in outcomes)
        if len(claimed) < asked:  # nothing more was due
            break
    return sent


def claim(
    transactions: Transactions,
    clock: Clock,
    booking_id: str | None,
    skip: frozenset[int],
    limit: int = 1,
    stuck_after: timedelta = STUCK_AFTER,
) -> list[Delivery]:
    """Up to `limit` due deliveries, now `sending` and ours alone; [] when nothing is due."""
    now = clock.now()
    with transactions() as repo:
        return repo.claim_due(now, now - stuck_after, booking_id, skip, limit)


def finish(transactions: Transactions, outcomes: list[tuple[Delivery, Outcome]]) -> None:
    with transactions() as repo:
        for claimed, outcome in outcomes:
            repo.finish(claimed, outcome)


def attempt(claimed: Delivery, room: MailRoom) -> Outcome:
    """Send one claimed delivery and say how it went."""
    try:
        room.send(compose(claimed.draft, room.mail, room.alternatives))
    except TransientFailure as error:
        if claimed.attempts >= room.retry.max_attempts:
            return Outcome(DeliveryStatus.FAILED, last_error=str(error)[:1000])
        later = room.clock.now() + timedelta(seconds=retry_delay(claimed.attempts, room.retry.base_seconds))
        return Outcome(DeliveryStatus.QUEUED, last_error=str(error)[:1000], next_attempt_at=later)
    except PermanentFailure as error:  # the server's answer, word for word
        return Outcome(DeliveryStatus.FAILED, last_error=str(error)[:1000])
    except Exception as error:  # cannot be rendered or sent at all: it fails alone, the sweep goes on
        return Outcome(DeliveryStatus.FAILED, last_error=f"not sent: {error}"[:1000])
    sent_at = room.clock.now()
    requested = claimed.draft.context.get("requested_at")
    if room.timed is not None and requested and claimed.attempts == 1:
        with suppress(Exception):  # a metric must never make a sent message look unsent
            room.timed((sent_at - datetime.fromisoformat(requested)).total_seconds())
    return Outcome(DeliveryStatus.SENT, sent_at=sent_at)


def manage_link(mail: MailSettings, booking_id: str, signed: bool = True) -> str:
    """The client's self-service link: the page, then the booking and its signed token after `#` (a fragment
    never reaches a server, so never an access log). Empty without the page or the secret. Unsigned, for a
    preview, it shows where the token goes without one that works."""
    if not (mail.manage_url and mail.link_secret):
        return ""
    fragment = links.fragment(booking_id, mail.link_secret) if signed else f"booking={booking_id}&token=PREVIEW"
    return f"{mail.manage_url}#{fragment}"


def compose(
    draft: Draft, mail: MailSettings, alternatives: Alternatives | None = None, signed_link: bool = True
) -> Mail:
    """The message a delivery stands for, rendered now in the recipient's language.

    A client's link is signed here, at sending, so no token is ever stored with the delivery."""
    safe_header(draft.recipient)  # before anything, the calendar entry included, puts it in a header
    context = dict(draft.context)
    if draft.kind.carries_manage_link:
        context["manage_link"] = manage_link(mail, str(context["booking_id"]), signed_link)
    wanted = context.pop("alternatives_for", None)
    if draft.kind.offers_free_times:
        context["alternatives"] = free_alternatives(wanted, alternatives, draft.locale) if wanted else []
    subject, text, html = rendering.render(draft.kind, context, draft.locale)
    attachments: tuple[Attachment, ...] = ()
    if "calendar" in context:
        attachments = (calendar.visit_ics(context["calendar"], mail.sender, mail.clinic_name),)
    return Mail(
        to=draft.recipient,
        subject=subject,
        text=text,
        html=html,
        message_id=draft.message_id,
        correlation_id=draft.correlation_id,
        attachments=attachments,
    )


def free_alternatives(wanted: dict[str, str], find: Alternatives | None, locale: str) -> list[dict[str, str]]:
    """Up to three free times near a refused one, asked of the booking service; none if it cannot say."""
    if find is None:
        return []
    tz = ZoneInfo(wanted["timezone"])
    try:
        starts = find(wanted["treatment"], datetime.fromisoformat(wanted["start"]), wanted["location"])
    except Exception:
        return []
    return [{"date": when(s, tz, locale)["date"], "time": when(s, tz, locale)["time"]} for s in starts[:3]]
