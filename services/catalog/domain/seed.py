"""The clinic's starting catalog: two medical-massage treatments, rooms, cupping kits, therapists.

Facts from the clinic's treatment page, told in our own words.
"""

from __future__ import annotations

from services.catalog.domain.model import (
    CUPPING_KIT,
    ROOM,
    THERAPIST,
    Location,
    Resource,
    Therapist,
    Treatment,
    WeeklyHours,
)

MEDICAL_MASSAGE = "medical_massage"
CUPPING = "cupping"
SPORTS = "sports_massage"

BACK_LEG_CUPPING = Treatment(
    slug="back-leg-cupping",
    name="Medical Massage: Back & Leg + Cupping",
    duration_minutes=45,
    required_resources={ROOM: 1, CUPPING_KIT: 1},
    required_skills=[MEDICAL_MASSAGE, CUPPING],
    buffer_minutes={ROOM: 10, CUPPING_KIT: 30, THERAPIST: 5},
    summary=(
        "A 45-minute clinical session for the whole back of the body, from the lumbar spine down to the "
        "soles of the feet, combining hands-on medical massage with cupping."
    ),
    what_to_expect=[
        "We start at the lower back with slow, deep pressure on the muscles that hold you upright "
        "(quadratus lumborum and erector spinae), where trigger points often build up.",
        "Next come the glutes, gluteus medius above all, since it often sends pain that feels like a hip problem.",
        "For sciatic-type pain the therapist releases the piriformis and the other deep hip rotators "
        "that can press on the sciatic nerve.",
        "Cups are placed on the lower back and along the IT band; the suction loosens dense fascia.",
        "The legs follow: hamstrings, quadriceps, both calf muscles and the plantar fascia under the foot.",
    ],
    preparation=[
        "Wear or bring comfortable clothing; shorts make it easier to work on the legs.",
        "Please arrive 10 minutes early so there is time to talk through where it hurts.",
    ],
    aftercare=[
        "Cupping can leave round marks on the skin; they are harmless and fade over a few days.",
        "Drink plenty of water for the rest of the day.",
        "Many clients with sciatica notice clear relief after a single session.",
    ],
    translations={
        "de": {
            "name": "Medizinische Massage: Rücken & Beine + Schröpfen",
            "summary": (
                "Eine 45-minütige medizinische Behandlung der gesamten Körperrückseite, von der Lendenwirbelsäule "
                "bis zu den Fußsohlen, kombiniert aus manueller medizinischer Massage und Schröpfen."
            ),
            "what_to_expect": [
                "Wir beginnen am unteren Rücken mit langsamem, tiefem Druck auf die Muskeln, die Sie aufrecht "
                "halten (Quadratus lumborum und Rückenstrecker), wo sich oft Triggerpunkte bilden.",
                "Danach folgt die Gesäßmuskulatur, vor allem der mittlere Gesäßmuskel, dessen Schmerz sich oft "
                "wie ein Hüftproblem anfühlt.",
                "Bei ischiasartigen Beschwerden löst die Therapeutin oder der Therapeut den Piriformis und die "
                "tiefen Hüftrotatoren, die auf den Ischiasnerv drücken können.",
                "Schröpfgläser kommen auf den unteren Rücken und entlang des IT-Bands; der Unterdruck lockert "
                "festes Bindegewebe.",
                "Zum Schluss die Beine: hintere und vordere Oberschenkel, beide Wadenmuskeln und die Fußsohle.",
            ],
            "preparation": [
                "Tragen oder bringen Sie bequeme Kleidung mit; kurze Hosen erleichtern die Arbeit an den Beinen.",
                "Bitte kommen Sie 10 Minuten früher, damit wir besprechen können, wo es weh tut.",
            ],
            "aftercare": [
                "Schröpfen kann runde Abdrücke auf der Haut hinterlassen; sie sind harmlos und verblassen "
                "innerhalb einiger Tage.",
                "Trinken Sie für den Rest des Tages reichlich Wasser.",
                "Viele Kundinnen und Kunden mit Ischiasbeschwerden spüren schon nach einer Sitzung deutliche "
                "Erleichterung.",
            ],
        }
    },
    details={
        "areas": ["lower back", "glutes", "hips", "hamstrings", "quadriceps", "calves", "feet"],
        "techniques": ["deep sustained pressure", "neuromuscular trigger-point release", "cupping"],
        "good_for": [
            "sciatica and piriformis syndrome",
            "acute or long-standing lower back pain",
            "hip bursitis and pain at the outer hip",
            "tight or strained hamstrings",
            "calf cramps and restless legs",
            "plantar fasciitis",
            "aches from long hours of sitting or standing",
            "getting back to sport after a lower-body injury",
        ],
        "faq": [
            {
                "question": "Can it help with my sciatica?",
                "answer": "That is what it was built for: the work on the piriformis and deep hip "
                "rotators aims at what most often squeezes the sciatic nerve, and many clients "
                "feel the difference after one visit.",
            },
            {
                "question": "Should I book this or the Back & Neck massage?",
                "answer": "Back & Neck takes 30 minutes and stays on the shoulders, neck and upper "
                "back. Back & Leg takes 45 and covers the lower back, hips, glutes, hamstrings and "
                "calves. Pick the one that matches where you feel it most.",
            },
        ],
    },
)

