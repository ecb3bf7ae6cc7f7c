from __future__ import annotations

from functools import lru_cache

from pydantic import Field

from shared.settings import BaseServiceSettings


class CatalogSettings(BaseServiceSettings):
    database_url: str = Field("sqlite:///var/catalog.db", alias="CATALOG_DATABASE_URL")


@lru_cache
def get_settings() -> CatalogSettings:
    return CatalogSettings()
