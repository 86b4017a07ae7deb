"""Text to tokens, and the quantities in them: numbers, units of measure, sizes and ordinals
(English and Hebrew).

``tokenize(text)``: tokens are lowercased words, numbers and a few punctuation marks, each with its
span in the text. English contractions are expanded (``what's`` -> ``what is``), a digit glued to
letters that are not a unit stays one word (``7up``), and the Hebrew conjunction ``ו`` is split off
a number word (``ושלוש`` -> ``ו`` ``שלוש``); niqqud is dropped.

``read_number(words, i)`` reads one quantity starting at ``words[i]``, greedily:

* digits: ``3``, ``2.5``, ``1,000`` (a comma only groups thousands), ``-3`` (kept negative);
* English: ``one`` .. ``nineteen``, ``twenty`` .. ``ninety`` (``twenty five``,
  ``twenty-five``), ``[a|one|two] hundred [and] ...``, ``thousand``, ``a``/``an`` = 1,
  ``a couple`` / ``couple`` / ``a pair`` = 2, ``[a|two] dozen`` = 12n, ``half a dozen`` = 6,
  ``half [a|an]`` / ``a half`` = 0.5, ``<n> and a half`` = n + 0.5;
* Hebrew: ``אחד/אחת`` .. ``עשר/עשרה`` with construct forms (``שתי``, ``שלושת``, ...), teens
  (``שלוש עשרה``, ``אחד עשר``), tens (``עשרים``, ``עשרים ושלוש``), ``מאה``, ``מאתיים``,
  ``<n> מאות``, ``אלף``, ``חצי``, ``תריסר``, ``חצי תריסר``, ``זוג``, ``<n> וחצי``.

``a`` followed by ``few``/``lot``/``bit``/``little`` is not a number. ``read_quantity`` also tells
a quantity from a product size (``330ml``) and a box size (``cases of 24``), using the unit words
of ``UNITS``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

Unit = Literal["unit", "box", "kg", "g", "l"]
QuantityKind = Literal["num", "size", "boxsize"]
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


# word -> (unit, the container it names, if any)
_UNIT_WORDS: list[tuple[Unit, str | None, str]] = [
    ("unit", None, "unit units pc pcs piece pieces item items each ea single singles יחידה יחידות"),
    ("unit", None, "יח' loose individual individually loaf loaves"),
    ("unit", "bottle", "bottle bottles btl btls בקבוק בקבוקים בקבוקי"),
    ("unit", "can", "can cans tin tins פחית פחיות"),
    ("unit", "carton", "carton cartons ctn"),
    ("unit", "keg", "keg kegs חבית חביות"),
    ("unit", "jar", "jar jars צנצנת צנצנות"),
    ("box", None, "box boxes bx case cases cs crate crates tray trays pack packs six-pack"),
    ("box", None, "ארגז ארגזים ארגזי קרטון קרטונים קרטוני מגש מגשים מגשי חבילה חבילות חבילת"),
    ("box", None, "מארז מארזים שישייה שישיות שישיית תבנית תבניות"),
    ("kg", None, 'kg kgs kilo kilos kilogram kilograms kilogramme kilogrammes ק"ג קג קילו'),
    ("kg", None, "קילוגרם קילוגרמים"),
    ("g", None, "g gr gram grams gramme grammes גרם גרמים"),
    ("l", None, "l lt ltr litre litres liter liters ליטר ליטרים"),
]
UNITS: dict[str, tuple[Unit, str | None]] = {
    word: (unit, container) for unit, container, text in _UNIT_WORDS for word in text.split()
}
SIZE_UNITS = {"ml": "ml", "cl": "cl", 'מ"ל': "ml", "מל": "ml"}
MEASURE_SIZE = {"kg": "kg", "g": "g", "l": "l"}
# Hebrew has no "a": a singular unit word alone is one of it ("נשבר בקבוק יין").
ONE_UNIT = frozenset(
    {"בקבוק", "פחית", "ארגז", "קרטון", "מגש", "חבילה", "יחידה", "קילו", "ליטר", "חבית", "מארז"}
    | {"שישייה", "צנצנת", "תבנית"}
)


def read_quantity(
    words: Sequence[str], i: int, after_num: bool, after_box: bool
) -> tuple[QuantityKind, Decimal, str, int] | None:
    """A number at ``words[i]`` as ``(kind, value, size unit, words used)``: a product size
    (``330ml``, ``3 1.5l``: the unit word is used too), a box size (``cases of 24``, ``two
    6-packs``) or else a quantity. ``after_num``/``after_box``: the word before is a quantity / a
    box unit word."""
    got = read_number(words, i)
    if got is None:
        return None
    value, used = got
    k = i + used + 1 if _at(words, i + used) == "-" else i + used  # "6-pack"
    after = _at(words, k)
    measure = UNITS.get(after, ("unit", None))[0]
    if after in SIZE_UNITS or (measure in MEASURE_SIZE and (after_num or after_box)):
        return "size", value, SIZE_UNITS.get(after) or MEASURE_SIZE[measure], k - i + 1
    if (after_box and _at(words, i - 1) in {"of", "של"}) or (after_num and measure == "box"):
        return "boxsize", value, "", used
    return "num", value, "", used


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


# -- tokens ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Token:
    norm: str
    start: int
    end: int
    glued: bool = False  # no space between this token and the previous one


_TOKEN = re.compile(
    r"""
    (?P<pre>(?<![^\s,;:(])[והבלמש]{1,2}[-־](?=\S))
    |(?P<num>(?:(?<![\w.])[-+−])?(?:\d{1,3}(?:,\d{3})+(?![\d,])|\d+)(?:\.\d+)?)
    |(?P<word>[^\W\d_](?:[^\W\d_]|[\u0591-\u05c7]|['’"״׳\-־](?=[^\W\d_]))*['׳]?)
    |(?P<punct>[,;&+?!\n:\-])
    """,
    re.VERBOSE,
)
_NIQQUD = re.compile(r"[\u0591-\u05c7]")
_CONTRACTIONS = {
    "what's": "what is",
    "there's": "there is",
    "it's": "it is",
    "that's": "that is",
    "we've": "we have",
    "i've": "i have",
    "we're": "we are",
    "i'm": "i am",
    "don't": "do not",
    "didn't": "did not",
    "can't": "can not",
    "won't": "will not",
    "let's": "let us",
    "how's": "how is",
    "where's": "where is",
    "we'll": "we will",
    "isn't": "is not",
}
_GLUE_SPLIT = frozenset([*UNITS, *SIZE_UNITS, "x", "st", "nd", "rd", "th"])


def _norm(raw: str) -> list[str]:
    word = _NIQQUD.sub("", raw.casefold()).replace("’", "'").replace("״", '"').replace("׳", "'")
    if word in _CONTRACTIONS:
        return _CONTRACTIONS[word].split()
    if word.endswith("n't"):
        return [word[:-3], "not"]
    if word.endswith("'s") and word.isascii():
        return [word[:-2]]
    if word.startswith("ו") and len(word) > 2 and word != "וחצי":
        rest = word[1:]
        if is_number_word(rest):  # a verb keeps its ו: the lexer reads "ולקחתי"
            return ["ו", rest]
    return [word.replace("−", "-")]


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    last_end = -1
    for match in _TOKEN.finditer(text):
        start, end = match.span()
        glued = start == last_end
        last_end = end
        kind = match.lastgroup
        raw = match.group()
        if kind == "num":
            tokens.append(Token(raw.replace("−", "-"), start, end, glued))
            continue
        words = _norm(raw) if kind == "word" else [raw]
        prev = tokens[-1] if tokens else None
        if (
            glued
            and kind == "word"
            and prev is not None
            and prev.norm.isdigit()
            and raw.isascii()
            and words[0] not in _GLUE_SPLIT
        ):
            tokens[-1] = Token(prev.norm + words[0], prev.start, end, prev.glued)  # "7up"
            continue
        tokens.extend(Token(w, start, end, glued) for w in words)
    return tokens
