"""The clinic's side of the story: booking events as the booking service emits them, the notifications
service handling them exactly as its worker does (inbox, handlers, sweep), and the letters that reach a
real SMTP server, read back the way a mail program would.

Times are fixed and told in Berlin time: Tuesday 1 December 2026, 14:00 is 13:00 UTC (CET, UTC+1), so a
message that showed UTC would say 1:00 PM and be caught.
"""

from __future__ import annotations

import email.parser
import email.policy
import html
import re
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any
from zoneinfo import ZoneInfo

from aiosmtpd.controller import Controller
from icalendar import Calendar
from sqlalchemy import update
from sqlalchemy.orm import Session

from services.catalog.domain import seed
from services.catalog.domain.model import Therapist
from services.notifications.adapters import mailer
from services.notifications.adapters.orm import delivery, outbox
from services.notifications.adapters.repository import SqlRepository
from services.notifications.domain.messages import Delivery, Kind, Mail, MailSettings, RetryPolicy
from services.notifications.service_layer import catalog_copy, owed, reminders, review, sending
from services.notifications.service_layer.reminders import ReminderWindows
from services.notifications.service_layer.sending import MailRoom
from shared.clock import system_clock
from shared.db import SessionFactory, transaction, transactions
from shared.events import (
    BookingCancelled,
    BookingConfirmed,
    BookingDeclined,
    BookingHeldForReview,
    BookingRejected,
    BookingRescheduled,
    ClientContact,
    Envelope,
    LocationPublished,
    Payload,
    TreatmentPublished,
)
from tests.support import servers
from tests.support.clock import FixedClock

BERLIN = ZoneInfo("Europe/Berlin")
CUPPING = seed.BACK_LEG_CUPPING
BACK_NECK = seed.BACK_NECK  # needs no cupping: what a declined cupping visit offers instead
MAIN = seed.LOCATIONS[0]  # "Clinic Mitte", Example Street 1, Berlin
ANNA, BEN = seed.THERAPISTS[0], seed.THERAPISTS[1]
ROOMS = {r.code: r.name for r in seed.RESOURCES}

MAIL_FROM = "Clinic bookings <bookings@clinic.example>"
SETTINGS = MailSettings(domain="clinic.example", sender="bookings@clinic.example", clinic_name="The Clinic")
REMINDERS, DAY_SCHEDULE_HOUR = ReminderWindows(hours=24.0, short_hours=2.0), 7

# Tuesday 1 December 2026, 14:00 in Berlin: the visit most stories are about.
TUESDAY_2PM = datetime(2026, 12, 1, 14, 0, tzinfo=BERLIN)


def berlin(day: int, hour: int, minute: int = 0, month: int = 12, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BERLIN)


@dataclass(frozen=True)
class Client:
    name: str
    email: str
    locale: str = "en"

    def contact(self) -> ClientContact:
        return ClientContact(name=self.name, email=self.email, phone="+49 30 1234567", locale=self.locale)


MARIA = Client("Maria Schmidt", "maria.schmidt@example.com")
JONAS = Client("Jonas Weber", "jonas.weber@example.com")
LENA = Client("Lena Fischer", "lena.fischer@example.de", locale="de")


def a_client(name: str = "Maria Schmidt", locale: str = "en") -> Client:
    first = name.split()[0].lower()
    return Client(name, f"{first}.{uuid.uuid4().hex[:8]}@example.com", locale)


# ---- events, as the booking service emits them ----------------------------------------------------


def confirmed(  # many keywords, each with the usual value: a test names only what its story is about
    start: datetime = TUESDAY_2PM,
    *,
    client: Client = MARIA,
    therapist: Therapist = ANNA,
    booking_id: str | None = None,
    version: int = 2,
    short_reminder: bool = False,
    screened: bool = False,
    treatment_name: str = CUPPING.name,
    room: str = "room-1",
    kit: str = "kit-a",
) -> BookingConfirmed:
    """booking.confirmed for a Back & Leg + Cupping visit (version 2: requested, then confirmed)."""
    return BookingConfirmed(
        booking_id=booking_id or str(uuid.uuid4()),
        booking_version=version,
        treatment=CUPPING.slug,
        treatment_name=treatment_name,
        duration_minutes=CUPPING.duration_minutes,
        start=start,
        end=start + timedelta(minutes=CUPPING.duration_minutes),
        timezone="Europe/Berlin",
        location=MAIN.code,
        resources={"room": room, "cupping_kit": kit},
        resource_names={"room": ROOMS[room], "cupping_kit": ROOMS[kit]},
        therapist_code=therapist.code,
        therapist_name=therapist.name,
        therapist_email=therapist.email,
        client=client.contact(),
        short_reminder=short_reminder,
        screened=screened,
    )


