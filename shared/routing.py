"""Who hears what: the one table of event types, subscriber task names and queues.

A task name is `<consuming service>.<handler>`; its queue is the consuming service's name. Services
deliver by name with `send_task`, so no service imports another's tasks.
"""

from __future__ import annotations

SUBSCRIBERS: dict[str, tuple[str, ...]] = {
    "catalog.treatment_published": ("booking.on_treatment_published", "notifications.on_treatment_published"),
    "catalog.resource_published": ("booking.on_resource_published",),
    "catalog.therapist_published": ("booking.on_therapist_published",),
    "catalog.location_published": ("booking.on_location_published", "notifications.on_location_published"),
    "catalog.questionnaire_published": ("booking.on_questionnaire_published",),
    "catalog.resync_requested": ("catalog.on_resync_requested",),
    "booking.requested": ("booking.reserve_resources",),
    # The saga's second step runs in the first one's transaction (booking.reserve_resources): kept for the record.
    "booking.resources_reserved": (),
    "booking.confirmed": ("notifications.on_booking_confirmed",),
    "booking.rejected": ("notifications.on_booking_rejected",),
    "booking.rescheduled": ("notifications.on_booking_rescheduled",),
    "booking.cancelled": ("notifications.on_booking_cancelled",),
    "booking.held_for_review": ("notifications.on_booking_held_for_review",),
    "booking.declined": ("notifications.on_booking_declined",),
    "booking.closed": (),  # announced for every state change; nobody needs this one yet
    "booking.answers_changed": (),  # the outcome only; kept for the record
}

# Periodic work the scheduler sends by name: (task, seconds between runs).
SCHEDULE: dict[str, tuple[str, float]] = {
    "catalog-relay": ("catalog.relay_outbox", 2.0),
    "booking-relay": ("booking.relay_outbox", 2.0),
    "notifications-relay": ("notifications.relay_outbox", 2.0),
    "booking-stale-pending": ("booking.resolve_stale_pending", 30.0),
    "booking-review-deadline": ("booking.decline_unreviewed", 60.0),
    "booking-erase-answers": ("booking.erase_answers", 3600.0),
    "notifications-due": ("notifications.send_due", 10.0),
    "notifications-reminders": ("notifications.owe_reminders", 60.0),
    "notifications-day-schedules": ("notifications.owe_day_schedules", 300.0),
    "catalog-second-chance": ("catalog.resend_outbox", 60.0),
    "booking-second-chance": ("booking.resend_outbox", 60.0),
    "notifications-second-chance": ("notifications.resend_outbox", 60.0),
    "catalog-purge": ("catalog.purge_outbox", 3600.0),
    "booking-purge": ("booking.purge_outbox", 3600.0),
    "notifications-purge": ("notifications.purge_outbox", 3600.0),
}

SERVICES = ("catalog", "booking", "notifications")


def queue_for(task_name: str) -> str:
    """Each service consumes one queue named after itself."""
    service = task_name.split(".", 1)[0]
    if service not in SERVICES:
        raise ValueError(f"task {task_name!r} does not belong to a known service")
    return service


def subscribers_of(event_type: str) -> tuple[str, ...]:
    return SUBSCRIBERS.get(event_type, ())
