"""Notification tables: one row per message we owe someone, what we know of each visit, and our copies of
the catalog's treatment and location texts (named as the booking service names its copies)."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, Integer, String, Table, Text, UniqueConstraint, false

from shared.audit import AuditTrail
from shared.db import UtcDateTime, new_metadata
from shared.outbox import Outbox

metadata = new_metadata()
outbox = Outbox(metadata)
audit = AuditTrail(metadata)  # staff actions (resending a message)

# The unique key is the exactly-once guarantee: a duplicate event cannot create a second message.
delivery = Table(
    "delivery",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("booking_id", String(100), nullable=False, index=True),  # a day schedule's id: day:<date>:<therapist>
    Column("kind", String(40), nullable=False),
    Column("recipient", String(320), nullable=False, index=True),
    Column("booking_version", Integer, nullable=False),
    Column("locale", String(10), nullable=False),
    Column("context", JSON, nullable=False),
    Column("message_id", String(255), nullable=False),
    Column("status", String(16), nullable=False, index=True),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UtcDateTime, nullable=False),
    Column("claimed_at", UtcDateTime, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("correlation_id", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("sent_at", UtcDateTime, nullable=True),
    UniqueConstraint("booking_id", "kind", "recipient", "booking_version"),
)

treatment_copy = Table(
    "treatment_copy",
    metadata,
    Column("slug", String(64), primary_key=True),
    Column("revision", Integer, nullable=False),
    Column("name", String(200), nullable=False),
    Column("duration_minutes", Integer, nullable=False),
    Column("summary", Text, nullable=False),
    Column("what_to_expect", JSON, nullable=False),
    Column("preparation", JSON, nullable=False),
    Column("aftercare", JSON, nullable=False),
    Column("translations", JSON, nullable=False, server_default="{}"),
    Column("active", Boolean, nullable=False),
)

# What notifications knows of each booking, from booking events: enough for reminders, day schedules,
# reschedule and cancellation emails without asking the booking service.
appointment = Table(
    "appointment",
    metadata,
    Column("booking_id", String(36), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("status", String(16), nullable=False, index=True),  # active | in_review | cancelled
    Column("treatment", String(64), nullable=False),
    Column("treatment_name", String(200), nullable=False),
    Column("duration_minutes", Integer, nullable=False),
    Column("start_at", UtcDateTime, nullable=False, index=True),
    Column("end_at", UtcDateTime, nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("location", String(64), nullable=False),
    Column("resource_names", JSON, nullable=False),
    Column("therapist_code", String(64), nullable=False),
    Column("therapist_name", String(200), nullable=False),
    Column("therapist_email", String(320), nullable=False),
    Column("client_name", String(200), nullable=False),
    Column("client_email", String(320), nullable=False),
    Column("client_locale", String(10), nullable=False),
    Column("short_reminder", Boolean, nullable=False),
    Column("changed_at", UtcDateTime, nullable=False),  # when the current version was confirmed
    Column("screened", Boolean, nullable=False, server_default=false()),  # answered an intake questionnaire
)

location_copy = Table(
    "location_copy",
    metadata,
    Column("code", String(64), primary_key=True),
    Column("revision", Integer, nullable=False),
    Column("name", String(200), nullable=False),
    Column("address", Text, nullable=False),
)

# A cancellation that arrives before the confirmation it cancels (events may overtake each other):
# remembered, so the late confirmation is not taken for a live visit.
cancellation = Table(
    "cancellation",
    metadata,
    Column("booking_id", String(36), primary_key=True),
    Column("version", Integer, nullable=False),
)
