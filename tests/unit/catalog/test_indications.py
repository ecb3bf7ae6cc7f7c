"""The words for where it hurts and why: every area and complaint is named in English and German, clients'
own words find it whatever their case, and the complaints with warning signs say when to see a doctor."""

from __future__ import annotations

import pytest

from services.catalog.domain.errors import CatalogError
from services.catalog.domain.indications import AREAS, COMPLAINTS, LOCALES, Term, Vocabulary


@pytest.mark.parametrize("vocabulary", [AREAS, COMPLAINTS], ids=lambda v: v.kind)
def test_every_term_is_named_in_every_language(vocabulary: Vocabulary) -> None:
    for term in vocabulary:
        for locale in LOCALES:
            assert term.label[locale].strip(), (term.code, locale)
            assert term.in_sentence(locale).strip(), (term.code, locale)
            if term.red_flag:
                assert term.red_flag[locale].strip(), (term.code, locale)


@pytest.mark.parametrize(
    ("vocabulary", "word", "code"),
    [
        (COMPLAINTS, "Ischias", "sciatica"),
        (COMPLAINTS, "ISCHIAS", "sciatica"),
        (COMPLAINTS, "sciatica", "sciatica"),
        (COMPLAINTS, "Ischiasbeschwerden", "sciatica"),
        (AREAS, "Waden", "calves"),
        (AREAS, "waden", "calves"),
        (AREAS, "Nacken", "neck"),
        (AREAS, "Schultern", "shoulders"),
        (AREAS, "calf", "calves"),
        (AREAS, "Shoulder", "shoulders"),
        (AREAS, "lower_back", "lower_back"),
        (AREAS, "  Lower   Back ", "lower_back"),
        (AREAS, "Fuesse", "feet"),
        (COMPLAINTS, "restless-legs syndrome", "restless_legs"),
    ],
)
def test_a_clients_own_words_find_the_term(vocabulary: Vocabulary, word: str, code: str) -> None:
    assert vocabulary.codes([word]) == [code]


def test_words_for_the_same_term_count_once_in_the_order_named() -> None:
    assert AREAS.codes(["Nacken", "calf", "Waden", "neck"]) == ["neck", "calves"]


def test_an_unknown_word_is_refused_with_the_known_codes() -> None:
    with pytest.raises(CatalogError) as refused:
        AREAS.codes(["neck", "Ellbogen"])

    message = str(refused.value)
    assert message.startswith("unknown area 'Ellbogen'; known: ")
    assert all(term.code in message for term in AREAS)


def test_catalog_data_holds_codes_not_labels() -> None:
    COMPLAINTS.check(["sciatica", "calf_cramps"])
    with pytest.raises(CatalogError, match="unknown complaint 'Ischias'; known: neck_pain, "):
        COMPLAINTS.check(["sciatica", "Ischias"])


def test_a_word_may_name_only_one_term() -> None:
    calf = Term("calves", label={"en": "calves", "de": "Waden"}, synonyms={"en": ("lower leg",)})
    shin = Term("shins", label={"en": "shins", "de": "Schienbeine"}, synonyms={"en": ("Lower Leg",)})
    with pytest.raises(ValueError, match="'Lower Leg' would name both areas 'calves' and 'shins'"):
        Vocabulary("area", [calf, shin])


def test_sciatica_sends_saddle_numbness_bladder_trouble_and_a_weakening_leg_to_a_doctor_today() -> None:
    advice = COMPLAINTS["sciatica"].red_flag
    assert all(word in advice["en"] for word in ("saddle", "bladder", "bowel", "weaker", "doctor", "today"))
    assert all(word in advice["de"] for word in ("Reithosenbereich", "Blase", "Darm", "schwächer", "heute"))


def test_neck_pain_after_an_accident_with_fever_or_numb_arms_needs_a_doctor() -> None:
    advice = COMPLAINTS["neck_pain"].red_flag
    assert all(word in advice["en"] for word in ("accident", "fall", "Fever", "stiff neck", "numb", "doctor"))
    assert all(word in advice["de"] for word in ("Unfall", "Sturz", "Fieber", "steifen Nacken", "taub"))


def test_a_term_reads_naturally_inside_a_sentence() -> None:
    assert AREAS["calves"].in_sentence("de") == "die Waden"
    assert COMPLAINTS["calf_cramps"].in_sentence("de") == "Wadenkrämpfen"  # "hilft bei" takes the dative
    assert COMPLAINTS["sciatica"].in_sentence("en") == "sciatica"  # no phrase: the label
