"""The one place that wires the catalog: database, outbox publisher. Nothing connects at import."""

from __future__ import annotations

from services.catalog.config import get_settings
from shared.db import Database

database = Database(lambda: get_settings().database_url)
session_factory = database.session_factory
read_session_factory = database.read_session_factory
