"""Booking tables: bookings, their claims on resources, and this service's copy of the catalog."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)
from sqlalchemy import false as sa_false

from shared.audit import AuditTrail
from shared.db import UtcDateTime, new_metadata
from shared.outbox import Outbox

metadata = new_metadata()
outbox = Outbox(metadata)
audit = AuditTrail(metadata)  # staff actions on bookings and reads of health answers

booking = Table(
    "booking",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("treatment", String(64), nullable=False),
    Column("location", String(64), nullable=False, server_default="main"),
    Column("start_at", UtcDateTime, nullable=False),
    Column("end_at", UtcDateTime, nullable=False),
    Column("status", String(16), nullable=False, index=True),
    Column("version", Integer, nullable=False),
    Column("client_name", String(200), nullable=False),
    Column("client_email", String(320), nullable=False),
    Column("client_phone", String(40), nullable=True),
    Column("client_locale", String(10), nullable=False, server_default="en"),
    Column("short_reminder", Boolean, nullable=False, server_default=sa_false()),
    Column("token_hash", String(64), nullable=False),
    Column("resources", JSON, nullable=False),
    Column("therapist", String(64), nullable=True),
    Column("requested_therapist", String(64), nullable=True),
    Column("late_cancellation", Boolean, nullable=True),
    Column("reason", Text, nullable=True),
    Column("screening", String(8), nullable=True),  # the intake answers' outcome, never the answers
    Column("questionnaire_version", Integer, nullable=True),
    Column("correlation_id", String(64), nullable=False),
    # A client's retry with the same Idempotency-Key finds this booking instead of making a second one.
    Column("idempotency_key", String(100), nullable=True, unique=True),
    Column("request_fingerprint", String(64), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Index("ix_booking_start_status", "start_at", "status"),
)

# Tokens handed out again for a booking by Idempotency-Key replays (the first is booking.token_hash):
# each answer's token keeps working, however many twins of the request raced or retried.
booking_token = Table(
    "booking_token",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("booking_id", String(36), ForeignKey("booking.id"), nullable=False, index=True),
    Column("created_at", UtcDateTime, nullable=False),
)

# One row per resource and 5-minute cell it is held for. The primary key is the double-booking
# guarantee: two bookings can never hold the same room, kit or therapist in the same cell.
claim = Table(
    "claim",
    metadata,
    Column("kind", String(32), primary_key=True),
    Column("code", String(64), primary_key=True),
    Column("cell", BigInteger, primary_key=True, autoincrement=False),
    Column("booking_id", String(36), ForeignKey("booking.id"), nullable=False, index=True),
)
Index("ix_claim_cell", claim.c.cell)

# The same claims as runs of consecutive cells per booking and resource (cut every SPAN_CELLS), written in
# the transaction that writes the claim rows: availability reads a few hundred runs, not every cell.
claim_span = Table(
    "claim_span",
    metadata,
    Column("kind", String(32), primary_key=True),
    Column("code", String(64), primary_key=True),
    Column("first_cell", BigInteger, primary_key=True, autoincrement=False),
    Column("last_cell", BigInteger, nullable=False),
    Column("booking_id", String(36), ForeignKey("booking.id"), nullable=False, index=True),
)
# Covering: a window's runs are read from the index alone.
Index("ix_claim_span_window", claim_span.c.first_cell, claim_span.c.last_cell, claim_span.c.kind, claim_span.c.code)

# Health answers: the most sensitive data the platform holds. Only here, one row per booking, readable
# with the booking's token or by staff, deleted a while after the visit or when the client asks.
intake_answers = Table(
    "intake_answers",
    metadata,
    Column("booking_id", String(36), ForeignKey("booking.id"), primary_key=True),
    Column("questionnaire_version", Integer, nullable=False),
    Column("outcome", String(8), nullable=False),
    Column("answers", JSON, nullable=False),
    Column("answered_at", UtcDateTime, nullable=False),
)

treatment_copy = Table(
    "treatment_copy",
    metadata,
    Column("slug", String(64), primary_key=True),
    Column("revision", Integer, nullable=False),
    Column("name", String(200), nullable=False),
    Column("duration_minutes", Integer, nullable=False),
    Column("required_resources", JSON, nullable=False),
    Column("required_skills", JSON, nullable=False),
    Column("buffer_minutes", JSON, nullable=False),
    Column("active", Boolean, nullable=False),
)

resource_copy = Table(
    "resource_copy",
    metadata,
    Column("code", String(64), primary_key=True),
    Column("revision", Integer, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("name", String(200), nullable=False),
    Column("location", String(64), nullable=False),
    Column("active", Boolean, nullable=False),
)

therapist_copy = Table(
    "therapist_copy",
    metadata,
    Column("code", String(64), primary_key=True),
    Column("revision", Integer, nullable=False),
    Column("name", String(200), nullable=False),
    Column("email", String(320), nullable=False),
    Column("skills", JSON, nullable=False),
    Column("weekly_hours", JSON, nullable=False),
    Column("location", String(64), nullable=False),
    Column("breaks", JSON, nullable=False, server_default="[]"),
    Column("time_off", JSON, nullable=False, server_default="[]"),
    Column("active", Boolean, nullable=False),
)

location_copy = Table(
    "location_copy",
    metadata,
    Column("code", String(64), primary_key=True),
    Column("revision", Integer, nullable=False),
    Column("name", String(200), nullable=False),
    Column("timezone", String(64), nullable=True),
    Column("opening_hours", JSON, nullable=False),
    Column("slot_grid_minutes", Integer, nullable=False),
    Column("min_notice_minutes", Integer, nullable=False),
    Column("max_advance_days", Integer, nullable=False),
    Column("active", Boolean, nullable=False),
)

questionnaire_copy = Table(
    "questionnaire_copy",
    metadata,
    Column("treatment", String(64), primary_key=True),
    Column("revision", Integer, nullable=False),
    Column("questions", JSON, nullable=False),
    Column("alternative", String(64), nullable=True),
    Column("active", Boolean, nullable=False),
)
