from __future__ import annotations

from pydantic import Field

from shared.settings import BaseServiceSettings


class CatalogSettings(BaseServiceSettings):
    database_url: str = Field("sqlite:///var/catalog.db", alias="CATALOG_DATABASE_URL")
