"""A booking database with the seed catalog copied in, on SQLite and on PostgreSQL, for handler tests."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path

import pytest

from ops.migrate import migrate
from services.booking.adapters.repository import SqlRepository
from services.booking.service_layer import catalog_copy
from services.catalog.domain import seed
from shared.db import SessionFactory, make_engine, make_session_factory, transaction
from shared.events import Envelope, LocationPublished, ResourcePublished, TherapistPublished, TreatmentPublished
from tests.support import servers


@pytest.fixture(scope="session")
def postgres_admin() -> Iterator[servers.Server | None]:
    server = servers.start_postgres()
    yield server
    if server is not None:
        server.stop()


def booking_database(backend: str, tmp_path: Path, postgres_admin: servers.Server | None) -> tuple[str, object]:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'booking.db'}", lambda: None
    if postgres_admin is None:
        pytest.skip(f"no PostgreSQL: {servers.postgres_unavailable_reason()}")
    return servers.create_database(postgres_admin.url, "booking_test")


def copy_seed_catalog(factory: SessionFactory) -> None:
    """What the catalog's events would put in the booking database."""
    with transaction(factory) as session:
        repository = SqlRepository(session)
        for location in seed.LOCATIONS:
            event = Envelope.wrap(LocationPublished(revision=1, **asdict(location)), "t")
            catalog_copy.on_location_published(repository, event)
        for treatment in seed.TREATMENTS:
            values = {k: v for k, v in asdict(treatment).items() if k != "details"}
            catalog_copy.on_treatment_published(
                repository, Envelope.wrap(TreatmentPublished(revision=1, **values), "t")
            )
        for resource in seed.RESOURCES:
            event = Envelope.wrap(ResourcePublished(revision=1, **asdict(resource)), "t")
            catalog_copy.on_resource_published(repository, event)
        for therapist in seed.THERAPISTS:
            event = Envelope.wrap(TherapistPublished(revision=1, **asdict(therapist)), "t")
            catalog_copy.on_therapist_published(repository, event)


@pytest.fixture(params=["sqlite", "postgres"])
def booking_factory(
    request: pytest.FixtureRequest, tmp_path: Path, postgres_admin: servers.Server | None
) -> Iterator[SessionFactory]:
    url, drop = booking_database(request.param, tmp_path, postgres_admin)
    migrate("booking", url)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    copy_seed_catalog(factory)
    yield factory
    engine.dispose()
    drop()  # type: ignore[operator]
