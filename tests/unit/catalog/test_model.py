"""What the clinic offers: catalog entries refuse data the clinic could not run on, and the seed is sound."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from services.catalog.domain import seed
from services.catalog.domain.errors import CatalogError
from services.catalog.domain.model import (
    CUPPING_KIT,
    ROOM,
    Price,
    Resource,
    Therapist,
    Treatment,
    WeeklyHours,
)


def treatment(**changes: Any) -> Treatment:
    return dataclasses.replace(seed.BACK_LEG_CUPPING, **changes)


def therapist_with(hours: list[WeeklyHours], code: str = "anna-keller") -> Therapist:
    return Therapist(
        code=code,
        name="Anna Keller",
        email="anna.keller@clinic.example",
        skills=["medical_massage"],
        weekly_hours=hours,
    )


# ---- treatments ---------------------------------------------------------------------------------


@pytest.mark.parametrize("slug", ["Back-Leg", "back leg", "-back-leg", "", "back_leg", "x" * 64])
def test_a_treatment_slug_must_be_lower_case_letters_digits_and_dashes(slug: str) -> None:
    with pytest.raises(CatalogError, match=r"treatment slug must be lower-case letters, digits and dashes, not"):
        treatment(slug=slug).validate()


@pytest.mark.parametrize("minutes", [44, 47, 0, -45])
def test_a_treatment_lasts_a_positive_multiple_of_five_minutes(minutes: int) -> None:
    with pytest.raises(CatalogError, match="duration must be a positive multiple of 5 minutes"):
        treatment(duration_minutes=minutes).validate()


def test_a_treatment_cannot_need_a_resource_kind_the_clinic_does_not_have() -> None:
    with pytest.raises(CatalogError, match=r"unknown resource kind 'sauna'; known: room, cupping_kit"):
        treatment(required_resources={ROOM: 1, "sauna": 1}).validate()


@pytest.mark.parametrize("count", [0, 5])
def test_a_treatment_needs_one_to_four_of_each_resource_kind(count: int) -> None:
    with pytest.raises(CatalogError, match=f"1 to 4 of each resource kind it names, not {count} room"):
        treatment(required_resources={ROOM: count}).validate()


def test_a_treatment_may_need_two_rooms() -> None:
    treatment(required_resources={ROOM: 2}).validate()


def test_a_buffer_is_only_for_a_known_kind() -> None:
    with pytest.raises(CatalogError, match="buffer for unknown kind 'sauna'"):
        treatment(buffer_minutes={"sauna": 10}).validate()


@pytest.mark.parametrize("minutes", [7, -5])
def test_a_sterilisation_buffer_falls_on_the_five_minute_grid(minutes: int) -> None:
    with pytest.raises(CatalogError, match="buffer for cupping_kit must be a non-negative multiple of 5 minutes"):
        treatment(buffer_minutes={CUPPING_KIT: minutes}).validate()


def test_a_treatment_needs_a_therapist_skill() -> None:
    with pytest.raises(CatalogError, match="at least one therapist skill"):
        treatment(required_skills=[]).validate()


def test_a_treatment_names_only_areas_the_catalog_knows() -> None:
    with pytest.raises(CatalogError) as refused:
        treatment(areas=["calves", "elbows"]).validate()
    assert str(refused.value).startswith("unknown area 'elbows'; known: neck, shoulders, upper_back, lower_back")


def test_a_treatment_names_complaints_by_code_not_by_label() -> None:
    with pytest.raises(CatalogError, match=r"unknown complaint 'Ischias'; known: .*sciatica"):
        treatment(complaints=["Ischias"]).validate()


@pytest.mark.parametrize(
    ("amount", "currency", "reason"),
    [
        ("-1.00", "EUR", "a price is a non-negative amount with two decimals like '89.00', not '-1.00'"),
        ("89", "EUR", "not '89'"),
        ("89.5", "EUR", "not '89.5'"),
        ("89,00", "EUR", "not '89,00'"),
        ("1000000.00", "EUR", "not '1000000.00'"),
        ("89.00", "eur", "a currency is an ISO 4217 code of three capitals like 'EUR', not 'eur'"),
        ("89.00", "EURO", "not 'EURO'"),
        ("89.00", "€", "not '€'"),
    ],
)
def test_a_price_is_a_decimal_with_two_places_and_an_iso_currency(amount: str, currency: str, reason: str) -> None:
    with pytest.raises(CatalogError, match=reason):
        treatment(price=Price(amount, currency)).validate()


def test_a_treatment_may_be_free_or_have_no_price_yet() -> None:
    treatment(price=Price("0.00", "EUR")).validate()
    treatment(price=None).validate()


@pytest.mark.parametrize(
    "faq",
    [
        [{"question": "Does it hurt?", "answer": " "}],
        [{"question": "", "answer": "No."}],
        [{"question": "Does it hurt?"}],
        [{"question": "Does it hurt?", "answer": "No.", "extra": "x"}],
        ["Does it hurt? No."],
    ],
)
def test_each_faq_entry_has_a_question_and_an_answer(faq: list[Any]) -> None:
    with pytest.raises(CatalogError, match=r"faq\.0 must have a non-empty question and answer and nothing else"):
        treatment(faq=faq).validate()


def test_a_translated_faq_is_checked_like_the_english_one() -> None:
    german = {**seed.BACK_LEG_CUPPING.translations["de"], "faq": [{"question": "Tut es weh?", "answer": ""}]}
    with pytest.raises(CatalogError, match=r"translations\.de\.faq\.0 must have a non-empty question and answer"):
        treatment(translations={"de": german}).validate()
    with pytest.raises(CatalogError, match=r"translations\.de\.faq must be a list of questions and answers"):
        treatment(translations={"de": {**german, "faq": "Tut es weh? Nein."}}).validate()


def test_a_client_sees_the_name_in_their_language_where_the_catalog_has_it() -> None:
    assert seed.BACK_NECK.name_in("de") == "Medizinische Massage: Rücken & Nacken"
    assert seed.BACK_NECK.name_in("en") == "Medical Massage: Back & Neck"
    assert treatment(translations={}).name_in("de") == seed.BACK_LEG_CUPPING.name


# ---- resources and therapists -------------------------------------------------------------------


def test_a_resource_of_an_unknown_kind_is_refused() -> None:
    with pytest.raises(CatalogError, match=r"unknown resource kind 'massage_chair'; known: room, cupping_kit"):
        Resource(code="chair-1", kind="massage_chair", name="Massage chair").validate()


def test_a_resource_code_is_checked_like_a_slug() -> None:
    with pytest.raises(CatalogError, match=r"resource code must be .* not 'Room 1'"):
        Resource(code="Room 1", kind=ROOM, name="Treatment room 1").validate()


def test_a_therapist_code_is_checked_like_a_slug() -> None:
    with pytest.raises(CatalogError, match=r"therapist code must be .* not 'Anna Keller'"):
        therapist_with([], code="Anna Keller").validate()


@pytest.mark.parametrize("value", ["8:00", "24:30", "08:60", "0800", "08:00:00", "noon"])
def test_working_hours_must_be_written_hh_mm(value: str) -> None:
    with pytest.raises(CatalogError, match=rf"working hours must be HH:MM \(00:00 to 24:00\), not '{value}'"):
        therapist_with([WeeklyHours(0, value, "23:00")]).validate()
    with pytest.raises(CatalogError, match=rf"working hours must be HH:MM \(00:00 to 24:00\), not '{value}'"):
        WeeklyHours(0, "00:00", value).validate()


def test_an_evening_shift_may_end_at_midnight() -> None:
    therapist_with([WeeklyHours(0, "16:00", "24:00")]).validate()
    with pytest.raises(CatalogError, match="end"):
        WeeklyHours(0, "24:00", "24:00").validate()


@pytest.mark.parametrize(("start", "end"), [("16:00", "08:00"), ("12:00", "12:00")], ids=["reversed", "empty"])
def test_a_shift_must_end_after_it_starts(start: str, end: str) -> None:
    with pytest.raises(CatalogError, match=rf"working hours on weekday 2 end \({end}\) before they start"):
        therapist_with([WeeklyHours(2, start, end)]).validate()


@pytest.mark.parametrize("weekday", [-1, 7])
def test_a_shift_falls_on_a_real_weekday(weekday: int) -> None:
    with pytest.raises(CatalogError, match=f"weekday must be 0 \\(Monday\\) to 6 \\(Sunday\\), not {weekday}"):
        WeeklyHours(weekday, "08:00", "16:00").validate()


def test_a_valid_split_shift_passes() -> None:
    therapist_with([WeeklyHours(0, "08:00", "12:00"), WeeklyHours(0, "14:00", "18:00")]).validate()


# ---- the starting catalog -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "entry",
    [*seed.TREATMENTS, *seed.RESOURCES, *seed.THERAPISTS],
    ids=lambda e: getattr(e, "slug", None) or e.code,
)
def test_every_seed_entry_passes_validation(entry: Treatment | Resource | Therapist) -> None:
    entry.validate()


def test_the_seed_codes_are_unique() -> None:
    slugs = [t.slug for t in seed.TREATMENTS]
    resource_codes = [r.code for r in seed.RESOURCES]
    therapist_codes = [t.code for t in seed.THERAPISTS]
    assert len(set(slugs)) == len(slugs)
    assert len(set(resource_codes)) == len(resource_codes)
    assert len(set(therapist_codes)) == len(therapist_codes)


def test_the_seed_clinic_has_enough_rooms_and_kits_for_parallel_cupping() -> None:
    rooms = [r for r in seed.RESOURCES if r.kind == ROOM and r.active]
    kits = [r for r in seed.RESOURCES if r.kind == CUPPING_KIT and r.active]
    assert len(rooms) >= 3
    assert len(kits) >= 2


def test_the_seed_team_has_differing_skills() -> None:
    team = [t for t in seed.THERAPISTS if t.active]
    assert len(team) >= 4
    assert len({frozenset(t.skills) for t in team}) >= 3
    needs = set(seed.BACK_LEG_CUPPING.required_skills)
    can_cup = [t.code for t in team if needs <= set(t.skills)]
    assert len(can_cup) >= 2
    assert len(can_cup) < len(team)  # someone cannot do cupping, so skills really decide


def test_back_leg_cupping_is_45_minutes_with_room_kit_and_sterilisation() -> None:
    cupping = seed.BACK_LEG_CUPPING
    assert cupping.slug == "back-leg-cupping"
    assert cupping.duration_minutes == 45
    assert cupping.required_resources == {ROOM: 1, CUPPING_KIT: 1}
    assert set(cupping.required_skills) == {seed.MEDICAL_MASSAGE, seed.CUPPING}
    assert cupping.buffer_minutes[CUPPING_KIT] == 30
    assert cupping.buffer_minutes[ROOM] == 10


def test_back_neck_is_30_minutes_without_a_kit() -> None:
    back_neck = seed.BACK_NECK
    assert back_neck.slug == "back-neck"
    assert back_neck.duration_minutes == 30
    assert CUPPING_KIT not in back_neck.required_resources
    assert CUPPING_KIT not in back_neck.buffer_minutes
    assert back_neck.required_skills == [seed.MEDICAL_MASSAGE]


def test_the_seed_treatments_say_what_they_are_for_what_they_cost_and_answer_questions_in_both_languages() -> None:
    cupping, back_neck = seed.BACK_LEG_CUPPING, seed.BACK_NECK
    assert {"sciatica", "calf_cramps", "plantar_fasciitis"} <= set(cupping.complaints)
    assert {"lower_back", "calves", "feet"} <= set(cupping.areas)
    assert set(back_neck.areas) == {"neck", "shoulders", "upper_back"}
    assert "neck_pain" in back_neck.complaints
    assert (cupping.price, back_neck.price) == (Price("89.00", "EUR"), Price("59.00", "EUR"))
    for offered in seed.TREATMENTS:
        german = offered.translations["de"]["faq"]
        assert isinstance(german, list)
        assert len(offered.faq) == len(german) >= 3
        assert not {"areas", "good_for", "faq"} & set(offered.details)  # real fields now
