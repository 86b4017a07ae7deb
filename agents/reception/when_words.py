"""The words of date and time phrases, for ``agents.reception.when``: tokenising English and
Hebrew (prefix letters, niqqud, "p.m."), the names of weekdays, months and parts of the day,
and small counts ("two weeks", "יומיים")."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

from agents.inventory.numbers import is_number_word, read_number

_HE_LETTERS = "\u05d0-\u05ea"
_PUNCTUATION = str.maketrans(
    {"\u05be": "-", "–": "-", "—": "-", "״": '"', "׳": "'", "’": "'", "‘": "'", "`": "'"}
)
_NIQQUD = re.compile(r"[\u0591-\u05bd\u05bf-\u05c7]")
_AM_PM = re.compile(r"(?<![a-z])([ap])\.\s?m(?![a-z])\.?")
# ב/ל/מ/ה/ו glued to a number, or joined to any word with a hyphen: "ב-19:30", "ל3", "מה-14".
_HE_PREFIX_GLUE = re.compile(
    rf"(?<![{_HE_LETTERS}])([ובלמה]{{1,3}})(?:-(?=[{_HE_LETTERS}\d])|(?=\d))"
)
_TOKEN = re.compile(
    rf"\d+(?:[:./-]\d+)*|[a-z]+(?:'[a-z]+)?|[{_HE_LETTERS}]+(?:[\"'][{_HE_LETTERS}]*)?|-"
)
_HE_PREFIXES = frozenset("ובלמה")
_ORDINAL_SUFFIXES = frozenset({"st", "nd", "rd", "th"})

EN_WEEKDAYS = {
    name: day
    for day, names in enumerate(
        [
            "monday mon",
            "tuesday tue tues",
            "wednesday wed",
            "thursday thu thur thurs",
            "friday fri",
            "saturday sat",
            "sunday sun",
        ]
    )
    for name in names.split()
}  # values are date.weekday(): Monday is 0
HE_WEEKDAYS = {"שני": 0, "שלישי": 1, "רביעי": 2, "חמישי": 3, "שישי": 4, "שבת": 5, "ראשון": 6}
# "יום ו'": the letters count the days from Sunday (א).
HE_WEEKDAY_LETTERS = {"ב'": 0, "ג'": 1, "ד'": 2, "ה'": 3, "ו'": 4, "ש'": 5, "א'": 6}
MONTH_NAMES = [
    *("January", "February", "March", "April", "May", "June", "July", "August"),
    *("September", "October", "November", "December"),
]
WEEKDAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MONTHS = {name.casefold(): n for n, name in enumerate(MONTH_NAMES, start=1)}
MONTHS |= {name[:3].casefold(): n for n, name in enumerate(MONTH_NAMES, start=1)}
MONTHS["sept"] = 9
_HEBREW_MONTHS = ["ינואר", "פברואר", "מרץ", "אפריל", "מאי", "יוני", "יולי", "אוגוסט", "ספטמבר"]
_HEBREW_MONTHS += ["אוקטובר", "נובמבר", "דצמבר"]
MONTHS |= {name: n for n, name in enumerate(_HEBREW_MONTHS, start=1)} | {"מרס": 3}

Period = Literal["am", "pm", "night", "noon"]
PERIODS: dict[str, Period] = {
    "am": "am",
    "morning": "am",
    "בוקר": "am",
    "pm": "pm",
    "afternoon": "pm",
    "evening": "pm",
    "tonight": "pm",
    "ערב": "pm",
    "הערב": "pm",
    'אחה"צ': "pm",
    "night": "night",
    "לילה": "night",
    "הלילה": "night",
    "noon": "noon",
    "midday": "noon",
    "צהריים": "noon",
    "צהרים": "noon",
}
# Parts of the day a date phrase may carry without changing the date ("tomorrow evening").
DAY_PARTS = frozenset(PERIODS) - {"am", "pm", "tonight", "הערב", "הלילה"}

DAY_UNITS = {"day": 1, "days": 1, "week": 7, "weeks": 7, "fortnight": 14, "fortnights": 14}
DAY_UNITS |= {"יום": 1, "ימים": 1, "שבוע": 7, "שבועות": 7}
DUAL_UNITS = {"יומיים": 2, "שבועיים": 14}  # Hebrew duals carry their own "two"

# Whole Hebrew words that start with a preposition letter but must not be split.
_HE_WHOLE = frozenset(
    {"היום", "הערב", "הלילה", "השבוע", "הבא", "הבאה", "הקרוב", "הקרובה", "הזה", "הזאת"}
    | {"מחר", "מחרתיים", "בעוד", "וחצי", "ורבע", "לילה", "לילות"}
)
# Hebrew words a preposition letter may be glued to ("בשבת", "לדצמבר", "בבוקר"); numbers too.
_HE_STEMS = frozenset(
    word
    for word in [*HE_WEEKDAYS, *DAY_UNITS, *DUAL_UNITS, *MONTHS, *PERIODS]
    if not word.isascii()
) | {"סוף", 'סופ"ש', "סופש", "חודש", "שעה", "רבע", "חצות", "עד", "עוד", "אחר"}


def _is_hebrew_stem(word: str) -> bool:
    return word in _HE_STEMS or word in _HE_WHOLE or is_number_word(word)


def _split_hebrew_prefix(word: str) -> list[str]:
    """``בשמונה`` -> ``ב`` ``שמונה``: a preposition letter (or two: ``ובערב``) is split off when
    what is left is a word this module knows; a known whole word stays whole (``היום`` is
    "today", not ``ה`` + ``יום``)."""
    word = word.rstrip("'\"") if len(word.rstrip("'\"")) > 1 else word  # quotes, not "ו'"
    if _is_hebrew_stem(word):
        return [word]
    if len(word) <= 3 and all(letter in _HE_PREFIXES for letter in word):  # "מה" of "מה-14"
        return list(word)
    for cut in (1, 2):
        head, rest = word[:cut], word[cut:]
        if all(letter in _HE_PREFIXES for letter in head) and _is_hebrew_stem(rest):
            return [*head, rest]
    return [word]


def phrase_words(phrase: str) -> list[str]:
    """Normalised words: lowercased, niqqud dropped, ``8pm`` -> ``8`` ``pm``, ``14th`` -> ``14``,
    ``a.m.`` -> ``am``, Hebrew prepositions split off, ``אחר הצהריים`` -> ``אחה"צ``."""
    text = _NIQQUD.sub("", phrase.translate(_PUNCTUATION)).casefold()
    text = _HE_PREFIX_GLUE.sub(r"\1 ", _AM_PM.sub(r"\1m", text))
    words: list[str] = []
    for token in _TOKEN.findall(text):
        if token in _ORDINAL_SUFFIXES and words and words[-1].isdigit():
            continue
        if "\u05d0" <= token[0] <= "\u05ea":
            words.extend(_split_hebrew_prefix(token))
        else:
            words.append(token)
    return _merge_afternoon(words)


