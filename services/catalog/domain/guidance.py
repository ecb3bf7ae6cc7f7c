"""Which treatment fits what a client names: the catalog's treatments ranked by the areas and complaints
each is for, with a reason in the client's language and the warning signs that need a doctor instead.
Plain Python, no framework."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from services.catalog.domain.errors import CatalogError
from services.catalog.domain.indications import AREAS, COMPLAINTS, LOCALES
from services.catalog.domain.model import Treatment

# A treatment made for the complaint says more than one that merely works on the place it hurts.
COMPLAINT_WEIGHT, AREA_WEIGHT = 3, 1

_WORDS = {
    "en": {"helps": "helps with {}", "works": "works on {}", "and": "and", "none": "Not made for what you named."},
    "de": {"helps": "hilft bei {}", "works": "behandelt {}", "and": "und", "none": "Nicht für Ihre Angaben gedacht."},
}


@dataclass(frozen=True)
class Fit:
    treatment: Treatment
    name: str  # in the client's language
    score: int  # 0: nothing the client named
    reason: str


@dataclass(frozen=True)
class RedFlag:
    complaint: str
    advice: str


@dataclass(frozen=True)
class Guidance:
    treatments: list[Fit]  # best fit first
    red_flags: list[RedFlag]


def rank(treatments: Iterable[Treatment], areas: Iterable[str], complaints: Iterable[str], locale: str) -> Guidance:
    """Rank the active `treatments` for the client's `areas` and `complaints` (codes, labels or synonyms in any
    language): highest score first, ties by name, those for nothing named last; texts in `locale`."""
    if locale not in LOCALES:
        raise CatalogError(f"unknown locale {locale!r}; known: {', '.join(LOCALES)}")
    area_codes, complaint_codes = AREAS.codes(areas), COMPLAINTS.codes(complaints)
    if not area_codes and not complaint_codes:
        raise CatalogError("name at least one area or complaint")
    fits = [_fit(treatment, area_codes, complaint_codes, locale) for treatment in treatments if treatment.active]
    red_flags = [
        RedFlag(code, COMPLAINTS[code].red_flag[locale]) for code in complaint_codes if COMPLAINTS[code].red_flag
    ]
    return Guidance(sorted(fits, key=lambda fit: (-fit.score, fit.name.casefold())), red_flags)


def _fit(treatment: Treatment, areas: list[str], complaints: list[str], locale: str) -> Fit:
    helps = [COMPLAINTS[code] for code in complaints if code in treatment.complaints]
    works = [AREAS[code] for code in areas if code in treatment.areas]
    score = COMPLAINT_WEIGHT * len(helps) + AREA_WEIGHT * len(works)
    words = _WORDS[locale]
    parts = [
        words[key].format(_listed([term.in_sentence(locale) for term in terms], words["and"]))
        for key, terms in (("helps", helps), ("works", works))
        if terms
    ]
    reason = "; ".join(parts) + "." if parts else words["none"]
    return Fit(treatment, treatment.name_in(locale), score, reason[0].upper() + reason[1:])


def _listed(items: list[str], and_: str) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} {and_} {items[-1]}"
