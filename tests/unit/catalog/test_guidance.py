"""Guidance: the catalog's treatments ranked by what a client names, with a reason in the client's own
language, the treatments for nothing named last, and the warning signs of every complaint that has them."""

from __future__ import annotations

from dataclasses import replace

import pytest

from services.catalog.domain import seed
from services.catalog.domain.errors import CatalogError
from services.catalog.domain.guidance import Guidance, rank
from services.catalog.domain.indications import COMPLAINTS
from services.catalog.domain.model import Treatment
from services.catalog.service_layer import entries, guidance
from tests.unit.catalog.fakes import FakeRepository


def slugs(found: Guidance) -> list[str]:
    return [fit.treatment.slug for fit in found.treatments]


@pytest.mark.parametrize(
    ("areas", "complaints", "locale", "first", "reason"),
    [
        ([], ["sciatica"], "en", "back-leg-cupping", "Helps with sciatica."),
        (["calves"], [], "en", "back-leg-cupping", "Works on the calves."),
        (["neck"], [], "en", "back-neck", "Works on the neck."),
        (["shoulders"], [], "en", "back-neck", "Works on the shoulders."),
        ([], ["Ischias"], "de", "back-leg-cupping", "Hilft bei Ischiasbeschwerden."),
        (["Waden"], [], "de", "back-leg-cupping", "Behandelt die Waden."),
        (["Nacken"], [], "de", "back-neck", "Behandelt den Nacken."),
        (["Schultern"], [], "de", "back-neck", "Behandelt die Schultern."),
    ],
)
def test_the_treatment_made_for_what_the_client_names_comes_first(
    areas: list[str], complaints: list[str], locale: str, first: str, reason: str
) -> None:
    found = rank(seed.TREATMENTS, areas, complaints, locale)

    best = found.treatments[0]
    assert (best.treatment.slug, best.reason) == (first, reason)
    assert best.score > 0 and all(fit.score < best.score for fit in found.treatments[1:])


def test_the_reason_names_every_match_in_the_clients_language() -> None:
    english = rank(seed.TREATMENTS, ["calves"], ["sciatica"], "en").treatments[0]
    german = rank(seed.TREATMENTS, ["Waden"], ["Ischias"], "de").treatments[0]

    assert english.reason == "Helps with sciatica; works on the calves."
    assert german.reason == "Hilft bei Ischiasbeschwerden; behandelt die Waden."
    assert english.name == seed.BACK_LEG_CUPPING.name
    assert german.name == seed.BACK_LEG_CUPPING.translations["de"]["name"]


def test_several_matches_are_listed_as_a_sentence() -> None:
    fit = rank(seed.TREATMENTS, ["hips", "calves", "feet"], ["sciatica", "calf_cramps"], "de").treatments[0]
    assert fit.reason == "Hilft bei Ischiasbeschwerden und Wadenkrämpfen; behandelt die Hüften, die Waden und die Füße."


def test_a_complaint_counts_for_more_than_an_area() -> None:
    feet_and_calves = replace(seed.BACK_NECK, slug="feet-calves", areas=["feet", "calves"], complaints=[])
    for_cramps = replace(seed.BACK_NECK, slug="cramps", areas=[], complaints=["calf_cramps"])

    found = rank([feet_and_calves, for_cramps], ["feet", "calves"], ["calf_cramps"], "en")

    assert slugs(found) == ["cramps", "feet-calves"]


def test_equal_fits_go_by_name_in_the_clients_language() -> None:
    def named(slug: str, en: str, de: str) -> Treatment:
        return replace(seed.BACK_NECK, slug=slug, name=en, translations={"de": {"name": de}})

    treatments = [named("one", "Zebra massage", "Anfang"), named("two", "Apple massage", "Zuletzt")]

    assert slugs(rank(treatments, ["neck"], [], "en")) == ["two", "one"]
    assert slugs(rank(treatments, ["neck"], [], "de")) == ["one", "two"]


def test_a_treatment_for_nothing_named_comes_last_and_says_so() -> None:
    for locale, reason in (("en", "Not made for what you named."), ("de", "Nicht für Ihre Angaben gedacht.")):
        found = rank(seed.TREATMENTS, [], ["sciatica"], locale)
        last = found.treatments[-1]
        assert (last.treatment.slug, last.score, last.reason) == ("back-neck", 0, reason)


def test_an_inactive_treatment_is_not_offered() -> None:
    retired = replace(seed.BACK_NECK, active=False)
    assert slugs(rank([seed.BACK_LEG_CUPPING, retired], ["neck"], [], "en")) == ["back-leg-cupping"]


def test_every_complaint_with_warning_signs_brings_its_advice_in_the_clients_language() -> None:
    for locale in ("en", "de"):
        found = rank(seed.TREATMENTS, [], ["shoulder_tension", "Ischias", "neck pain"], locale)
        assert [(flag.complaint, flag.advice) for flag in found.red_flags] == [
            ("sciatica", COMPLAINTS["sciatica"].red_flag[locale]),
            ("neck_pain", COMPLAINTS["neck_pain"].red_flag[locale]),
        ]


def test_areas_alone_bring_no_warning() -> None:
    assert rank(seed.TREATMENTS, ["neck", "calves"], [], "en").red_flags == []


def test_guidance_needs_something_named_a_known_word_and_a_known_language() -> None:
    with pytest.raises(CatalogError, match="name at least one area or complaint"):
        rank(seed.TREATMENTS, [], [], "en")
    with pytest.raises(CatalogError, match=r"unknown complaint 'Zahnweh'; known: neck_pain, .*sciatica"):
        rank(seed.TREATMENTS, [], ["Zahnweh"], "de")
    with pytest.raises(CatalogError, match="unknown locale 'fr'; known: en, de"):
        rank(seed.TREATMENTS, ["neck"], [], "fr")


def test_the_ranking_follows_the_catalog_when_staff_change_a_treatment() -> None:
    repo = FakeRepository()
    entries.load_seed(repo.unit_of_work)
    assert slugs(guidance.guide(repo, ["calves", "neck"], [], "en")) == ["back-leg-cupping", "back-neck"]  # a tie

    entries.save_entry(repo, replace(seed.BACK_NECK, areas=[*seed.BACK_NECK.areas, "calves"]), "staff")

    found = guidance.guide(repo, ["calves", "neck"], [], "en")
    assert slugs(found) == ["back-neck", "back-leg-cupping"]
    assert found.treatments[0].reason == "Works on the calves and the neck."
