"""Catalog use cases on an in-memory repository: every change is validated, saved and announced."""

from __future__ import annotations

from dataclasses import replace

import pytest

from services.catalog.domain import seed
from services.catalog.domain.errors import CatalogError, UnknownEntry
from services.catalog.domain.model import Resource, TimeOff
from services.catalog.service_layer import entries
from shared.events import (
    LocationPublished,
    QuestionnairePublished,
    ResourcePublished,
    TherapistPublished,
    TreatmentPublished,
)
from tests.unit.catalog.fakes import FakeRepository


def test_a_saved_entry_is_announced_with_its_new_revision() -> None:
    repo = FakeRepository()
    room = Resource(code="room-9", kind="room", name="Room 9")
    assert entries.save_entry(repo, room, "c1") == 1
    assert entries.save_entry(repo, replace(room, name="Room nine"), "c2") == 2
    assert [(e.code, e.name, e.revision) for e in repo.announced if isinstance(e, ResourcePublished)] == [
        ("room-9", "Room 9", 1),
        ("room-9", "Room nine", 2),
    ]


def test_an_entry_the_clinic_could_not_run_on_is_neither_saved_nor_announced() -> None:
    repo = FakeRepository()
    treatment = replace(seed.TREATMENTS[0], duration_minutes=43)  # off the 5-minute grid
    with pytest.raises(CatalogError, match="multiple of 5"):
        entries.save_entry(repo, treatment, "c1")
    assert repo.entries == {} and repo.announced == []


def test_treatment_details_stay_in_the_catalog_and_are_not_announced() -> None:
    repo = FakeRepository()
    entries.save_entry(repo, seed.TREATMENTS[0], "c1")
    (published,) = repo.announced
    assert isinstance(published, TreatmentPublished)
    assert "details" not in published.model_dump()


def test_a_treatment_is_announced_with_what_it_is_for_its_price_and_faq() -> None:
    repo = FakeRepository()
    entries.save_entry(repo, seed.BACK_NECK, "c1")
    (published,) = repo.announced
    assert isinstance(published, TreatmentPublished)
    assert published.areas == ["neck", "shoulders", "upper_back"]
    assert published.complaints == seed.BACK_NECK.complaints
    assert published.price is not None and (published.price.amount, published.price.currency) == ("59.00", "EUR")
    assert published.faq == seed.BACK_NECK.faq
    assert published.translations["de"]["faq"] == seed.BACK_NECK.translations["de"]["faq"]


def test_the_seed_is_loaded_once_and_never_overwrites_what_staff_changed() -> None:
    repo = FakeRepository()
    first = entries.load_seed(repo.unit_of_work)
    starting = [seed.LOCATIONS, seed.TREATMENTS, seed.QUESTIONNAIRES, seed.RESOURCES, seed.THERAPISTS]
    assert first == sum(len(entries_of_a_kind) for entries_of_a_kind in starting)
    renamed = replace(seed.RESOURCES[0], name="Renamed by staff")
    entries.save_entry(repo, renamed, "staff")
    assert entries.load_seed(repo.unit_of_work) == 0
    assert repo.entries[(Resource, renamed.code)][0].name == "Renamed by staff"


def announced_kinds(repo: FakeRepository) -> list[str]:
    """Each kind of announcement in the order it first appeared."""
    return list(dict.fromkeys(type(event).__name__ for event in repo.announced))


def test_the_seed_announces_questionnaires_after_the_treatments_they_belong_to() -> None:
    repo = FakeRepository()
    entries.load_seed(repo.unit_of_work)
    assert announced_kinds(repo)[:3] == [
        LocationPublished.__name__,
        TreatmentPublished.__name__,
        QuestionnairePublished.__name__,
    ]
    asked = [(e.treatment, e.revision) for e in repo.announced if isinstance(e, QuestionnairePublished)]
    assert asked == [("back-leg-cupping", 1), ("back-neck", 1)]


def test_a_resync_announces_every_entry_as_it_is_now() -> None:
    repo = FakeRepository()
    entries.load_seed(repo.unit_of_work)
    repo.announced.clear()
    assert entries.republish_everything(repo, "resync") == len(repo.entries)
    assert len(repo.announced) == len(repo.entries)
    assert announced_kinds(repo)[:3] == [
        LocationPublished.__name__,
        TreatmentPublished.__name__,
        QuestionnairePublished.__name__,
    ]


def test_time_off_is_added_to_the_therapist_and_announced() -> None:
    repo = FakeRepository()
    entries.load_seed(repo.unit_of_work)
    code = seed.THERAPISTS[0].code
    away = TimeOff(start="2027-01-04T00:00:00+01:00", end="2027-01-05T00:00:00+01:00", note="course")
    therapist, revision = entries.add_time_off(repo, code, away, "c1")
    assert therapist.time_off[-1] == away and revision == 2
    assert isinstance(repo.announced[-1], TherapistPublished) and repo.announced[-1].time_off[-1].note == "course"


def test_time_off_for_an_unknown_therapist_is_refused() -> None:
    with pytest.raises(UnknownEntry, match="no therapist 'nobody'"):
        entries.add_time_off(
            FakeRepository(),
            "nobody",
            TimeOff(start="2027-01-04T00:00:00+01:00", end="2027-01-05T00:00:00+01:00"),
            "c1",
        )
