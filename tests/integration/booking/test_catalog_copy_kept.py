"""What a process keeps of the catalog copy is never older than the copy: a committed change is seen
by the next transaction, and a change rolled back is forgotten."""

from __future__ import annotations

import pytest

from services.booking.adapters.repository import SqlRepository
from services.booking.service_layer import catalog_copy
from shared.db import SessionFactory, transaction
from shared.events import Envelope, ResourcePublished


def room(revision: int, name: str) -> Envelope:
    published = ResourcePublished(code="room-x", revision=revision, kind="room", name=name, location="main")
    return Envelope.wrap(published, "test")


def rooms(factory: SessionFactory) -> dict[str, tuple[str, bool]]:
    with transaction(factory) as session:
        return {r.code: (r.name, r.active) for r in SqlRepository(session).resources() if r.code == "room-x"}


def test_a_committed_change_of_the_copy_is_read_by_the_next_transaction(booking_factory: SessionFactory) -> None:
    with transaction(booking_factory) as session:
        catalog_copy.on_resource_published(SqlRepository(session), room(1, "Room X"))
    assert rooms(booking_factory) == {"room-x": ("Room X", True)}  # now kept by this process

    with transaction(booking_factory) as session:
        catalog_copy.on_resource_published(SqlRepository(session), room(2, "Room X, renamed"))

    assert rooms(booking_factory) == {"room-x": ("Room X, renamed", True)}


def test_a_change_rolled_back_is_not_kept(booking_factory: SessionFactory) -> None:
    with transaction(booking_factory) as session:
        catalog_copy.on_resource_published(SqlRepository(session), room(1, "Room X"))
    assert rooms(booking_factory) == {"room-x": ("Room X", True)}

    with pytest.raises(RuntimeError), transaction(booking_factory) as session:
        catalog_copy.on_resource_published(SqlRepository(session), room(2, "Room X, renamed"))
        assert {r.name for r in SqlRepository(session).resources() if r.code == "room-x"} == {"Room X, renamed"}
        raise RuntimeError("the change failed")

    assert rooms(booking_factory) == {"room-x": ("Room X", True)}
