"""The words the stock parser knows, the tokenizer, and its (deliberately narrow) typo tolerance.

Tokens are lowercased words, numbers and a few punctuation marks, each with its span in the
text. English contractions are expanded (``what's`` -> ``what is``), a digit glued to letters that
are not a unit stays one word (``7up``), and the Hebrew conjunction ``ו`` is split off a number
word or a verb (``ושלוש`` -> ``ו`` ``שלוש``). Hebrew prefixes (``ה ו ב ל מ ש`` and pairs) are
stripped only when what remains is a word of these tables: ``בזכוכית`` is glass, ``היינקן`` stays
Heineken.

A typo is forgiven only in verbs and unit words, only in words of five letters or more, only with
the same first letter and one edit: a missing, extra or swapped letter (``brokn``, ``botles``,
``recieved``, ``kilso``), or a changed letter in words of eight letters or more. So ``cakes`` never
becomes ``cases`` and ``bread`` never ``break``.
"""

from __future__ import annotations

import re
from collections.abc import Container
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Literal

from rapidfuzz.distance import OSA

from agents.inventory.numbers import is_number_word, ordinal, read_number
from domain.inventory import MovementKind

Unit = Literal["unit", "box", "kg", "g", "l"]


def wordset(text: str) -> frozenset[str]:
    """A word set written as one string: ``wordset("a b c")``."""
    return frozenset(text.split())


def phrases(text: str) -> list[tuple[str, ...]]:
    """Phrases written as one string: ``phrases("go ahead|do it")``."""
    return [tuple(p.split()) for p in text.split("|")]


def _table(groups: dict[MovementKind, str]) -> dict[str, MovementKind]:
    return {word: kind for kind, words in groups.items() for word in words.split()}


VERBS: dict[str, MovementKind] = _table(
    {
        MovementKind.OUT: "take takes taking took taken use uses using used sell sells selling "
        "sold give gives gave given serve serves served remove removes removed pull pulls pulled "
        "grab grabbed consumed comped poured withdrew "
        "לקחתי לקחנו לקח לקחה לקחו לקחת השתמשתי השתמשנו השתמשו מכרתי מכרנו מכרו נמכר נמכרו "
        "הוצאתי הוצאנו הוציאו יצא יצאו יצאה הגשתי הגשנו",
        MovementKind.IN: "receive received receiving got get delivered delivery arrived arrive "
        "came bought buy restock restocked added add purchased stocked "
        "קיבלתי קבלתי קיבלנו קבלנו הגיע הגיעו הגיעה נכנס נכנסו נכנסה הוספתי הוספנו הכנסתי "
        "הכנסנו קניתי קנינו התקבל התקבלו",
        MovementKind.WASTE: "broke broken break spilled spilt spill expired damaged dropped "
        "trashed binned spoiled spoilt wasted waste smashed cracked leaked rotten rotted ruined "
        "נשבר נשברו נשברה שברתי שברנו נשפך נשפכו נשפכה שפכתי שפכנו זרקתי זרקנו נזרק נזרקו "
        "התקלקל התקלקלו התקלקלה נרקב נרקבו",
        MovementKind.ADJUST: "counted count recount recounted set update updated adjust "
        "ספרתי ספרנו ספירה עדכן תעדכן עדכנתי יש נשאר נשארו נשארה",
    }
)
VERB_PHRASES: dict[tuple[str, ...], MovementKind] = {
    phrase: kind
    for kind, text in {
        MovementKind.OUT: "took out|pulled out|gave away|taken out",
        MovementKind.IN: "came in|put in|got in",
        MovementKind.WASTE: "threw away|threw out|thrown away|thrown out|throw away|throw out|"
        "went bad|gone bad|went off|gone off|פג תוקף|פג תוקפו|פג תוקפם|פגי תוקף|פג התוקף|הלך לפח|"
        "הלכו לפח",
        MovementKind.ADJUST: "we have got|we have|there are|there is|count is|stock is|level is|"
        "down to|we are down to|"
        "יש לנו|יש כרגע",
    }.items()
    for phrase in phrases(text)
}

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
    ("box", None, "מארז מארזים שישייה שישיות שישיית"),
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

ATTRIBUTES: dict[str, str] = {
    word: attr
    for attr, text in {
        "glass": "glass זכוכית",
        "plastic": "plastic pet פלסטיק",
        "small": "small mini קטן קטנה קטנים קטנות",
        "large": "large big xl גדול גדולה גדולים גדולות",
        "zero": "zero זירו",
        "diet": "diet light lite דיאט לייט",
    }.items()
    for word in text.split()
}
# Size and variant words may be part of a product's name ("small cola", "Coke Zero"): they are
# reported as attributes and also kept in the product text. Container words are only attributes.
NAME_ATTRIBUTES = frozenset({"small", "large", "zero", "diet"})

