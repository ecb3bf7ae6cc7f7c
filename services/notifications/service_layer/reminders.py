"""Found by the scheduler: reminders and therapists' day schedules are looked up in what notifications
knows of each visit whenever the scheduler asks, never parked in the broker until their time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta

from services.notifications.adapters.repository import AbstractRepository
from services.notifications.domain.messages import Kind, MailSettings, MessageKey
from services.notifications.domain.visit import Visit
from services.notifications.service_layer.owed import Owing
from services.notifications.service_layer.visit_context import day_schedule
from shared.clock import Clock


@dataclass(frozen=True)
class ReminderWindows:
    """How long before a visit its reminders are owed."""

    hours: float  # everyone's reminder
    short_hours: float  # the short one, for clients who asked for it


def owe_reminders(repo: AbstractRepository, windows: ReminderWindows, mail: MailSettings, clock: Clock) -> int:
    """Owe a reminder for every active visit inside its reminder window.

    Only visits confirmed (or moved) before the window opened get one: a booking made for this
    afternoon needs no reminder an hour later. A moved visit has a new version, so a new reminder.
    """
    now, owed = clock.now(), 0
    for kind, window, only_who_asked in (
        (Kind.BOOKING_REMINDER, windows.hours, False),
        (Kind.BOOKING_REMINDER_SHORT, windows.short_hours, True),
    ):
        opens = timedelta(hours=window)
        for visit in repo.active_visits(after=now, until=now + opens):
            if only_who_asked and not visit.short_reminder:
                continue
            if visit.changed_at > visit.start_at - opens:
                continue
            owing = Owing(repo, mail, clock, f"reminder-{visit.booking_id}")
            owed += owing.about_visit(visit, kind, hours_before=int(window))
    return owed


def owe_day_schedules(repo: AbstractRepository, send_from_hour: int, mail: MailSettings, clock: Clock) -> int:
    """Once the local morning hour has come, owe each therapist with visits today their day's list."""
    now, owed = clock.now(), 0
    # Wide enough for today in every time zone, whatever the offset.
    around = repo.active_visits(after=now - timedelta(hours=14, microseconds=1), until=now + timedelta(hours=38))
    days: dict[tuple[str, date], list[Visit]] = {}
    for visit in around:
        local_now = now.astimezone(visit.tz)
        day = visit.start_at.astimezone(visit.tz).date()
        if day == local_now.date() and local_now.time() >= time(send_from_hour):
            days.setdefault((visit.therapist_code, day), []).append(visit)
    for (therapist, day), todays in days.items():
        # The key goes into the Message-ID: dots and dashes only.
        context = day_schedule(repo, todays, f"day-{day.isoformat()}-{therapist}", mail)
        key = MessageKey(context["booking_id"], Kind.THERAPIST_DAY_SCHEDULE, todays[0].therapist_email,
                         int(day.strftime("%Y%m%d")))  # fmt: skip
        owed += Owing(repo, mail, clock, f"day-{day}").message(key, "en", context)
    return owed
