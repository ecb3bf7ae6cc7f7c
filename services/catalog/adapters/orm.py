"""Catalog tables: this service's database only."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, Integer, String, Table, Text

from shared.audit import AuditTrail
from shared.clock import system_clock
from shared.db import UtcDateTime, new_metadata
from shared.outbox import Outbox

metadata = new_metadata()
outbox = Outbox(metadata)
audit = AuditTrail(metadata)  # staff changes to the catalog and to accounts

treatment = Table(
    "treatment",
    metadata,
    Column("slug", String(64), primary_key=True),
    Column("revision", Integer, nullable=False),
    Column("name", String(200), nullable=False),
    Column("duration_minutes", Integer, nullable=False),
    Column("required_resources", JSON, nullable=False),
    Column("required_skills", JSON, nullable=False),
    Column("buffer_minutes", JSON, nullable=False),
    Column("summary", Text, nullable=False),
    Column("what_to_expect", JSON, nullable=False),
    Column("preparation", JSON, nullable=False),
    Column("aftercare", JSON, nullable=False),
    Column("details", JSON, nullable=False),
    Column("translations", JSON, nullable=False, server_default="{}"),
    Column("areas", JSON, nullable=False, server_default="[]"),
    Column("complaints", JSON, nullable=False, server_default="[]"),
    Column("price", JSON(none_as_null=True), nullable=True),  # {"amount": "89.00", "currency": "EUR"}
    Column("faq", JSON, nullable=False, server_default="[]"),
    Column("active", Boolean, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False, default=system_clock.now),
)

questionnaire = Table(
    "questionnaire",
    metadata,
    Column("treatment", String(64), primary_key=True),
    Column("revision", Integer, nullable=False),  # the version a booking records its client answered
    Column("questions", JSON, nullable=False),
    Column("alternative", String(64), nullable=True),
    Column("active", Boolean, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False, default=system_clock.now),
)

resource = Table(
    "resource",
    metadata,
    Column("code", String(64), primary_key=True),
    Column("revision", Integer, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("name", String(200), nullable=False),
    Column("location", String(64), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False, default=system_clock.now),
)

therapist = Table(
    "therapist",
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
    Column("updated_at", UtcDateTime, nullable=False, default=system_clock.now),
)

location = Table(
    "location",
    metadata,
    Column("code", String(64), primary_key=True),
    Column("revision", Integer, nullable=False),
    Column("name", String(200), nullable=False),
    Column("timezone", String(64), nullable=True),
    Column("address", Text, nullable=False),
    Column("opening_hours", JSON, nullable=False),
    Column("slot_grid_minutes", Integer, nullable=False),
    Column("min_notice_minutes", Integer, nullable=False),
    Column("max_advance_days", Integer, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False, default=system_clock.now),
)

# Staff accounts: the email is stored lower-case, so the unique key is case-insensitive.
account = Table(
    "account",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("email", String(320), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("role", String(16), nullable=False),
    Column("locations", JSON, nullable=False),
    Column("therapist", String(64), nullable=True),
    Column("active", Boolean, nullable=False),
    Column("password_hash", String(255), nullable=False),  # Argon2id, never returned or logged
    Column("credentials_changed_at", UtcDateTime, nullable=True),  # sessions begun before it end
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)