def rescheduled(
    booking: BookingConfirmed, new_start: datetime, therapist: Therapist | None = None
) -> BookingRescheduled:
    """booking.rescheduled: the same booking one version later, at a new time."""
    facts = booking.model_dump()
    facts.update(
        booking_version=booking.booking_version + 1,
        start=new_start,
        end=new_start + timedelta(minutes=booking.duration_minutes),
        previous_start=booking.start,
    )
    if therapist is not None:
        facts.update(therapist_code=therapist.code, therapist_name=therapist.name, therapist_email=therapist.email)
    return BookingRescheduled.model_validate(facts)


def cancelled(booking: BookingConfirmed, *, by_clinic: bool = False, late: bool = False) -> BookingCancelled:
    return BookingCancelled(
        booking_id=booking.booking_id,
        booking_version=booking.booking_version + 1,
        treatment=booking.treatment,
        treatment_name=booking.treatment_name,
        start=booking.start,
        timezone=booking.timezone,
        by_clinic=by_clinic,
        late=late,
        therapist_code=booking.therapist_code,
        client=booking.client,
    )


def rejected(start: datetime = TUESDAY_2PM, *, client: Client = MARIA) -> BookingRejected:
    return BookingRejected(
        booking_id=str(uuid.uuid4()),
        booking_version=2,
        treatment=CUPPING.slug,
        treatment_name=CUPPING.name,
        start=start,
        timezone="Europe/Berlin",
        reason="no cupping kit is free at that time",
        client=client.contact(),
        location=MAIN.code,
    )


def held_for_review(
    start: datetime = TUESDAY_2PM, *, client: Client = MARIA, therapist: Therapist = ANNA, version: int = 2
) -> BookingHeldForReview:
    """booking.held_for_review: the intake answers need a therapist's look (version 2: requested, then held)."""
    facts = confirmed(start, client=client, therapist=therapist, version=version, screened=True).model_dump()
    return BookingHeldForReview.model_validate(facts)


def held_again(booking: BookingConfirmed) -> BookingHeldForReview:
    """A confirmed booking whose client updated the answers into "review": held again, one version later."""
    facts = booking.model_dump()
    facts.update(booking_version=booking.booking_version + 1, screened=True, again=True)
    return BookingHeldForReview.model_validate(facts)


def approved(held: BookingHeldForReview) -> BookingConfirmed:
    """booking.confirmed once a therapist approved the answers, one version later."""
    facts = held.model_dump(exclude={"again"})
    facts.update(booking_version=held.booking_version + 1, after_review=True)
    return BookingConfirmed.model_validate(facts)


def declined(
    held: BookingConfirmed,
    *,
    reason: str = "we would rather see you for a treatment without cupping",
    automatic: bool = False,
    alternative: str | None = BACK_NECK.slug,
) -> BookingDeclined:
    """booking.declined by staff after review (or `automatic`: not reviewed in time), one version later."""
    return BookingDeclined(
        booking_id=held.booking_id,
        booking_version=held.booking_version + 1,
        treatment=held.treatment,
        treatment_name=held.treatment_name,
        start=held.start,
        timezone=held.timezone,
        location=held.location,
        reason=reason,
        automatic=automatic,
        alternative=alternative,
        therapist_code=held.therapist_code,
        client=held.client,
    )


def envelope(payload: Payload, occurred_at: datetime | None = None, correlation_id: str = "") -> Envelope:
    """The event as it travels; `occurred_at` says when the booking service emitted it."""
    wrapped = Envelope.wrap(payload, correlation_id or f"corr-{uuid.uuid4().hex[:12]}")
    return wrapped if occurred_at is None else wrapped.model_copy(update={"occurred_at": occurred_at})


# The worker's task names are the inbox's consumer names.
CONSUMERS: dict[type[Payload], tuple[str, owed.OwedOnEvent]] = {
    BookingConfirmed: ("notifications.on_booking_confirmed", owed.on_booking_confirmed),
    BookingRescheduled: ("notifications.on_booking_rescheduled", owed.on_booking_rescheduled),
    BookingCancelled: ("notifications.on_booking_cancelled", owed.on_booking_cancelled),
    BookingRejected: ("notifications.on_booking_rejected", owed.on_booking_rejected),
    BookingHeldForReview: ("notifications.on_booking_held_for_review", review.on_booking_held_for_review),
    BookingDeclined: ("notifications.on_booking_declined", review.on_booking_declined),
}
EVENT_CLASSES: dict[str, type[Payload]] = {cls.TYPE: cls for cls in CONSUMERS}


