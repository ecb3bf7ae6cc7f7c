"""The starting intake questionnaires of the two seed treatments, in English and German, in our own words.

Question codes are fixed: bookings record answers by them, and other services' tests name them.
"""

from __future__ import annotations

from services.catalog.domain.questionnaire import OK, REFER, REVIEW, TEXT, YES_NO, AnswerOption, Question, Questionnaire

_YES, _NO = {"en": "Yes", "de": "Ja"}, {"en": "No", "de": "Nein"}


def _yes_no(code: str, text: dict[str, str], yes: str, advice: dict[str, str]) -> Question:
    """A yes/no question whose "yes" has outcome `yes` and `advice`; "no" is always fine."""
    return Question(code, YES_NO, text, [AnswerOption("yes", _YES, yes, advice), AnswerOption("no", _NO, OK)])


def _review(en: str, de: str) -> dict[str, str]:
    """Advice for an answer a therapist looks at first: why, then what happens next."""
    return {
        "en": f"{en} A therapist will look at your answer before your visit is confirmed.",
        "de": f"{de} Eine Therapeutin oder ein Therapeut sieht sich Ihre Antwort an, bevor Ihr Termin bestätigt wird.",
    }


_FEVER = _yes_no(
    "fever",
    {
        "en": "Do you have a fever or an acute infection right now?",
        "de": "Haben Sie gerade Fieber oder einen akuten Infekt?",
    },
    REFER,
    {
        "en": "Please do not come while you are ill: massage adds load to a body that is fighting an infection. "
        "Book again once you are well, and see a doctor if it does not settle.",
        "de": "Bitte kommen Sie nicht, solange Sie krank sind: Eine Massage belastet den Körper zusätzlich, während "
        "er eine Infektion bekämpft. Buchen Sie neu, sobald Sie gesund sind, und gehen Sie zu einer Ärztin oder "
        "einem Arzt, wenn es nicht besser wird.",
    },
)
_BLOOD_THINNERS = {
    "en": "Do you take blood thinners, or do you have a bleeding disorder?",
    "de": "Nehmen Sie blutverdünnende Medikamente oder haben Sie eine Blutgerinnungsstörung?",
}
_NOTES = Question(
    "notes",
    TEXT,
    {
        "en": "Is there anything else the therapist should know? (optional)",
        "de": "Gibt es noch etwas, das Ihre Therapeutin oder Ihr Therapeut wissen sollte? (freiwillig)",
    },
    required=False,
    answered_outcome=OK,
)

