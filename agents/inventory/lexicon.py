"""The words the stock parser knows, its (deliberately narrow) typo tolerance, and the lexer: it
classifies the tokens of ``numbers.tokenize`` (``lex``) and reads a clause's product words
(``product_words``).

Hebrew prefixes (``ה ו ב ל מ ש`` and pairs) are stripped only when what remains is a word of these
tables: ``בזכוכית`` is glass, ``היינקן`` stays Heineken.

A typo is forgiven only in verbs and unit words, only in words of five letters or more, only with
the same first letter and one edit: a missing, extra or swapped letter (``brokn``, ``botles``,
``recieved``, ``kilso``), or a changed letter in words of eight letters or more. So ``cakes`` never
becomes ``cases`` and ``bread`` never ``break``.
"""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Literal

from rapidfuzz.distance import OSA

from agents.inventory.numbers import (
    ONE_UNIT,
    UNITS,
    Token,
    Unit,
    is_number_word,
    ordinal,
    read_quantity,
)
from domain.inventory import MovementKind

Language = Literal["en", "he"]
MAX_CHARS = 500  # a longer message is not a quick stock update: leave it to the model
MAX_PRODUCT_WORDS = 6
UNIT_ORDER: tuple[Unit, ...] = ("box", "kg", "g", "l", "unit")  # "2 cases of coke cans": box


def language_of(text: str) -> Language:
    return "he" if any("\u05d0" <= ch <= "\u05ea" for ch in text) else "en"


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
        "grab grabbed consumed comp comps comped poured withdrew finished drank drunk opened "
        "לקחתי לקחנו לקח לקחה לקחו לקחת השתמשתי השתמשנו השתמשו מכרתי מכרנו מכרו נמכר נמכרו "
        "הוצאתי הוצאנו הוציאו יצא יצאו יצאה הגשתי הגשנו הגישו שתיתי שתינו שתו שתה שתתה פתחתי "
        "פתחנו פתחו",
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
        MovementKind.OUT: "took out|pulled out|taken out|gave away|give away|given away|handed out",
        MovementKind.IN: "came in|put in|got in|dropped off|drop off|drops off",
        MovementKind.WASTE: "threw away|threw out|thrown away|thrown out|throw away|throw out|"
        "went bad|gone bad|went off|gone off|פג תוקף|פג תוקפו|פג תוקפם|פגי תוקף|פג התוקף|הלך לפח|"
        "הלכו לפח",
        MovementKind.ADJUST: "we have got|we have|there are|there is|count is|stock is|level is|"
        "stock take|stocktake|stock count|"
        "down to|we are down to|"
        "יש לנו|יש כרגע",
    }.items()
    for phrase in phrases(text)
}

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
    "yes yeah yep thanks thank thx cheers sorry oops guys r u ur"  # texting: "how many r left"
)
STOPS = wordset(
    "from for to at into on in by during because since off onto near behind under "
    "עבור בשביל מתוך כי בגלל אצל ליד"
)
# With a prefix, a place or a purpose: "מהמקרר", "לבר", "לחדר 204", "לחתונה".
PLACES = wordset("מקרר מקפיא מחסן בר מטבח מרתף חדר שולחן מיניבר חתונה אירוע אורחים")
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
        elif (got := read_quantity(words, i, _is(prev, "num"), _is(prev, "box"))) is not None:
            item.kind, item.value, item.word, used = got
            item.signed = w[:1] in {"-", "+"}
        elif (verb := _verb(w)) is not None:
            item.kind, item.action = "verb", verb
        elif (unit := strip_prefix(w, UNITS) or fuzzy_key(w)) in UNITS:
            item.kind, (item.unit, item.attr) = "unit", UNITS[unit or ""]
            item.value = Decimal(1) if unit in ONE_UNIT else None
        elif (attr := strip_prefix(w, ATTRIBUTES) or _plural_name(w)) is not None:
            item.kind, item.attr, item.word = "attr", ATTRIBUTES[attr], attr
        elif w in {"in", "out"} and not (w == "in" and _word_follows(words, i)):
            item.kind = "particle"  # but "took 3 cokes in room 204": a preposition
        elif w == "up" and _is(prev, "verb"):
            pass  # "used up", "drank up": a filler
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


def _is(lx: Lex | None, kind: str) -> bool:
    """``lx`` is of this kind, or a unit word of this unit (``box``)."""
    return lx is not None and (lx.kind == kind or lx.unit == kind)


def _plural_name(word: str) -> str | None:
    """``zeros``, ``diets``, ``smalls``: the plural of a variant word that may name a product."""
    one = singular(word)
    return one if one != word and one in NAME_ATTRIBUTES else None


def _word_follows(words: list[str], i: int) -> bool:
    """A word that is not a number, a verb or a conjunction comes next (fillers skipped)."""
    w = next((w for w in words[i + 1 :] if w not in FILLERS and w not in {"a", "an"}), "")
    return (
        w.isalpha()
        and w not in {"and", "ו", *SEPARATORS}
        and not is_number_word(w)
        and not _verb(w)
    )


def product_words(clause: list[Lex]) -> tuple[list[str], bool]:
    """The product words of a clause in order, and whether they sit on both sides of the
    quantity. Words after a preposition or a particle are not product words (``for the party``,
    ``from the bar``), nor ``size`` or container words; variant words are (``coke zero``)."""
    words: list[str] = []
    before = after = skipping = seen_num = False
    for lx in clause:
        if lx.kind in {"stop", "particle"}:
            if words:
                break
            skipping = True  # "for the party 3 cokes"
        elif lx.kind in {"num", "unit", "verb", "size"}:
            skipping, seen_num = False, seen_num or lx.kind == "num"
        elif not skipping and (lx.kind == "word" or lx.attr in NAME_ATTRIBUTES):
            words.append(lx.word)
            after, before = after or seen_num, before or not seen_num
    return words, before and after