def publish_catalog(factory: SessionFactory) -> None:
    """What catalog's events put in notifications' database: the treatments' texts and the clinic site."""
    with transaction(factory) as session:
        repo = SqlRepository(session)
        for treatment in (CUPPING, BACK_NECK):
            texts = {k: v for k, v in asdict(treatment).items() if k != "details"}
            catalog_copy.on_treatment_published(repo, Envelope.wrap(TreatmentPublished(revision=1, **texts), "seed"))
        catalog_copy.on_location_published(repo, Envelope.wrap(LocationPublished(revision=1, **asdict(MAIN)), "seed"))


# ---- the mail server ---------------------------------------------------------------------------------


class MailServer(servers.SmtpSink):
    """The SMTP sink, able to go down and come back at the same address, as a real server would."""

    def start(self) -> MailServer:
        if not self.port:
            self.port = servers.free_port()
        self._controller = Controller(servers._SinkHandler(self), hostname=self.host, port=self.port)
        self._controller.start()
        return self

    def config(self) -> mailer.SmtpConfig:
        return mailer.SmtpConfig(host=self.host, port=self.port, mail_from=MAIL_FROM, timeout=10)

    def letters(self) -> list[Letter]:
        return [Letter.read(mail) for mail in self.received()]

    def letters_to(self, address: str) -> list[Letter]:
        return [letter for letter in self.letters() if address in letter.envelope_recipients]


# ---- letters, read back ----------------------------------------------------------------------------


def readable(text: str) -> str:
    """Whitespace as a reader sees it: Babel's narrow no-break spaces and line breaks become one space."""
    return " ".join(text.split())


@dataclass(frozen=True)
class Letter:
    """One message as the SMTP server received it, parsed again from its raw bytes."""

    envelope_recipients: list[str]
    envelope_sender: str
    raw: bytes
    message: EmailMessage = field(repr=False)

    @classmethod
    def read(cls, mail: servers.ReceivedMail) -> Letter:
        message = email.parser.BytesParser(policy=email.policy.default).parsebytes(mail.raw)
        assert isinstance(message, EmailMessage)
        return cls(list(mail.rcpt_tos), mail.mail_from, mail.raw, message)

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])

    def alternative(self) -> EmailMessage:
        """The one multipart/alternative part: plain text first, then HTML."""
        [part] = [p for p in self.message.walk() if p.get_content_type() == "multipart/alternative"]
        assert isinstance(part, EmailMessage)
        assert [p.get_content_type() for p in part.iter_parts()] == ["text/plain", "text/html"]
        return part

    @property
    def text(self) -> str:
        plain, _ = self.alternative().iter_parts()
        return str(plain.get_content()).replace("\r\n", "\n")

    @property
    def html(self) -> str:
        _, markup = self.alternative().iter_parts()
        return str(markup.get_content())

    @property
    def plain_words(self) -> str:
        return readable(self.text)

    @property
    def html_words(self) -> str:
        """What a reader sees of the HTML part: tags removed, entities decoded."""
        return readable(html.unescape(re.sub(r"<[^>]+>", " ", self.html)))

    def says(self, *facts: str) -> bool:
        """Every fact appears in the plain text and in the HTML part alike."""
        missing = [f for f in facts if readable(f) not in self.plain_words or readable(f) not in self.html_words]
        assert not missing, f"missing {missing!r} in:\n{self.plain_words}\n---\n{self.html_words}"
        return True

    def calendar_parts(self) -> list[EmailMessage]:
        return [p for p in self.message.iter_attachments() if p.get_content_type() == "text/calendar"]

    def calendar(self) -> Calendar:
        [part] = self.calendar_parts()
        data = part.get_content()
        return Calendar.from_ical(data if isinstance(data, bytes) else data.encode())


# ---- notifications, run as its worker runs it --------------------------------------------------------


@dataclass
class StoryClock:
    """The system's time, or the latest moment the story has reached if that is later: a reminder owed
    "at" tomorrow morning is due to the sweeps that follow it."""

    reached: datetime | None = None

    def now(self) -> datetime:
        real = system_clock.now()
        return real if self.reached is None else max(real, self.reached)

    def reach(self, moment: datetime) -> None:
        self.reached = moment if self.reached is None else max(self.reached, moment)


