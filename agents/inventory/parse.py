"""The deterministic stock-message parser: the clerk's fast path, pure (no database, no I/O).

``parse_stock_message(text)`` tries, in English and Hebrew, in this order:

* undo: an undo word (``undo``, ``cancel``, ``revert``, ``בטל``, ``תבטל``) and nothing else but
  words like ``that``, ``the last one``, ``את האחרון``;
* query_expiring: an expiry word (``expiring``, ``expires``, ``פג תוקף``, ``יפוג``) in a question,
  with a horizon in days (``numbers.horizon_days``: today 0, tomorrow 1, this week 7, default 7);
* query_low: ``what's running low``, ``low stock``, ``what do we need to order``, ``מה חסר``,
  ``מה נגמר``; but ``are we low on X`` / ``חסר X?`` is a level query about X;
* query_level: ``how many/much X [left|do we have|in stock]``, ``do we have X``, ``any X left``,
  ``X left?``, ``stock of X``, ``כמה X נשאר/יש``, ``כמה נשאר מה-X``, ``יש X?``, ``מה המלאי של X``;
* movement: clauses split on ``,`` ``;`` ``&`` ``+`` ``plus`` ``then`` ``וגם``, on ``and``/``ו``
  before a number or a verb, before a second verb, and between ``3 colas 2 heinekens``. A clause
  is ``[verb] quantity [unit] [of] product [attributes] [verb | in | out | left]`` in any order
  (``3 bottles of wine broke``, ``coke cans: took 5``, ``5 coke out``, ``לקחתי 3 קולה קטן``). A
  clause without a verb takes the previous clause's action, else the next one's (``3 colas and
  2 heinekens broke``); ``heineken -3`` alone is OUT 3, ``coke +5`` IN 5. Words after ``from``,
  ``for``, ``to``, ``in`` (``מהמקרר``, ``לבר``) are not part of the product. An item needs a
  quantity, or a unit/container word and a product (``took some cans of coke``: the clerk asks
  how many); without a verb it needs a quantity and a product on one side of it (``coke 3``).

Anything else, a question we do not answer here (``how many cokes did we sell``), an empty text
or one longer than ``MAX_CHARS`` is ``unknown``: the model's turn. ``parse_reply`` reads an
answer to one of the clerk's questions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from decimal import Decimal
from itertools import pairwise
from typing import Literal

from agents.inventory.lexicon import (
    NAME_ATTRIBUTES,
    Lex,
    Token,
    Unit,
    lex,
    phrases,
    tokenize,
    wordset,
)
from agents.inventory.numbers import horizon_days, ordinal, read_number
from domain.inventory import MovementKind

Intent = Literal["movement", "query_level", "query_low", "query_expiring", "undo", "unknown"]
Language = Literal["en", "he"]
ReplyKind = Literal["choice", "product", "attribute", "unit", "number", "yes", "no", "unknown"]
MAX_CHARS = 500  # a longer message is not a quick stock update: leave it to the model
MAX_PRODUCT_WORDS = 6
_UNIT_ORDER: tuple[Unit, ...] = ("box", "kg", "g", "l", "unit")  # "2 cases of coke cans": box
_WH = wordset("how what which why when where who כמה מה איזה למה מתי איפה מי")

_CONTAINERS = {"can": "can", "carton": "carton", "keg": "keg", "jar": "jar"}
_BOTTLES = {"glass": "glass_bottle", "plastic": "plastic_bottle"}


@dataclass(frozen=True, slots=True)
class ParsedItem:
    """One stock update. ``quantity`` is signed as written; for ADJUST it is the counted level."""

    action: MovementKind | None  # None: no verb was given
    quantity: Decimal | None
    unit: Unit | None  # None: not said ("3 colas"): ask boxes or units if it matters
    product_text: str  # "small cola", "קולה קטן": container words are only attributes
    # can bottle glass plastic carton keg jar (containers), small large zero diet (variants)
    attributes: tuple[str, ...] = ()
    raw: str = ""  # this item's span of the message
    absolute: bool = False  # ADJUST: quantity is the new level
    size_value: Decimal | None = None  # "330ml" -> 330 "ml"
    size_unit: str | None = None
    box_size: int | None = None  # "2 cases of 24" -> 24

    @property
    def containers(self) -> frozenset[str]:
        """The ``ContainerType`` values the attributes allow (empty: any)."""
        found = {_CONTAINERS[a] for a in self.attributes if a in _CONTAINERS}
        found |= {_BOTTLES[a] for a in self.attributes if a in _BOTTLES}
        if "bottle" in self.attributes and not found & set(_BOTTLES.values()):
            found |= set(_BOTTLES.values())
        return frozenset(found)


@dataclass(frozen=True, slots=True)
class ParsedMessage:
    intent: Intent
    items: list[ParsedItem] = field(default_factory=list)
    language: Language = "en"
    product_text: str | None = None  # query_level; its single item carries the attributes
    days: int | None = None  # query_expiring


@dataclass(frozen=True, slots=True)
class ReplyHint:
    """An answer to a clarification question. ``kind`` is the most specific thing found (in the
    order of ``ReplyKind``); a caller reads the field its question asked for: "cans" is both
    ``unit="unit"`` and the attribute ``can``; "2" is both ``choice=2`` and ``number=2``."""

    kind: ReplyKind
    yes: bool | None = None
    choice: int | None = None  # 1-based; -1 for "the last one"
    number: Decimal | None = None
    unit: Unit | None = None
    attributes: tuple[str, ...] = ()
    product_text: str | None = None
    language: Language = "en"


def language_of(text: str) -> Language:
    return "he" if any("\u05d0" <= ch <= "\u05ea" for ch in text) else "en"


def parse_stock_message(text: str) -> ParsedMessage:
    """Understand a staff message about stock, or answer ``unknown`` (never raises)."""
    language = language_of(text[:MAX_CHARS])
    if not text.strip() or len(text) > MAX_CHARS:
        return ParsedMessage("unknown", language=language)
    tokens = tokenize(text)
    words = [t.norm for t in tokens]
    if not words:
        return ParsedMessage("unknown", language=language)
    if _is_undo(words):
        return ParsedMessage("undo", language=language)
    days = _expiring(words)
    if days is not None:
        return ParsedMessage("query_expiring", language=language, days=days)
    low = _low(words, tokens, text)
    if low is not None:
        return replace(low, language=language)
    level = _level(words, tokens, text)
    if level is not None:
        return replace(level, language=language)
    if words[0] in _WH:
        return ParsedMessage("unknown", language=language)  # a question the model should read
    items = movement(tokens, text)
    return ParsedMessage("movement" if items else "unknown", items, language)


# -- movements --------------------------------------------------------------------------------


def clauses(lexes: list[Lex]) -> list[list[Lex]]:
    """Split a message into one clause per item (see the module docstring)."""
    result: list[list[Lex]] = [[]]
    for k, lx in enumerate(lexes):
        if lx.kind == "sep":
            result.append([])
            continue
        if lx.kind == "and":
            ahead = next((x for x in lexes[k + 1 :] if x.kind != "filler"), None)
            if ahead is None or ahead.kind in {"num", "verb", "size", "half"}:
                result.append([])
                continue
            lx.kind, lx.word = ("word" if ahead.kind == "word" else "filler"), "and"
        has = {x.kind for x in result[-1]}
        if lx.kind == "verb" and "verb" in has and has & {"num", "word"}:
            result.append([])
        result[-1].append(lx)
    return [part for clause in result if clause for part in _split_runs(clause)]


def _split_runs(clause: list[Lex]) -> list[list[Lex]]:
    """``took 3 colas 2 heinekens`` and ``coke 3 sprite 2``: one part per quantity. A number
    after a preposition that follows the product is not one (``gave 2 cokes to table 5``,
    ``the order for table 4``), but ``set heineken to 30`` is."""
    nums: list[int] = []
    stopped = named = False
    for k, lx in enumerate(clause):
        named = named or lx.kind == "word"
        if lx.kind == "stop" and (nums or (named and lx.word != "to")):
            stopped = True
        if lx.kind == "num" and stopped:
            lx.kind = "filler"
        elif lx.kind == "num":
            nums.append(k)
    if len(nums) < 2:
        return [clause]
    content = [lx.kind for lx in clause if lx.kind not in {"filler", "verb", "stop"}]
    cuts = []
    if content[0] == "num":  # quantity first: cut before each later quantity
        cuts = nums[1:]
    else:  # product first: cut after each quantity and the unit words right after it
        for k in nums[:-1]:
            while k + 1 < len(clause) and clause[k + 1].kind in {"unit", "size", "particle"}:
                k += 1
            cuts.append(k + 1)
    bounds = [0, *cuts, len(clause)]
    return [clause[a:b] for a, b in pairwise(bounds) if clause[a:b]]


def _product_words(clause: list[Lex]) -> tuple[list[str], bool]:
    """The product words in order, and whether they sit on both sides of the quantity."""
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


@dataclass(slots=True)
class _Draft:
    item: ParsedItem
    signed: bool  # "+5", "-3"
    both_sides: bool  # "room 204 needs towels": not a verbless stock update


def _draft(clause: list[Lex], text: str) -> _Draft | None:
    content = [lx for lx in clause if lx.kind != "filler"]
    words, both_sides = _product_words(clause)
    if not content or len(words) > MAX_PRODUCT_WORDS:
        return None
    action = next((lx.action for lx in clause if lx.kind == "verb"), None)
    nums = [lx for lx in clause if lx.kind == "num"]
    units = [lx for lx in clause if lx.kind == "unit"]
    quantity = nums[0].value if nums else next((u.value for u in units if u.value), None)
    if any(lx.kind == "half" for lx in clause):
        quantity = (quantity or Decimal(1)) + Decimal("0.5")  # "a case and a half", "קילו וחצי"
    unit = next((u for u in _UNIT_ORDER if u in {lx.unit for lx in units}), None)
    attributes = tuple(dict.fromkeys(lx.attr for lx in clause if lx.attr))
    last = content[-1]
    if action is None and last.kind == "particle":
        action = MovementKind.IN if last.word == "in" else MovementKind.OUT
    elif action is None and last.kind == "left" and quantity is not None:
        action = MovementKind.ADJUST  # "only 5 cokes left"
    size = next((lx for lx in clause if lx.kind == "size"), None)
    box = next((lx.value for lx in clause if lx.kind == "boxsize"), None)
    item = ParsedItem(
        action=action,
        quantity=quantity,
        unit=unit,
        product_text=" ".join(words),
        attributes=attributes,
        raw=text[content[0].start : content[-1].end],
        absolute=action == MovementKind.ADJUST,
        size_value=size.value if size else None,
        size_unit=size.word if size else None,
        box_size=int(box) if box is not None else None,
    )
    return _Draft(item, bool(nums) and nums[0].signed, both_sides)


def movement(tokens: list[Token], text: str) -> list[ParsedItem]:
    """The stock updates in a message, with actions carried between clauses."""
    drafts = [d for c in clauses(lex(tokens)) if (d := _draft(c, text)) is not None]
    for order in (drafts, drafts[::-1]):  # forwards first, then backwards for trailing verbs
        carried: ParsedItem | None = None
        for d in order:
            if d.item.action is None and carried is not None:
                d.item = replace(d.item, action=carried.action, absolute=carried.absolute)
            carried = d.item if d.item.action is not None else carried
    items = []
    for d in drafts:
        item = d.item
        if item.action is None and d.signed and item.quantity:
            kind = MovementKind.IN if item.quantity > 0 else MovementKind.OUT
            item = replace(item, action=kind, quantity=abs(item.quantity))
        if item.quantity is None and (item.unit is None or not item.product_text):
            continue  # "got the message", "the fridge is broken": no quantity, no stock word
        if item.action is None and (not item.product_text or d.both_sides):
            continue
        items.append(item)
    return items


# -- queries and undo -------------------------------------------------------------------------

_QUESTION = wordset(
    "what which anything any show list tell is are does do whats מה איזה אילו האם תראה תגיד רשימת"
)
# "undo" and "בטל" undo alone; "cancel" and "ביטול" also answer "no" to a question, so they undo
# only with an object: "cancel that", "cancel the last one", "ביטול של האחרון".
_UNDO_ALONE = wordset("undo revert rollback בטל תבטל בטלי תבטלי")
_UNDO = _UNDO_ALONE | wordset("cancel reverse לבטל ביטול")
_UNDO_OBJECT = wordset(
    "that it this last entry movement update previous זה האחרון האחרונה אחרון אחרונה הפעולה "
    "התנועה העדכון הקודם הקודמת שכתבתי שרשמתי"
)
_UNDO_REST = _UNDO_OBJECT | wordset(
    "the one please my just what i did wrote said sent oops sorry mistake wrong was a , ! ? את "
    "של בבקשה טעות אופס סליחה מה"
)
_EXPIRY_PRESENT = wordset("expiring expires expire expiry expiration יפוג יפגו לפוג פוקע")
_EXPIRY_PAST = wordset("expired פג פגי")
_LOW_EN = re.compile(
    r"\b(?:low|running out|run out|ran out|out of stock|below (?:min|minimum|par)|short|"
    r"missing|re-?order|need to order|to order|shortages?)\b"
)
_LOW_ON = (
    re.compile(r"\b(?:low|short|running out|run out|ran out|out) (?:on|of) (?P<p>.+)"),
    re.compile(r"^(?:is|are) (?P<p>.+?) (?:running |getting )?(?:low|short)\b"),
)
_LOW_ALONE = wordset(
    "low stock running out of items products list report alert alerts shortage shortages "
    "reorder re-order below min minimum par short missing need to order"
)
_LOW_HE = wordset(
    "חסר חסרה חסרים חסרות נגמר נגמרה נגמרו נגמרים להיגמר להגמר ייגמר ייגמרו אזל אזלו נמוך "
    "נמוכה נמוכים נמוכות להזמין חוסרים חוסר"
)
_NOT_A_PRODUCT = wordset(
    "we us stock anything something everything what things items products ? לנו במלאי מלאי "
    "עומד עומדים עומדת כמעט צריך צריכים כבר יש לי ממה בקרוב הכל ה-"
)
_LEVEL_PREFIXES = sorted(
    phrases(
        "how many|how much|is there|are there|do we have|do we still have|have we got|have we|"
        "got any|any|do we got|stock of|stock for|level of|count of|check|check stock of|"
        "check on|what is the stock of|what is the level of|what is the count of|כמה|יש|יש לנו|"
        "יש עוד|נשאר|נשארו|נשארה|נשאר לנו|האם יש|האם נשאר|מלאי|מה המלאי של|מה מצב|"
        "מה מצב המלאי של|מצב המלאי של"
    ),
    key=len,
    reverse=True,
)
_LEVEL_SUFFIXES = [("in", "stock"), ("left",), ("remaining",), ("stock",), ("level",)]
_LEVEL_NOISE = wordset(
    "במלאי מלאי כרגע נותר נותרו בסך הכל בדיוק stock level count inventory amount"
)


def _is_undo(words: list[str]) -> bool:
    if not all(w in _UNDO or w in _UNDO_REST for w in words):
        return False
    return bool(_UNDO_ALONE & set(words)) or bool(_UNDO & set(words) and _UNDO_OBJECT & set(words))


def _has_quantity(words: list[str]) -> bool:
    return any(w not in {"a", "an"} and read_number(words, k) for k, w in enumerate(words))


def _expiring(words: list[str]) -> int | None:
    hits = [k for k, w in enumerate(words) if w in _EXPIRY_PRESENT or w in _EXPIRY_PAST]
    if not hits:
        return None
    present = any(w in _EXPIRY_PRESENT for w in words)
    asked = words[0] in _QUESTION or "?" in words
    if not asked and (not present or _has_quantity(words[: hits[0]])):
        return None  # "3 yogurts expired": a movement
    return horizon_days(words, default=7 if present else 0)


def _low(words: list[str], tokens: list[Token], text: str) -> ParsedMessage | None:
    if _has_quantity(words):
        return None
    if language_of(text) == "he":
        if not _LOW_HE & set(words):
            return None
        rest = [t for t in tokens if t.norm not in _LOW_HE | _QUESTION | _NOT_A_PRODUCT]
        if words[0] in _QUESTION or not rest or "מלאי" in words:
            return ParsedMessage("query_low")
        return _level_of(rest, text) if len(rest) <= 3 else None
    joined = " ".join(words)
    for pattern in _LOW_ON:  # "are we low on coke", "is coke running low": about coke
        on = pattern.search(joined)
        if on is not None and set(on["p"].split()) - _NOT_A_PRODUCT - _QUESTION:
            start = len(joined[: on.start("p")].split())
            return _level_of(tokens[start : start + len(on["p"].split())], text)
    if _LOW_EN.search(joined) and (
        words[0] in _QUESTION or "?" in words or not set(words) - _LOW_ALONE
    ):
        return ParsedMessage("query_low")  # "what's running low", "low stock", "reorder list"
    return None


def _level(words: list[str], tokens: list[Token], text: str) -> ParsedMessage | None:
    prefix = next((p for p in _LEVEL_PREFIXES if tuple(words[: len(p)]) == p), ())
    rest = [t for t in tokens[len(prefix) :] if t.norm not in {"?", "any", "some"}]
    ends = [s for s in _LEVEL_SUFFIXES if tuple(t.norm for t in rest[-len(s) :]) == s]
    if not prefix and ends and words[:2] == ["what", "is"]:  # "what's the coke level"
        rest = [t for t in rest if t.norm not in {"what", "is", "the"}]
    elif not prefix and not ends:
        return None
    if words[0] in _WH:  # "how many cokes did we sell": a question, but not this one
        return _level_of(rest, text) or ParsedMessage("unknown")
    if _has_quantity(words) or len(rest) > MAX_PRODUCT_WORDS:
        return None  # "we have 40 cokes" is a count, "5 cokes left" too
    return _level_of(rest, text)


def _level_of(tokens: list[Token], text: str) -> ParsedMessage | None:
    """A level query about the product these tokens name, or None if they name none."""
    tokens = [t for t in tokens if t.norm not in _LEVEL_NOISE and t.norm not in {"?", "!"}]
    lexes = lex(tokens)
    verbs = [lx for lx in lexes if lx.kind == "verb"]
    if any(lx.action != MovementKind.ADJUST and lx.word not in {"got", "get"} for lx in verbs):
        return None  # "how many cokes did we sell": not a level
    words, _ = _product_words(lexes)
    if words and words[0].startswith("מה") and not words[0].startswith(("מהי", "מהו")):
        words[0] = words[0][2:]  # "כמה נשאר מהקולה"
    if not words or len(words) > MAX_PRODUCT_WORDS:
        return None
    product = " ".join(words)
    attributes = tuple(dict.fromkeys(lx.attr for lx in lexes if lx.attr))
    raw = text[tokens[0].start : tokens[-1].end]
    item = ParsedItem(None, None, None, product, attributes, raw)
    return ParsedMessage("query_level", [item], product_text=product)


# -- replies to the clerk's questions ---------------------------------------------------------

_YES = wordset(
    "yes y yeah yea yep yup ya sure ok okay k kk correct right confirm confirmed affirmative "
    "exactly absolutely definitely כן בטח נכון אוקיי אוקי סבבה יאללה בסדר מאשר מאשרת אישור "
    "בדיוק תאשר"
)
_NO = wordset("no n nope nah stop wrong abort negative nevermind לא עזוב טעות")
_YES_NO_PHRASES = dict.fromkeys(phrases("go ahead|do it|that is right|sounds good|please do"), True)
_YES_NO_PHRASES |= dict.fromkeys(phrases("do not|never mind|not really|לא נכון|אל תעשה"), False)
_REPLY_NOISE = wordset(
    "the one ones i mean meant it is was please pls them those these that of its want in with "
    "number option choice # ? ! . , ה- את אלה אלו של זה הם עם מספר אפשרות בבקשה"
)


def parse_reply(text: str) -> ReplyHint:
    """Read an answer to a clarification question: yes/no, a choice ("2", "the second one",
    "השני"), a unit ("boxes", "ארגזים", "units"), container or variant words ("the glass ones",
    "no, cans", "בזכוכית"), a number, or else a product name. Never raises."""
    language = language_of(text[:MAX_CHARS])
    tokens = tokenize(text[:MAX_CHARS])
    if _UNDO & {t.norm for t in tokens}:  # "cancel", "בטל", "undo": never a pick
        return ReplyHint("no", yes=False, language=language)
    yes: bool | None = None
    choice: int | None = None
    rest: list[Token] = []
    k = 0
    while k < len(tokens):
        w = tokens[k].norm
        phrase = next(
            (p for p in _YES_NO_PHRASES if tuple(t.norm for t in tokens[k : k + len(p)]) == p), None
        )
        if phrase is not None:
            yes = _YES_NO_PHRASES[phrase] if yes is None else yes
            k += len(phrase)
            continue
        if w in _YES or w in _NO:
            yes = (w in _YES) if yes is None else yes
        elif (rank := ordinal(w)) is not None:
            choice = rank
        elif w in {"st", "nd", "rd", "th"} and rest and rest[-1].norm.isdigit():
            choice = int(rest.pop().norm)  # "2nd"
        elif w not in _REPLY_NOISE or (w == "one" and len(tokens) == 1):
            rest.append(tokens[k])
        k += 1
    lexes = lex(rest)
    words, _ = _product_words(lexes)
    number = next((lx.value for lx in lexes if lx.kind == "num"), None)
    units = [lx.unit for lx in lexes if lx.kind == "unit"]
    unit = next((u for u in _UNIT_ORDER if u in units), None)
    attributes = tuple(dict.fromkeys(lx.attr for lx in lexes if lx.attr))
    verbs = any(lx.kind == "verb" for lx in lexes)
    if choice is None and number is not None and not (words or units or attributes or verbs):
        choice = int(number) if number == int(number) and 1 <= number <= 20 else None
    product = " ".join(words) if words else None
    found: list[tuple[ReplyKind, object]] = [
        ("choice", choice is not None),
        ("product", product),
        ("attribute", attributes),
        ("unit", unit),
        ("number", number is not None),
        ("yes", yes is True),
        ("no", yes is False),
    ]
    kind: ReplyKind = next((k for k, present in found if present), "unknown")
    return ReplyHint(kind, yes, choice, number, unit, attributes, product, language)
