"""Every setting a service reads from the environment is in the README's configuration table."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic_settings import BaseSettings

from services.booking.config import BookingSettings
from services.catalog.config import CatalogSettings
from services.notifications.config import NotificationSettings

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


@pytest.mark.parametrize("settings", [CatalogSettings, BookingSettings, NotificationSettings], ids=lambda s: s.__name__)
def test_every_environment_variable_is_documented(settings: type[BaseSettings]) -> None:
    names = [field.alias for field in settings.model_fields.values() if field.alias]
    assert names, "settings are read by alias from the environment"
    missing = [name for name in names if f"`{name}`" not in README]
    assert not missing, f"README's configuration table lacks {missing}"