@dataclass
class Clinic:
    """Notifications' database and the mail server, with the worker's steps one call each."""

    factory: SessionFactory
    mail: MailServer
    settings: MailSettings = SETTINGS
    clock: StoryClock = field(default_factory=StoryClock)
    free_starts: list[datetime] = field(default_factory=list)  # what the booking service would offer
    asked_for_alternatives: list[tuple[str, datetime, str]] = field(default_factory=list)

    def send(self, mail: Mail) -> None:
        mailer.send(self.mail.config(), mail)

    def alternatives(self, treatment: str, after: datetime, location: str) -> list[datetime]:
        self.asked_for_alternatives.append((treatment, after, location))
        return list(self.free_starts)

    def hear(self, event: Payload | Envelope, occurred_at: datetime | None = None) -> Envelope:
        """An event arrives from the broker and is handled once, in one transaction with the inbox."""
        wrapped = event if isinstance(event, Envelope) else envelope(event, occurred_at)
        self.consume(wrapped)
        return wrapped

    def consume(self, wrapped: Envelope) -> bool:
        """consume_once as the worker runs it; False when this event id was handled before."""
        consumer, handle = CONSUMERS[EVENT_CLASSES[wrapped.type]]

        def consume(session: Session, event: Envelope) -> None:
            handle(SqlRepository(session), event, self.settings, self.clock)

        return outbox.consume_once(self.factory, consumer, wrapped, consume)

    def sweep(self, send: Callable[[Mail], None] | None = None, max_attempts: int = 5, **options: Any) -> int:
        """The scheduler's send_due: every due message, tiny retry delays so a retry is due at once."""
        retry = RetryPolicy(base_seconds=0.001, max_attempts=max_attempts)
        room = MailRoom(send or self.send, self.settings, retry, self.clock, self.alternatives)
        return sending.send_due(transactions(self.factory, SqlRepository), room, **options)

    def sweep_until_settled(self, max_attempts: int = 5) -> None:
        """Sweep until nothing is queued or sending (a retry may be due a millisecond from now)."""

        def settled() -> bool:
            self.sweep(max_attempts=max_attempts)
            return all(row.status in ("sent", "failed") for row in self.deliveries())

        servers.wait_until(settled, timeout=20, interval=0.01, message="deliveries did not settle")

    def owe_reminders(self, now: datetime) -> int:
        """The scheduler asks at `now`; the sweeps after it run no earlier."""
        self.clock.reach(now)
        with transaction(self.factory) as session:
            return reminders.owe_reminders(SqlRepository(session), REMINDERS, self.settings, FixedClock(now))

    def owe_day_schedules(self, now: datetime) -> int:
        self.clock.reach(now)
        with transaction(self.factory) as session:
            return reminders.owe_day_schedules(
                SqlRepository(session), DAY_SCHEDULE_HOUR, self.settings, FixedClock(now)
            )

    def deliveries(self, booking_id: str | None = None, recipient: str | None = None) -> list[Delivery]:
        with transaction(self.factory) as session:
            return SqlRepository(session).deliveries(booking_id=booking_id, recipient=recipient)

    def the_delivery(self, kind: Kind, recipient: str, booking_id: str | None = None) -> Delivery:
        rows = [r for r in self.deliveries(booking_id, recipient) if r.kind == kind.value]
        assert len(rows) == 1, f"expected one {kind.value} to {recipient}, found {rows}"
        return rows[0]

    def letter(self, kind: Kind, recipient: str, booking_id: str | None = None) -> Letter:
        """The one letter at the mail server that a sent delivery stands for (found by its Message-ID)."""
        row = self.the_delivery(kind, recipient, booking_id)
        assert row.status == "sent", f"{kind.value} to {recipient} is {row.status}: {row.last_error}"
        found = [letter for letter in self.mail.letters() if letter.message_id == row.message_id]
        assert len(found) == 1, f"{len(found)} letters carry {row.message_id}"
        return found[0]

    def kinds_owed(self, booking_id: str | None = None) -> list[tuple[str, str, int]]:
        return sorted((row.kind, row.recipient, row.booking_version) for row in self.deliveries(booking_id))

    def change(self, delivery_id: int, **values: Any) -> None:
        """Staff-free time travel: set a delivery's columns (claimed_at, context...) as a past run left them."""
        with transaction(self.factory) as session:
            session.execute(update(delivery).where(delivery.c.id == delivery_id).values(**values))
