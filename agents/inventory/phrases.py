"""What the clerk says, in English and Hebrew. Code picks the sentence; no model phrases it, so
numbers and product names in replies are always the database's."""

from __future__ import annotations

from decimal import Decimal

from agents.inventory.requests import Lang

_TEXT: dict[str, dict[Lang, str]] = {
    "recorded": {
        "en": "{verb} {qty} × {name}. Now {level} in stock.",
        "he": "{verb} {qty} × {name}. עכשיו במלאי: {level}.",
    },
    "counted": {
        "en": "Counted {name}: set to {level} (was {before}).",
        "he": "ספירה של {name}: עודכן ל-{level} (היה {before}).",
    },
    "low_alert": {
        "en": "That is below the minimum of {min}: I've alerted the managers.",
        "he": "זה מתחת למינימום של {min}: הודעתי למנהלים.",
    },
    "no_match": {
        "en": "I couldn't find a product called “{text}”. Did you mean: {options}?",
        "he": "לא מצאתי מוצר בשם “{text}”. התכוונת ל: {options}?",
    },
    "which_product": {
        "en": "Which {text} do you mean: {options}?",
        "he": "לאיזה {text} הכוונה: {options}?",
    },
    "which_unit": {
        "en": "{qty} of {name}: {boxes} of {box_size} or single units?",
        "he": "{qty} של {name}: {box_he} ({box_size} ביחידה) או יחידות בודדות?",
    },
    "how_many": {"en": "How many {name}?", "he": "כמה {name}?"},
    "confirm_zero": {
        "en": "Only {level} {name} in stock, less than {qty}. Set it to 0? (yes/no)",
        "he": "יש במלאי רק {level} {name}, פחות מ-{qty}. לאפס את המלאי? (כן/לא)",
    },
    "confirm_large": {
        "en": "That is {units} units of {name}, far more than usual. Is that right? (yes/no)",
        "he": "זה {units} יחידות של {name}, הרבה יותר מהרגיל. לאשר? (כן/לא)",
    },
    "not_positive": {
        "en": "The quantity for {text} must be more than zero: nothing recorded.",
        "he": "הכמות של {text} חייבת להיות גדולה מאפס: לא נרשם דבר.",
    },
    "cancelled": {"en": "OK, nothing recorded.", "he": "בסדר, לא נרשם דבר."},
    "level": {
        "en": "{name}: {level} in stock (minimum {min}).",
        "he": "{name}: {level} במלאי (מינימום {min}).",
    },
    "low_none": {"en": "Nothing is below its minimum.", "he": "אין מוצרים מתחת למינימום."},
    "low_list": {"en": "Below minimum:", "he": "מתחת למינימום:"},
    "expiring_none": {
        "en": "Nothing in stock expires within {days} days.",
        "he": "אין במלאי מוצרים שפג תוקפם בתוך {days} ימים.",
    },
    "expiring_list": {"en": "Expiring within {days} days:", "he": "פג תוקף בתוך {days} ימים:"},
    "undone": {
        "en": "Undone: {name} is back to {level}.",
        "he": "בוטל: {name} חזר ל-{level}.",
    },
    "not_understood": {
        "en": "I didn't understand that stock update. Try e.g. “took 3 small colas” or "
        "“received 2 cases of Heineken”.",
        "he": "לא הבנתי את עדכון המלאי. נסה למשל “לקחתי 3 קולה קטן” או “קיבלנו 2 ארגזים היינקן”.",
    },
    "empty": {
        "en": "Tell me what changed, e.g. “took 3 small colas”, or ask “what is low?”.",
        "he": "ספר לי מה השתנה, למשל “לקחתי 3 קולה קטן”, או שאל “מה חסר?”.",
    },
}

VERBS: dict[str, dict[Lang, str]] = {
    "IN": {"en": "Received", "he": "התקבל"},
    "OUT": {"en": "Took out", "he": "הוצא"},
    "WASTE": {"en": "Wasted", "he": "נפסל"},
    "ADJUST": {"en": "Adjusted", "he": "עודכן"},
}
PLURAL = {"box": "boxes", "case": "cases", "crate": "crates", "tray": "trays", "pack": "packs"}
BOX_HE = {"box": "קרטונים", "case": "ארגזים", "crate": "ארגזים", "tray": "תבניות"}


def say(key: str, lang: Lang, **values: object) -> str:
    return _TEXT[key][lang].format(**values)


def num(value: Decimal) -> str:
    """3, 2.5, 0.25: no trailing zeros, no exponent."""
    text = f"{value.normalize():f}"
    return text
