"""What a treatment is for: the body areas it works on and the complaints it helps, named in every
language the clinic speaks, with the words clients type and, for some complaints, the warning signs
that need a doctor rather than a massage. Plain Python, no framework."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from services.catalog.domain.errors import CatalogError

LOCALES = ("en", "de")  # every client-facing text comes in each of these

_SPELLINGS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "-": " ", "_": " "})


def normalise(word: str) -> str:
    """Case, umlauts (Füße, Fuesse), dashes and underscores make no difference to what a word names."""
    return " ".join(word.casefold().translate(_SPELLINGS).split())


@dataclass(frozen=True)
class Term:
    """A body area or a complaint: its code and how each language names it."""

    code: str
    label: dict[str, str]  # per locale, as a list shows it: "calves", "Waden"
    phrase: dict[str, str] = field(default_factory=dict)  # inside a sentence: "the calves"; default: the label
    synonyms: dict[str, tuple[str, ...]] = field(default_factory=dict)  # other words clients use, per locale
    red_flag: dict[str, str] = field(default_factory=dict)  # per locale: when to see a doctor instead

    def in_sentence(self, locale: str) -> str:
        return self.phrase.get(locale, self.label[locale])

    def words(self) -> Iterator[str]:
        yield self.code
        yield from self.label.values()
        for words in self.synonyms.values():
            yield from words


class Vocabulary:
    """The terms of one kind, found by code, label or synonym in any language."""

    def __init__(self, kind: str, terms: Iterable[Term]) -> None:
        self.kind = kind
        self.terms = {term.code: term for term in terms}
        self._codes: dict[str, str] = {}
        for term in self.terms.values():
            for word in term.words():
                named = self._codes.setdefault(normalise(word), term.code)
                if named != term.code:
                    raise ValueError(f"{word!r} would name both {kind}s {named!r} and {term.code!r}")

    def __iter__(self) -> Iterator[Term]:
        return iter(self.terms.values())

    def __getitem__(self, code: str) -> Term:
        return self.terms[code]

    def check(self, codes: Iterable[str]) -> None:
        """Refuse codes this vocabulary lacks: catalog data holds codes, never labels."""
        self._refuse([code for code in codes if code not in self.terms])

    def codes(self, words: Iterable[str]) -> list[str]:
        """The codes that `words` (codes, labels or synonyms in any language) name, each once, in order."""
        found = {word: self._codes.get(normalise(word)) for word in words}
        self._refuse([word for word, code in found.items() if code is None])
        return list(dict.fromkeys(code for code in found.values() if code is not None))

    def _refuse(self, unknown: list[str]) -> None:
        if unknown:
            names = ", ".join(repr(word) for word in unknown)
            raise CatalogError(f"unknown {self.kind} {names}; known: {', '.join(self.terms)}")


AREAS = Vocabulary(
    "area",
    [
        Term(
            "neck",
            label={"en": "neck", "de": "Nacken"},
            phrase={"en": "the neck", "de": "den Nacken"},
            synonyms={"en": ("nape", "cervical spine"), "de": ("Halswirbelsäule", "HWS", "Genick")},
        ),
        Term(
            "shoulders",
            label={"en": "shoulders", "de": "Schultern"},
            phrase={"en": "the shoulders", "de": "die Schultern"},
            synonyms={"en": ("shoulder",), "de": ("Schulter",)},
        ),
        Term(
            "upper_back",
            label={"en": "upper back", "de": "oberer Rücken"},
            phrase={"en": "the upper back", "de": "den oberen Rücken"},
            synonyms={
                "en": ("between the shoulder blades", "thoracic spine"),
                "de": ("zwischen den Schulterblättern", "Brustwirbelsäule", "BWS"),
            },
        ),
        Term(
            "lower_back",
            label={"en": "lower back", "de": "unterer Rücken"},
            phrase={"en": "the lower back", "de": "den unteren Rücken"},
            synonyms={"en": ("low back", "lumbar spine", "lumbar"), "de": ("Lendenwirbelsäule", "LWS", "Kreuz")},
        ),
        Term(
            "hips",
            label={"en": "hips", "de": "Hüften"},
            phrase={"en": "the hips", "de": "die Hüften"},
            synonyms={"en": ("hip",), "de": ("Hüfte",)},
        ),
        Term(
            "glutes",
            label={"en": "glutes", "de": "Gesäß"},
            phrase={"en": "the glutes", "de": "das Gesäß"},
            synonyms={"en": ("buttocks", "bottom", "gluteal muscles"), "de": ("Po", "Gesäßmuskulatur")},
        ),
        Term(
            "hamstrings",
            label={"en": "hamstrings", "de": "hintere Oberschenkel"},
            phrase={"en": "the hamstrings", "de": "die hinteren Oberschenkel"},
            synonyms={"en": ("hamstring", "back of the thigh"), "de": ("Oberschenkelrückseite", "Beinbeuger")},
        ),
        Term(
            "quadriceps",
            label={"en": "quadriceps", "de": "vordere Oberschenkel"},
            phrase={"en": "the quadriceps", "de": "die vorderen Oberschenkel"},
            synonyms={"en": ("quads", "front of the thigh"), "de": ("Oberschenkelvorderseite", "Quadrizeps")},
        ),
        Term(
            "calves",
            label={"en": "calves", "de": "Waden"},
            phrase={"en": "the calves", "de": "die Waden"},
            synonyms={"en": ("calf", "calf muscles"), "de": ("Wade", "Wadenmuskulatur")},
        ),
        Term(
            "feet",
            label={"en": "feet", "de": "Füße"},
            phrase={"en": "the feet", "de": "die Füße"},
            synonyms={"en": ("foot", "soles", "sole of the foot"), "de": ("Fuß", "Fußsohlen", "Fußsohle")},
        ),
    ],
)

COMPLAINTS = Vocabulary(
    "complaint",
    [
        Term(
            "neck_pain",
            label={"en": "neck pain", "de": "Nackenschmerzen"},
            synonyms={"en": ("stiff neck", "sore neck"), "de": ("Nackenverspannung", "steifer Nacken")},
            red_flag={
                "en": "See a doctor before any massage if the neck pain started after an accident or a fall, or "
                "if an arm or hand has newly gone numb or weak. Fever together with a stiff neck needs a doctor "
                "today.",
                "de": "Lassen Sie es vor jeder Massage ärztlich abklären, wenn die Nackenschmerzen nach einem "
                "Unfall oder Sturz begonnen haben oder ein Arm oder eine Hand neu taub oder schwach geworden ist. "
                "Fieber zusammen mit einem steifen Nacken gehört noch heute in ärztliche Hände.",
            },
        ),
        Term(
            "tension_headache",
            label={"en": "tension headaches", "de": "Spannungskopfschmerzen"},
            synonyms={"en": ("tension headache", "headache"), "de": ("Spannungskopfschmerz", "Kopfschmerzen")},
            red_flag={
                "en": "A sudden, very severe headache, or one with fever and a stiff neck, confusion, trouble "
                "seeing or speaking, or after a blow to the head, needs a doctor straight away, not a massage.",
                "de": "Plötzliche, sehr heftige Kopfschmerzen oder Kopfschmerzen mit Fieber und steifem Nacken, "
                "Verwirrtheit, Seh- oder Sprachstörungen oder nach einem Schlag auf den Kopf gehören sofort in "
                "ärztliche Hände, nicht zur Massage.",
            },
        ),
        Term(
            "shoulder_tension",
            label={"en": "shoulder tension", "de": "Schulterverspannungen"},
            synonyms={"en": ("tight shoulders", "stiff shoulders"), "de": ("verspannte Schultern",)},
        ),
        Term(
            "desk_posture",
            label={"en": "posture strain from desk work", "de": "Haltungsbeschwerden durch Schreibtischarbeit"},
            synonyms={"en": ("desk posture", "desk work", "computer work"), "de": ("Bildschirmarbeit", "Büroarbeit")},
        ),
        Term(
            "lower_back_pain",
            label={"en": "lower back pain", "de": "Schmerzen im unteren Rücken"},
            synonyms={"en": ("low back pain", "lumbago", "backache"), "de": ("Kreuzschmerzen", "Hexenschuss")},
            red_flag={
                "en": "See a doctor first if the pain began with a fall or an accident, comes with fever or weight "
                "loss you cannot explain, or keeps you awake at night in any position. Numbness between the legs, "
                "new bladder or bowel trouble or a leg getting weaker need a doctor today.",
                "de": "Lassen Sie es zuerst ärztlich abklären, wenn der Schmerz nach einem Sturz oder Unfall begann, "
                "mit Fieber oder unerklärtem Gewichtsverlust einhergeht oder Sie nachts in jeder Lage wach hält. "
                "Taubheit zwischen den Beinen, neue Probleme mit Blase oder Darm oder ein schwächer werdendes Bein "
                "gehören noch heute in ärztliche Hände.",
            },
        ),
        Term(
            "sciatica",
            label={"en": "sciatica", "de": "Ischiasbeschwerden"},
            synonyms={"en": ("sciatic pain", "sciatic nerve pain"), "de": ("Ischias", "Ischiasschmerzen")},
            red_flag={
                "en": "Do not book a massage but see a doctor or an emergency department today if you have numbness "
                "in the saddle area (between the legs or around the back passage), new trouble controlling your "
                "bladder or bowel, or a leg that is getting weaker: a badly trapped nerve needs urgent care.",
                "de": "Buchen Sie keine Massage, sondern gehen Sie heute noch zu einer Ärztin, einem Arzt oder in "
                "die Notaufnahme, wenn Sie Taubheit im Reithosenbereich (zwischen den Beinen oder am After) "
                "bemerken, Blase oder Darm neuerdings nicht mehr richtig kontrollieren können oder ein Bein "
                "schwächer wird: Ein stark eingeklemmter Nerv muss dringend behandelt werden.",
            },
        ),
        Term(
            "piriformis",
            label={"en": "piriformis syndrome", "de": "Piriformis-Syndrom"},
            synonyms={"en": ("piriformis",), "de": ("Piriformissyndrom",)},
        ),
        Term(
            "hip_bursitis",
            label={"en": "hip bursitis", "de": "Schleimbeutelentzündung an der Hüfte"},
            synonyms={"en": ("trochanteric pain", "outer hip pain"), "de": ("Hüftbursitis", "Trochanterschmerz")},
        ),
        Term(
            "hamstring_strain",
            label={"en": "hamstring strain", "de": "Zerrungen der hinteren Oberschenkel"},
            synonyms={"en": ("pulled hamstring", "tight hamstrings"), "de": ("Oberschenkelzerrung",)},
        ),
        Term(
            "calf_cramps",
            label={"en": "calf cramps", "de": "Wadenkrämpfe"},
            phrase={"de": "Wadenkrämpfen"},  # "hilft bei" takes the dative
            synonyms={"en": ("calf cramp", "leg cramps"), "de": ("Wadenkrampf", "Beinkrämpfe")},
            red_flag={
                "en": "If one calf is swollen, warm, red or tender to the touch, see a doctor today instead of "
                "booking a massage: it can be a blood clot, and massage could set it loose.",
                "de": "Ist eine Wade geschwollen, warm, gerötet oder druckempfindlich, gehen Sie bitte heute noch "
                "zu einer Ärztin oder einem Arzt statt zur Massage: Es kann ein Blutgerinnsel sein, das sich durch "
                "Massage lösen könnte.",
            },
        ),
        Term(
            "restless_legs",
            label={"en": "restless legs", "de": "unruhige Beine"},
            phrase={"de": "unruhigen Beinen"},
            synonyms={"en": ("restless legs syndrome", "RLS"), "de": ("Restless-Legs-Syndrom",)},
        ),
        Term(
            "plantar_fasciitis",
            label={"en": "plantar fasciitis", "de": "Plantarfasziitis"},
            synonyms={"en": ("heel pain",), "de": ("Fersenschmerzen", "Fersenschmerz")},
        ),
        Term(
            "long_sitting_standing",
            label={"en": "aches from long sitting or standing", "de": "Beschwerden durch langes Sitzen oder Stehen"},
            synonyms={"en": ("long sitting", "long standing"), "de": ("langes Sitzen", "langes Stehen")},
        ),
        Term(
            "sports_injury_lower_body",
            label={"en": "lower-body sports injuries", "de": "Sportverletzungen an Hüfte und Beinen"},
            synonyms={"en": ("sports injury", "running injury"), "de": ("Sportverletzung", "Laufverletzung")},
        ),
    ],
)
