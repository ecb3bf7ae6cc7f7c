"""Who a client may choose for a treatment: active therapists with its skills, where they work, nothing else."""

from __future__ import annotations

from dataclasses import asdict, replace

import pytest

from services.catalog.domain import seed
from services.catalog.domain.errors import UnknownEntry
from services.catalog.domain.model import Location, WeeklyHours
from services.catalog.service_layer.therapists import TherapistChoice, therapists_for
from tests.unit.catalog.fakes import FakeRepository

CUPPING, BACK_NECK = seed.BACK_LEG_CUPPING.slug, seed.BACK_NECK.slug
ANNA, BEN, CLARA, DAVID = seed.THERAPISTS
NORTH = Location(code="north", name="Clinic Nord", address="Nordstraße 2, Berlin")


@pytest.fixture
def repo() -> FakeRepository:
    repo = FakeRepository()
    for entry in [*seed.TREATMENTS, *seed.LOCATIONS, NORTH, *seed.THERAPISTS]:
        repo.save(entry)
    # Ben also works Saturdays at Nord; Clara works only there.
    repo.save(replace(BEN, weekly_hours=[*BEN.weekly_hours, WeeklyHours(5, "09:00", "14:00", location="north")]))
    repo.save(replace(CLARA, location="north"))
    return repo


def named(choices: list[TherapistChoice]) -> list[tuple[str, list[str]]]:
    return [(choice.code, choice.locations) for choice in choices]


def test_only_therapists_with_every_skill_the_treatment_needs_by_name(repo: FakeRepository) -> None:
    assert named(therapists_for(repo, CUPPING)) == [("anna-keller", ["main"]), ("ben-okafor", ["main", "north"])]
    assert named(therapists_for(repo, BACK_NECK)) == [
        ("anna-keller", ["main"]),
        ("ben-okafor", ["main", "north"]),
        ("clara-weiss", ["north"]),
    ]


def test_a_location_keeps_only_those_working_there(repo: FakeRepository) -> None:
    assert named(therapists_for(repo, BACK_NECK, "north")) == [
        ("ben-okafor", ["main", "north"]),
        ("clara-weiss", ["north"]),
    ]
    main = therapists_for(repo, BACK_NECK, "main")
    assert named(main) == [("anna-keller", ["main"]), ("ben-okafor", ["main", "north"])]


def test_a_therapist_who_left_is_not_offered(repo: FakeRepository) -> None:
    repo.save(replace(ANNA, active=False))
    assert [choice.code for choice in therapists_for(repo, CUPPING)] == ["ben-okafor"]


def test_a_withdrawn_location_is_neither_listed_nor_asked_for(repo: FakeRepository) -> None:
    repo.save(replace(NORTH, active=False))

    assert named(therapists_for(repo, BACK_NECK)) == [("anna-keller", ["main"]), ("ben-okafor", ["main"])]
    with pytest.raises(UnknownEntry, match="no location 'north'; known: main"):
        therapists_for(repo, BACK_NECK, "north")


def test_a_choice_says_code_name_and_locations_only(repo: FakeRepository) -> None:
    [anna, _] = therapists_for(repo, CUPPING)
    assert asdict(anna) == {"code": "anna-keller", "name": "Anna Keller", "locations": ["main"]}


@pytest.mark.parametrize("slug", ["hot-stones", "back-neck-withdrawn"])
def test_an_unknown_or_withdrawn_treatment_is_not_found(repo: FakeRepository, slug: str) -> None:
    repo.save(replace(seed.BACK_NECK, slug="back-neck-withdrawn", active=False))
    with pytest.raises(UnknownEntry, match=f"no treatment '{slug}' is offered; offered: back-leg-cupping, back-neck"):
        therapists_for(repo, slug)