BACK_LEG_CUPPING_QUESTIONNAIRE = Questionnaire(
    treatment="back-leg-cupping",
    alternative="back-neck",  # no cups and no legs: often still possible when cupping is not
    questions=[
        _yes_no(
            "blood_thinners",
            _BLOOD_THINNERS,
            REVIEW,
            _review(
                "Cupping and deep pressure bruise more easily then.",
                "Schröpfen und tiefer Druck verursachen dann leichter blaue Flecken.",
            ),
        ),
        _yes_no(
            "pregnant",
            {"en": "Are you pregnant?", "de": "Sind Sie schwanger?"},
            REVIEW,
            _review(
                "Some positions and pressure points need adapting during pregnancy.",
                "In der Schwangerschaft müssen manche Lagerungen und Druckpunkte angepasst werden.",
            ),
        ),
        _yes_no(
            "skin_problems",
            {
                "en": "Is the skin on your back or legs broken, inflamed or sunburnt, or is there a rash?",
                "de": "Ist die Haut an Rücken oder Beinen verletzt, entzündet oder sonnenverbrannt, oder haben Sie "
                "dort einen Ausschlag?",
            },
            REVIEW,
            _review(
                "Cups and massage must stay off damaged or irritated skin.",
                "Auf verletzte oder gereizte Haut gehören weder Schröpfgläser noch Massagegriffe.",
            ),
        ),
        _FEVER,
        _yes_no(
            "clots",
            {
                "en": "Have you had a deep-vein thrombosis or blood clots in your legs?",
                "de": "Hatten Sie schon einmal eine tiefe Beinvenenthrombose oder Blutgerinnsel in den Beinen?",
            },
            REFER,
            {
                "en": "Massage on the legs could set a clot loose. Please ask your doctor first, and book once they "
                "have cleared you for leg massage.",
                "de": "Eine Massage der Beine könnte ein Gerinnsel lösen. Bitte klären Sie das zuerst ärztlich ab und "
                "buchen Sie, sobald Ihre Ärztin oder Ihr Arzt eine Beinmassage erlaubt.",
            },
        ),
        _yes_no(
            "varicose_veins",
            {"en": "Do you have varicose veins in your legs?", "de": "Haben Sie Krampfadern an den Beinen?"},
            REVIEW,
            _review(
                "Pressure and cups have to leave varicose veins out.",
                "Druck und Schröpfgläser müssen Krampfadern aussparen.",
            ),
        ),
        _yes_no(
            "recent_surgery",
            {
                "en": "Have you had surgery or a fracture in your back, hips or legs in the last 3 months?",
                "de": "Hatten Sie in den letzten 3 Monaten eine Operation oder einen Knochenbruch an Rücken, Hüften "
                "oder Beinen?",
            },
            REVIEW,
            _review(
                "Tissue that is still healing may need a gentler approach or more time.",
                "Gewebe, das noch heilt, braucht vielleicht eine sanftere Behandlung oder mehr Zeit.",
            ),
        ),
        _yes_no(
            "cancer_treatment",
            {
                "en": "Are you being treated for cancer at the moment?",
                "de": "Werden Sie zurzeit wegen einer Krebserkrankung behandelt?",
            },
            REVIEW,
            _review(
                "Massage can often still do you good, but it has to be planned around your treatment.",
                "Massage kann oft trotzdem guttun, muss aber auf Ihre Behandlung abgestimmt werden.",
            ),
        ),
        _yes_no(
            "saddle_numbness",
            {
                "en": "Do you feel numb in the saddle area, between your legs or around your bottom?",
                "de": "Spüren Sie Taubheit im Reithosenbereich, also zwischen den Beinen oder am Gesäß?",
            },
            REFER,
            {
                "en": "This can mean a nerve at the bottom of the spine is badly squeezed. Please see a doctor or an "
                "emergency department today instead of coming for a massage.",
                "de": "Das kann bedeuten, dass ein Nerv an der unteren Wirbelsäule stark eingeklemmt ist. Bitte gehen "
                "Sie heute noch zu einer Ärztin, einem Arzt oder in die Notaufnahme statt zur Massage.",
            },
        ),
        _yes_no(
            "bladder_bowel",
            {
                "en": "Have you newly had trouble controlling your bladder or bowel?",
                "de": "Haben Sie neuerdings Probleme, Blase oder Darm zu kontrollieren?",
            },
            REFER,
            {
                "en": "With back or leg pain this is an emergency, because a nerve may be trapped. Please go to an "
                "emergency department or see a doctor today; do not wait for a massage.",
                "de": "Zusammen mit Rücken- oder Beinschmerzen ist das ein Notfall, denn ein Nerv kann eingeklemmt "
                "sein. Bitte gehen Sie heute noch in die Notaufnahme oder zu einer Ärztin oder einem Arzt; warten "
                "Sie nicht auf eine Massage.",
            },
        ),
        _yes_no(
            "leg_weakness",
            {"en": "Is one of your legs getting weaker?", "de": "Wird eines Ihrer Beine schwächer?"},
            REFER,
            {
                "en": "A leg losing strength points to a nerve under pressure. It needs a doctor urgently, today, "
                "not a massage.",
                "de": "Ein Bein, das an Kraft verliert, deutet auf einen Nerv unter Druck hin. Das gehört dringend, "
                "noch heute, in ärztliche Hände statt zur Massage.",
            },
        ),
        _NOTES,
    ],
)

BACK_NECK_QUESTIONNAIRE = Questionnaire(
    treatment="back-neck",
    questions=[
        _yes_no(
            "blood_thinners",
            _BLOOD_THINNERS,
            REVIEW,
            _review(
                "Deep pressure bruises more easily then.",
                "Tiefer Druck verursacht dann leichter blaue Flecken.",
            ),
        ),
        _FEVER,
        _yes_no(
            "neck_injury",
            {
                "en": "Have you had an accident, whiplash or a fracture of the neck in the last 3 months?",
                "de": "Hatten Sie in den letzten 3 Monaten einen Unfall, ein Schleudertrauma oder einen Bruch an der "
                "Halswirbelsäule?",
            },
            REVIEW,
            _review(
                "An injured neck may need a gentler approach, or a doctor's go-ahead first.",
                "Ein verletzter Nacken braucht vielleicht eine sanftere Behandlung oder erst eine ärztliche Freigabe.",
            ),
        ),
        _yes_no(
            "arm_numbness",
            {
                "en": "Has an arm or a hand newly gone numb or weak?",
                "de": "Ist ein Arm oder eine Hand neu taub oder schwach geworden?",
            },
            REFER,
            {
                "en": "This can come from a trapped nerve in the neck. Please have a doctor examine you today, "
                "before any massage.",
                "de": "Das kann von einem eingeklemmten Nerv im Nacken kommen. Bitte lassen Sie sich heute noch "
                "ärztlich untersuchen, vor jeder Massage.",
            },
        ),
        _NOTES,
    ],
)
