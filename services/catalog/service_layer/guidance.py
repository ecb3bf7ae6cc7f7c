"""Guidance for a client choosing a treatment: read from the catalog, ranked in the domain; nothing is stored."""

from __future__ import annotations

from collections.abc import Iterable

from services.catalog.adapters.repository import AbstractRepository
from services.catalog.domain.guidance import Guidance, rank


def guide(repo: AbstractRepository, areas: Iterable[str], complaints: Iterable[str], locale: str) -> Guidance:
    """Every active treatment ranked for the client's areas and complaints, with warning signs, in `locale`."""
    return rank([treatment for treatment, _revision in repo.treatments()], areas, complaints, locale)
