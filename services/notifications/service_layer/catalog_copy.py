"""Notifications' copy of the catalog's treatment and location texts, kept from `*_published` events."""

from __future__ import annotations

from services.notifications.adapters.repository import AbstractRepository
from shared.events import Envelope, LocationPublished, TreatmentPublished


def on_treatment_published(repo: AbstractRepository, event: Envelope) -> None:
    repo.upsert_treatment_copy(event.open(TreatmentPublished).model_dump(mode="json"))


def on_location_published(repo: AbstractRepository, event: Envelope) -> None:
    repo.upsert_location_copy(event.open(LocationPublished).model_dump(mode="json"))