def _merge_afternoon(words: list[str]) -> list[str]:
    """``אחר הצהריים`` ("after noon") is pm, where ``צהריים`` alone is noon."""
    merged: list[str] = []
    for word in words:
        if word in {"צהריים", "צהרים"} and merged[-2:] in (["אחר", "ה"], ["אחר"]):
            del merged[merged.index("אחר", len(merged) - 2) :]
            word = 'אחה"צ'
        merged.append(word)
    return merged


def quoted(phrase: str) -> str:
    return "'" + " ".join(phrase.split())[:80] + "'"


def whole_number(words: Sequence[str]) -> int | None:
    """The non-negative whole number that all of ``words`` spell (``3``, ``two``, ``שלושה``)."""
    if not words:
        return None
    got = read_number(words, 0)
    if got is None or got[1] != len(words) or got[0] < 0 or got[0] != int(got[0]):
        return None
    return int(got[0])


def count_of_days(words: Sequence[str]) -> int | None:
    """``3 days`` -> 3, ``two weeks`` -> 14, ``a week`` / ``שבוע`` -> 7, ``יומיים`` -> 2."""
    if len(words) == 1 and words[0] in DUAL_UNITS:
        return DUAL_UNITS[words[0]]
    if not words or words[-1] not in DAY_UNITS:
        return None
    count = whole_number(words[:-1]) if len(words) > 1 else 1  # Hebrew: "שבוע" is one week
    return None if count is None else count * DAY_UNITS[words[-1]]


SMALL_NUMBER = re.compile(r"\d{1,2}")  # a day of the month, an hour


class WhenError(ValueError):
    """A phrase that names no date, time or length of stay; ``str(error)`` is for the guest."""
