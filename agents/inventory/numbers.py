"""Quantities, ordinals and time horizons, read from normalised tokens (English and Hebrew).

``read_number(words, i)`` reads one quantity starting at ``words[i]``, greedily:

* digits: ``3``, ``2.5``, ``1,000`` (a comma only groups thousands), ``-3`` (kept negative);
* English: ``one`` .. ``nineteen``, ``twenty`` .. ``ninety`` (``twenty five``,
  ``twenty-five``), ``[a|one|two] hundred [and] ...``, ``thousand``, ``a``/``an`` = 1,
  ``a couple`` / ``couple`` / ``a pair`` = 2, ``[a|two] dozen`` = 12n, ``half a dozen`` = 6,
  ``half [a|an]`` / ``a half`` = 0.5, ``<n> and a half`` = n + 0.5;
* Hebrew: ``אחד/אחת`` .. ``עשר/עשרה`` with construct forms (``שתי``, ``שלושת``, ...), teens
  (``שלוש עשרה``, ``אחד עשר``), tens (``עשרים``, ``עשרים ושלוש``), ``מאה``, ``מאתיים``,
  ``<n> מאות``, ``אלף``, ``חצי``, ``תריסר``, ``חצי תריסר``, ``זוג``, ``<n> וחצי``.

``a`` followed by ``few``/``lot``/``bit``/``little`` is not a number. Hebrew words reach this module
with the conjunction ``ו`` already split off (``ושלוש`` -> ``ו``, ``שלוש``), as the tokenizer does.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal

HALF = Decimal("0.5")
DIGITS = re.compile(r"[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")


def _series(text: str, start: int, step: int = 1) -> dict[str, int]:
    """``_series("twenty thirty", 20, 10)`` -> ``{"twenty": 20, "thirty": 30}``."""
    return {word: start + k * step for k, word in enumerate(text.split())}


_EN_SMALL = _series(
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen",
    1,
)
_EN_TENS = _series("twenty thirty forty fifty sixty seventy eighty ninety", 20, 10)
_HE_SMALL: dict[str, int] = {}
for _n, _forms in enumerate(
    [
        "אחד אחת",
        "שתיים שתים שניים שנים שתי שני",
        "שלוש שלושה שלושת שלש שלשה",
        "ארבע ארבעה ארבעת",
        "חמש חמישה חמשה חמשת",
        "שש שישה ששה ששת",
        "שבע שבעה שבעת",
        "שמונה שמונת",
        "תשע תשעה תשעת",
        "עשר עשרה עשרת",
    ],
    start=1,
):
    _HE_SMALL.update(dict.fromkeys(_forms.split(), _n))
_HE_TENS = _series("עשרים שלושים ארבעים חמישים שישים שבעים שמונים תשעים", 20, 10)
_HE_TENS["שלשים"] = 30
_HE_BIG = {"מאה": 100, "מאתיים": 200, "אלף": 1000, "אלפיים": 2000}
_NOT_A_NUMBER_AFTER_A = frozenset({"few", "lot", "lots", "bit", "little", "while", "minute"})


def _word_value(word: str) -> int | None:
    """The value of a single number word, or of an English hyphenated pair (``twenty-five``)."""
    for table in (_EN_SMALL, _EN_TENS, _HE_SMALL, _HE_TENS, _HE_BIG):
        if word in table:
            return table[word]
    if "-" in word:
        tens, _, unit = word.partition("-")
        if tens in _EN_TENS and unit in _EN_SMALL and _EN_SMALL[unit] < 10:
            return _EN_TENS[tens] + _EN_SMALL[unit]
    return None


def is_number_word(word: str) -> bool:
    return _word_value(word) is not None or word in {"חצי", "תריסר", "half", "dozen", "couple"}


def _at(words: Sequence[str], i: int) -> str:
    return words[i] if 0 <= i < len(words) else ""


def _read_core(words: Sequence[str], i: int) -> tuple[Decimal, int] | None:
    word = _at(words, i)
    nxt = _at(words, i + 1)
    if DIGITS.fullmatch(word):
        return Decimal(word.replace(",", "")), 1
    if word in {"a", "an", "one"} and nxt in {"couple", "pair"}:
        return Decimal(2), 2
    if word in {"a", "an"}:
        if nxt in _NOT_A_NUMBER_AFTER_A:
            return None
        return (HALF, 2) if nxt == "half" else (Decimal(1), 1)  # "a dozen": x12 below
    if word in {"half", "חצי"}:
        if nxt in {"a", "an"} and _at(words, i + 2) == "dozen":
            return Decimal(6), 3
        if nxt in {"dozen", "תריסר"}:
            return Decimal(6), 2
        return (HALF, 2) if nxt in {"a", "an"} else (HALF, 1)
    if word in {"couple", "pair", "זוג"}:
        return Decimal(2), 1
    if word in {"dozen", "תריסר"}:
        return Decimal(12), 1
    value = _word_value(word)
    if value is None:
        return None
    used = 1
    if word in _HE_SMALL and value < 10 and nxt in {"עשר", "עשרה"}:
        return Decimal(value + 10), 2
    if word in _EN_TENS and _EN_SMALL.get(nxt, 10) < 10:
        value, used = value + _EN_SMALL[nxt], 2
    elif word in _HE_TENS and nxt == "ו" and _HE_SMALL.get(_at(words, i + 2), 10) < 10:
        value, used = value + _HE_SMALL[_at(words, i + 2)], 3
    return Decimal(value), used


def read_number(words: Sequence[str], i: int) -> tuple[Decimal, int] | None:
    """Read a quantity at ``words[i]``: ``(value, number of words used)`` or ``None``."""
    core = _read_core(words, i)
    if core is None:
        return None
    value, used = core
    j = i + used
    if _at(words, j) in {"dozen", "תריסר"} and value < 100:
        value, j = value * 12, j + 1
    elif _at(words, j) in {"hundred", "מאות"} and 0 < value < 10:
        value, j = value * 100, j + 1
    if _at(words, j) in {"thousand", "אלף"} and 0 < value < 1000:
        value, j = value * 1000, j + 1
    if value >= 100 and value % 100 == 0 and not DIGITS.fullmatch(words[i]):
        k = j + 1 if _at(words, j) in {"and", "ו"} else j
        rest = _read_core(words, k) if _word_value(_at(words, k)) else None
        if rest is not None and rest[0] < 100:
            value, j = value + rest[0], k + rest[1]
    if _at(words, j) == "and" and _at(words, j + 1) == "a" and _at(words, j + 2) == "half":
        value, j = value + HALF, j + 3
    elif _at(words, j) == "and" and _at(words, j + 1) == "half":
        value, j = value + HALF, j + 2
    elif _at(words, j) == "וחצי":
        value, j = value + HALF, j + 1
    return value, j - i


_ORDINALS: dict[str, int] = {}
for _n, _forms in enumerate(
    [
        "first 1st ראשון ראשונה",
        "second 2nd שני שנייה שניה",
        "third 3rd שלישי שלישית",
        "fourth 4th רביעי רביעית",
        "fifth 5th חמישי חמישית",
        "sixth 6th שישי שישית",
    ],
    start=1,
):
    _ORDINALS.update(dict.fromkeys(_forms.split(), _n))
_ORDINALS.update({"last": -1, "אחרון": -1, "אחרונה": -1})


def ordinal(word: str) -> int | None:
    """``second`` / ``השני`` / ``2nd`` -> 2; ``last`` / ``האחרון`` -> -1 (counted from the end)."""
    if word in _ORDINALS:
        return _ORDINALS[word]
    if word.startswith("ה") and word[1:] in _ORDINALS:
        return _ORDINALS[word[1:]]
    return None


_HORIZON_WORDS = {
    "today": 0,
    "tonight": 0,
    "היום": 0,
    "הערב": 0,
    "tomorrow": 1,
    "מחר": 1,
    "מחרתיים": 2,
    "יומיים": 2,
    "שבועיים": 14,
    "החודש": 30,
    "month": 30,
    "חודש": 30,
}
_DAY_WORDS = {"day": 1, "days": 1, "יום": 1, "ימים": 1, "week": 7, "weeks": 7, "שבוע": 7}
_DAY_WORDS |= {"שבועות": 7, "הימים": 1, "השבועות": 7}


def horizon_days(words: Sequence[str], default: int = 7) -> int:
    """The horizon of an expiry question, in days from today.

    ``today`` 0, ``tomorrow`` 1, ``day after tomorrow`` 2, ``this week`` 7, ``next week`` 14,
    ``this month`` 30, ``(in|within) (the next) N days|weeks`` N or 7N, ``next few days`` 3,
    ``next couple of days`` 2; Hebrew ``היום``, ``מחר``, ``השבוע``, ``בשבוע הקרוב``,
    ``בעוד/תוך N ימים``, ``ב-N הימים הקרובים``, ``יומיים``, ``שבועיים``. Otherwise ``default``.
    """
    joined = " ".join(words)
    if "day after tomorrow" in joined:
        return 2
    if "next week" in joined or "השבוע הבא" in joined or "שבוע הבא" in joined:
        return 14
    for i, word in enumerate(words):
        unit = _DAY_WORDS.get(word)
        if unit is None:
            continue
        prev = _at(words, i - 1)
        if prev in {"few", "כמה"}:
            return 3 * unit
        if prev == "couple" or _at(words, i - 2) == "couple":
            return 2 * unit
        for back in (3, 2, 1):
            got = _number_before(words, i - back, i)
            if got is not None:
                return int(got * unit)
        if word in {"week", "שבוע"}:
            return 7
    for word in words:
        if word in _HORIZON_WORDS:
            return _HORIZON_WORDS[word]
        if word in {"השבוע", "בשבוע", "week"}:
            return 7
    return default


def _number_before(words: Sequence[str], start: int, end: int) -> Decimal | None:
    """A number spanning exactly ``words[start:end]`` (a Hebrew ``ב``/``ל`` prefix allowed)."""
    if start < 0:
        return None
    head = words[start]
    candidates = [head]
    if head[:1] in {"ב", "ל"} and len(head) > 3:
        candidates.append(head[1:])
    for candidate in candidates:
        probe = [candidate, *words[start + 1 : end]]
        got = read_number(probe, 0)
        if got is not None and got[1] == end - start and got[0] > 0:
            return got[0]
    return None