FILLERS = wordset(
    "i we me us you they just the some of our my your please pls plz now today yesterday tonight "
    "this morning earlier also another more extra x total only about around approx roughly ok "
    "okay so hey hi have has had been were was is are am be did do does all them it still "
    "already again that those these here there - : ' … אני אנחנו הוא היא הם את של עוד גם רק "
    'היום אתמול הבוקר הערב עכשיו כבר בערך כ סה"כ סך הכל לנו לי זה זאת אז טוב תודה כן '
    "yes yeah yep thanks thank thx cheers sorry oops guys"
)
# Hebrew has no "a": a singular unit word alone is one of it ("נשבר בקבוק יין").
ONE_UNIT = wordset("בקבוק פחית ארגז קרטון מגש חבילה יחידה קילו ליטר חבית מארז שישייה צנצנת")
STOPS = wordset(
    "from for to at into on in by during because since off onto near behind under "
    "עבור בשביל מתוך כי בגלל אצל ליד"
)
PLACES = wordset("מקרר מקפיא מחסן בר מטבח מרתף")
SEPARATORS = wordset(", ; & + plus also then וגם") | {"\n"}

_HE_PREFIXES = ("וה", "וב", "ול", "ומ", "מה", "בה", "לה", "ה", "ו", "ב", "ל", "מ", "ש")


def strip_prefix(word: str, table: Container[str]) -> str | None:
    """``word`` or ``word`` minus a Hebrew prefix, if that is a key of ``table``."""
    if word in table:
        return word
    if not "\u05d0" <= word[:1] <= "\u05ea":
        return None
    for prefix in _HE_PREFIXES:
        if word.startswith(prefix) and word[len(prefix) :] in table:
            return word[len(prefix) :]
    return None


def is_place(word: str) -> bool:
    """``מהמקרר``, ``לבר``, ``במחסן``: a Hebrew place with a preposition prefix."""
    return word not in PLACES and strip_prefix(word, PLACES) is not None


_NOT_FUZZY = frozenset({"bottled", "canned", "boxed", "counter", "counters", "settle"})
_FUZZY_KEYS: dict[str, list[str]] = {}
for _key in [*VERBS, *UNITS]:
    if len(_key) >= 4 and _key.isalpha():
        _FUZZY_KEYS.setdefault(_key[0], []).append(_key)


@lru_cache(maxsize=4096)
def fuzzy_key(word: str) -> str | None:
    """The verb or unit word ``word`` is a small typo of, if any (see the module docstring)."""
    if len(word) < 5 or word in _NOT_FUZZY or not word.isalpha():
        return None
    for key in _FUZZY_KEYS.get(word[0], ()):
        if abs(len(key) - len(word)) > 1:
            continue
        if OSA.distance(word, key, score_cutoff=1) != 1:
            continue
        if len(key) == len(word) and sorted(key) != sorted(word) and len(word) < 8:
            continue  # a changed letter in a short word: "cakes" is not "cases"
        return key
    return None


_IRREGULAR = {"leaves": "leaf", "loaves": "loaf", "knives": "knife", "halves": "half"}
_KEEP_S = frozenset({"chips", "fries", "news", "series", "species", "hummus", "couscous", "gas"})


def singular(word: str) -> str:
    """English plural -> singular for common shapes; other words (and Hebrew) unchanged."""
    if not word.isascii() or len(word) <= 3 or word in _KEEP_S:
        return word
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if word.endswith(("ss", "us", "is")):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "sses", "xes", "zes", "oes")):
        return word[:-2]
    return word[:-1] if word.endswith("s") else word


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
        if is_number_word(rest) or rest in VERBS:
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


@dataclass(slots=True)
class Lex:
    """A classified token or phrase. ``kind`` is one of: num (a quantity), size (``330ml``),
    boxsize (``cases of 24``), verb, unit, attr, word (a product word), sep, and, half
    (``and a half``), particle (``in``/``out``), left, stop (a preposition), filler."""

    kind: str
    start: int
    end: int
    word: str = ""
    value: Decimal | None = None
    signed: bool = False
    action: MovementKind | None = None
    unit: Unit | None = None
    attr: str | None = None


def _previous(out: list[Lex]) -> Lex | None:
    return next((lx for lx in reversed(out) if lx.kind != "filler"), None)