BACK_NECK = Treatment(
    slug="back-neck",
    name="Medical Massage: Back & Neck",
    duration_minutes=30,
    required_resources={ROOM: 1},
    required_skills=[MEDICAL_MASSAGE],
    buffer_minutes={ROOM: 10, THERAPIST: 5},
    summary="A 30-minute medical massage for the upper body: shoulders, neck and upper back.",
    what_to_expect=[
        "The therapist works through the shoulders, the neck and the upper back with medical-massage technique.",
    ],
    preparation=[
        "Wear something that leaves the neck and shoulders easy to reach.",
        "Please arrive 10 minutes early.",
    ],
    aftercare=["Drink some water and keep the neck warm for the rest of the day."],
    translations={
        "de": {
            "name": "Medizinische Massage: Rücken & Nacken",
            "summary": "Eine 30-minütige medizinische Massage für Schultern, Nacken und oberen Rücken.",
            "what_to_expect": [
                "Die Behandlung umfasst Schultern, Nacken und oberen Rücken mit Techniken der medizinischen Massage.",
            ],
            "preparation": [
                "Tragen Sie Kleidung, die Nacken und Schultern gut zugänglich lässt.",
                "Bitte kommen Sie 10 Minuten früher.",
            ],
            "aftercare": ["Trinken Sie etwas Wasser und halten Sie den Nacken für den Rest des Tages warm."],
        }
    },
    details={"areas": ["shoulders", "neck", "upper back"]},
)

TREATMENTS = [BACK_LEG_CUPPING, BACK_NECK]

LOCATIONS = [
    Location(
        code="main",
        name="Clinic Mitte",
        address="Example Street 1, Berlin",
        opening_hours=[
            *(WeeklyHours(weekday=day, start="08:00", end="20:00") for day in range(5)),
            WeeklyHours(weekday=5, start="09:00", end="14:00"),
        ],
    )
]

RESOURCES = [
    Resource(code="room-1", kind=ROOM, name="Treatment room 1"),
    Resource(code="room-2", kind=ROOM, name="Treatment room 2"),
    Resource(code="room-3", kind=ROOM, name="Treatment room 3"),
    Resource(code="kit-a", kind=CUPPING_KIT, name="Cupping kit A"),
    Resource(code="kit-b", kind=CUPPING_KIT, name="Cupping kit B"),
]


def _weekdays(start: str, end: str, days: range = range(0, 5)) -> list[WeeklyHours]:
    return [WeeklyHours(weekday=day, start=start, end=end) for day in days]


THERAPISTS = [
    Therapist(
        code="anna-keller",
        name="Anna Keller",
        email="anna.keller@clinic.example",
        skills=[MEDICAL_MASSAGE, CUPPING],
        weekly_hours=_weekdays("08:00", "16:00"),
        breaks=_weekdays("12:00", "12:30"),
    ),
    Therapist(
        code="ben-okafor",
        name="Ben Okafor",
        email="ben.okafor@clinic.example",
        skills=[MEDICAL_MASSAGE, CUPPING, SPORTS],
        weekly_hours=[*_weekdays("12:00", "20:00"), WeeklyHours(5, "09:00", "14:00")],
    ),
    Therapist(
        code="clara-weiss",
        name="Clara Weiss",
        email="clara.weiss@clinic.example",
        skills=[MEDICAL_MASSAGE],
        weekly_hours=_weekdays("09:00", "17:00"),
    ),
    Therapist(
        code="david-mora",
        name="David Mora",
        email="david.mora@clinic.example",
        skills=[SPORTS],
        weekly_hours=_weekdays("10:00", "18:00"),
    ),
]
