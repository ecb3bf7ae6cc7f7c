"""Alembic environment for the booking database (run through `python -m ops.migrate booking`)."""

from services.booking.adapters.orm import metadata
from shared.migrations import run_migrations

run_migrations(metadata)