def lex(tokens: list[Token]) -> list[Lex]:
    """Classify tokens, longest match first: phrases, numbers, then single words."""
    words = [t.norm for t in tokens]
    out: list[Lex] = []
    definite = False  # Hebrew: after the object marker את a leading ה is the article
    i = 0
    while i < len(tokens):
        w, nxt = words[i], (words[i + 1] if i + 1 < len(words) else "")
        prev = _previous(out)
        used, item = 1, Lex("filler", tokens[i].start, tokens[i].end, word=w)
        phrase = next(
            (p for n in (3, 2) if len(p := tuple(words[i : i + n])) == n and p in VERB_PHRASES),
            None,
        )
        if w in SEPARATORS:
            item.kind = "sep"
        elif w == "and" and (nxt == "half" or words[i + 1 : i + 3] == ["a", "half"]):
            item.kind, used = "half", (2 if nxt == "half" else 3)
        elif w == "וחצי":
            item.kind = "half"
        elif w in {"and", "ו", "ו-", "ו־"}:
            item.kind = "and"
        elif phrase is not None:
            item.kind, item.action, used = "verb", VERB_PHRASES[phrase], len(phrase)
        elif w == "zero" and prev is not None and prev.kind in {"verb", "stop"}:
            item.kind, item.value = "num", Decimal(0)
        elif (got := read_number(words, i)) is not None:
            item, used = _number(got, words, i, prev, tokens[i].start)
        elif (verb := _verb(w)) is not None:
            item.kind, item.action = "verb", verb
        elif (unit := strip_prefix(w, UNITS) or fuzzy_key(w)) in UNITS:
            item.kind, (item.unit, item.attr) = "unit", UNITS[unit or ""]
            item.value = Decimal(1) if unit in ONE_UNIT else None
        elif (attr := strip_prefix(w, ATTRIBUTES)) is not None:
            item.kind, item.attr, item.word = "attr", ATTRIBUTES[attr], attr
        elif w in {"in", "out"}:
            item.kind = "particle"
        elif w in {"left", "remaining"}:
            item.kind = "left"
        elif w in STOPS or is_place(w):
            item.kind = "stop"
        elif w in FILLERS or w in {"a", "an", "of", "?", "!", "x"} or w.endswith(("-", "־")):
            definite = w == "את"
        elif w.isascii() and ordinal(w) is not None:
            pass  # "the second one", "the last coke": a filler here
        elif (fuzzy := fuzzy_key(w)) in VERBS:
            item.kind, item.action = "verb", VERBS[fuzzy or ""]
        else:
            item.kind, item.word = "word", singular(w)
            if definite and w.startswith("ה") and not w.startswith(("הי", "הו")) and len(w) > 3:
                item.word = w[1:]  # "את הקולה" -> קולה, but "את היינקן" stays
            elif w[:1] == "ו" and w[1:2] != "ו" and len(w) > 3 and prev and prev.kind == "num":
                item.word = w[1:]  # "קולה 40 וספרייט 30", but "3 וודקה" stays
            definite = False
        item.end = tokens[i + used - 1].end
        out.append(item)
        i += used
    return out


def _verb(word: str) -> MovementKind | None:
    if word in VERBS:
        return VERBS[word]
    if word[:1] in {"ו", "ש"} and word[1:] in VERBS and len(word) > 3:
        return VERBS[word[1:]]  # "ולקחתי", "שקיבלנו"
    return None


def _number(
    got: tuple[Decimal, int], words: list[str], i: int, prev: Lex | None, start: int
) -> tuple[Lex, int]:
    """A quantity, a product size (``330ml``, ``3 1.5l``: the unit word is taken too) or a box
    size (``cases of 24``); and how many words it uses."""
    value, used = got
    k = i + used + 1 if words[i + used : i + used + 1] == ["-"] else i + used  # "6-pack"
    after = words[k] if k < len(words) else ""
    item = Lex("num", start, start, value=value, signed=words[i][:1] in {"-", "+"})
    measure = UNITS.get(after, ("unit", None))[0]
    sized = prev is not None and (prev.kind == "num" or prev.unit == "box")
    if after in SIZE_UNITS or (measure in MEASURE_SIZE and sized):
        item.kind, item.word = "size", SIZE_UNITS.get(after) or MEASURE_SIZE[measure]
        return item, k - i + 1
    if prev is not None and prev.unit == "box" and words[i - 1] in {"of", "של"}:
        item.kind = "boxsize"
    elif prev is not None and prev.kind == "num" and measure == "box":
        item.kind = "boxsize"  # "two 6-packs"
    return item, used
