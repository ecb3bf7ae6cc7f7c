"""Notification tables: one row per message we owe someone, and our copy of treatment texts."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, DateTime, Integer, String, Table, Text, UniqueConstraint

from shared.db import new_metadata
from shared.outbox import Outbox

metadata = new_metadata()
outbox = Outbox(metadata)

# The unique key is the exactly-once guarantee: a duplicate event cannot create a second message.
delivery = Table(
    "delivery",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("booking_id", String(36), nullable=False, index=True),
    Column("kind", String(40), nullable=False),
    Column("recipient", String(320), nullable=False, index=True),
    Column("booking_version", Integer, nullable=False),
    Column("locale", String(10), nullable=False),
    Column("context", JSON, nullable=False),
    Column("message_id", String(255), nullable=False),
    Column("status", String(16), nullable=False, index=True),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", DateTime, nullable=False),
    Column("claimed_at", DateTime, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("correlation_id", String(64), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("sent_at", DateTime, nullable=True),
    UniqueConstraint("booking_id", "kind", "recipient", "booking_version"),
)

treatment_info = Table(
    "treatment_info",
    metadata,
    Column("slug", String(64), primary_key=True),
    Column("revision", Integer, nullable=False),
    Column("name", String(200), nullable=False),
    Column("duration_minutes", Integer, nullable=False),
    Column("summary", Text, nullable=False),
    Column("what_to_expect", JSON, nullable=False),
    Column("preparation", JSON, nullable=False),
    Column("aftercare", JSON, nullable=False),
    Column("active", Boolean, nullable=False),
)
