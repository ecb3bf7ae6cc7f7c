"""The clinic's starting catalog: two medical-massage treatments, rooms, cupping kits, therapists.

Facts from the clinic's treatment page, told in our own words. The intake questionnaires are in
seed_questionnaires.py.
"""

from __future__ import annotations

from services.catalog.domain.model import (
    CUPPING_KIT,
    ROOM,
    THERAPIST,
    Location,
    Price,
    Resource,
    Therapist,
    Treatment,
    WeeklyHours,
)
from services.catalog.domain.seed_questionnaires import BACK_LEG_CUPPING_QUESTIONNAIRE, BACK_NECK_QUESTIONNAIRE

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
            "faq": [
                {
                    "question": "Hilft die Behandlung bei Ischiasbeschwerden?",
                    "answer": "Genau darauf ist sie ausgerichtet. Behandelt werden der Piriformis und die übrigen "
                    "tiefen Hüftmuskeln, die häufig auf den Ischiasnerv drücken; viele spüren schon nach dem ersten "
                    "Termin einen Unterschied. Bei Taubheit zwischen den Beinen, neuen Problemen mit Blase oder "
                    "Darm oder einem schwächer werdenden Bein gehen Sie bitte noch am selben Tag zu einer Ärztin "
                    "oder einem Arzt.",
                },
                {
                    "question": "Soll ich diese Behandlung oder die Massage Rücken & Nacken buchen?",
                    "answer": "Entscheiden Sie danach, wo es Sie am meisten plagt. Rücken & Nacken dauert 30 Minuten "
                    "und bleibt bei Schultern, Nacken und oberem Rücken; diese Sitzung dauert 45 Minuten und reicht "
                    "vom unteren Rücken über Hüften und Gesäß bis zu Waden und Füßen.",
                },
                {
                    "question": "Hinterlässt das Schröpfen Spuren?",
                    "answer": "Häufig ja: runde, rötliche Abdrücke, wo die Gläser saßen. Sie sind harmlos, selten "
                    "empfindlich und verblassen innerhalb weniger Tage.",
                },
                {
                    "question": "Tut die Behandlung weh?",
                    "answer": "Der Druck ist kräftig und kann sich an verspannten Stellen intensiv anfühlen, sollte "
                    "aber nie mehr sein, als Sie entspannt aushalten. Sagen Sie Bescheid, dann wird er sanfter.",
                },
                {
                    "question": "Was ziehe ich am besten an?",
                    "answer": "Was bequem ist. Mit kurzen Hosen kommen wir gut an die Beine; bringen Sie gern welche "
                    "mit.",
                },
            ],
        }
    },
    areas=["lower_back", "hips", "glutes", "hamstrings", "quadriceps", "calves", "feet"],
    complaints=[
        "lower_back_pain",
        "sciatica",
        "piriformis",
        "hip_bursitis",
        "hamstring_strain",
        "calf_cramps",
        "restless_legs",
        "plantar_fasciitis",
        "long_sitting_standing",
        "sports_injury_lower_body",
    ],
    price=Price("89.00", "EUR"),  # an example price, not the clinic's list price
    faq=[
        {
            "question": "Can it help with sciatica?",
            "answer": "It is aimed at it. The therapist works on the piriformis and the other deep hip muscles, which "
            "often press on the sciatic nerve, and many clients feel a difference after the first visit. Numbness "
            "between the legs, new bladder or bowel trouble or a leg getting weaker are different: see a doctor "
            "the same day.",
        },
        {
            "question": "Should I book this or the Back & Neck massage?",
            "answer": "Go by where it bothers you most. Back & Neck is 30 minutes on the shoulders, neck and upper "
            "back; this session is 45 minutes and runs from the lower back over the hips and glutes down to the "
            "calves and feet.",
        },
        {
            "question": "Will the cupping leave marks?",
            "answer": "Often it does: round, reddish marks where the cups sat. They are harmless, rarely tender and "
            "fade within a few days.",
        },
        {
            "question": "Does it hurt?",
            "answer": "The pressure is firm and can feel intense on tight spots, but it should never be more than you "
            "can relax into. Say so and the therapist will ease off.",
        },
        {
            "question": "What should I wear?",
            "answer": "Whatever is comfortable. Shorts make the legs easy to reach, so bring a pair if you like.",
        },
    ],
    details={"techniques": ["deep sustained pressure", "neuromuscular trigger-point release", "cupping"]},
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
            "faq": [
                {
                    "question": "Für wen ist diese Massage gedacht?",
                    "answer": "Für Verspannungen in Nacken, Schultern und zwischen den Schulterblättern, etwa nach "
                    "langen Tagen am Schreibtisch, und für Kopfschmerzen, die von verspannten Nackenmuskeln ausgehen.",
                },
                {
                    "question": "Reichen 30 Minuten?",
                    "answer": "Für Nacken, Schultern und oberen Rücken ja: Die ganze Sitzung bleibt dort. Machen auch "
                    "der untere Rücken oder die Beine Beschwerden, deckt die 45-minütige Sitzung Rücken & Beine sie "
                    "mit ab.",
                },
                {
                    "question": "Was ziehe ich am besten an?",
                    "answer": "Ein Oberteil, das sich leicht ausziehen lässt, damit Nacken und Schultern gut "
                    "erreichbar sind.",
                },
            ],
        }
    },
    areas=["neck", "shoulders", "upper_back"],
    complaints=["neck_pain", "shoulder_tension", "tension_headache", "desk_posture"],
    price=Price("59.00", "EUR"),  # an example price, not the clinic's list price
    faq=[
        {
            "question": "Who is this massage for?",
            "answer": "For tension in the neck, the shoulders and between the shoulder blades, for example after long "
            "days at a desk, and for headaches that start in tight neck muscles.",
        },
        {
            "question": "Is 30 minutes enough?",
            "answer": "For the neck, shoulders and upper back, yes: the whole session stays there. If your lower back "
            "or legs bother you too, the 45-minute Back & Leg session covers them.",
        },
        {
            "question": "What should I wear?",
            "answer": "A top that is easy to take off, so the neck and shoulders are easy to reach.",
        },
    ],
)

TREATMENTS = [BACK_LEG_CUPPING, BACK_NECK]
QUESTIONNAIRES = [BACK_LEG_CUPPING_QUESTIONNAIRE, BACK_NECK_QUESTIONNAIRE]

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
