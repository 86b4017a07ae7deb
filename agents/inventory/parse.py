"""The deterministic stock-message parser: the clerk's fast path, pure (no database, no I/O).

``parse_stock_message(text)`` first tries undo and the stock questions (``parse_queries``:
undo, query_expiring, query_low, query_level, or ``unknown`` for another question), then reads
stock updates, in English and Hebrew:

* movement: clauses split on ``,`` ``;`` ``&`` ``+`` ``plus`` ``then`` ``וגם``, on ``and``/``ו``
  before a number or a verb, before a second verb, and between ``3 colas 2 heinekens``. A clause
  is ``[verb] quantity [unit] [of] product [attributes] [verb | in | out | left]`` in any order
  (``3 bottles of wine broke``, ``coke cans: took 5``, ``5 coke out``, ``לקחתי 3 קולה קטן``). A
  clause without a verb takes the previous clause's action, else the next one's (``3 colas and
  2 heinekens broke``); ``heineken -3`` alone is OUT 3, ``coke +5`` IN 5. Words after ``from``,
  ``for``, ``to``, ``in`` (``מהמקרר``, ``לבר``, ``לחדר 204``) are not part of the product, nor
  are words before the verb when a quantity and a product follow it: they are its subject
  (``the guests in 204 drank two heinekens``). ``2 of corona`` after ``3 cases of heineken``
  takes that unit (and container). An item needs a quantity, or a unit/container word and a
  product (``took some cans of coke``: the clerk asks how many); without a verb it needs a
  quantity and a product on one side of it (``coke 3``). ``we have`` (or another ADJUST verb)
  right before a verb is an auxiliary (``we have sold 4 cokes`` is OUT); a verb between the
  quantity and the product describes it when its sentence has another verb (``2 opened bottles of
  wine expired`` is WASTE).

Anything else, a question we do not answer here (``how many cokes did we sell``), an empty text
or one longer than ``MAX_CHARS`` is ``unknown``: the model's turn. ``parse_reply`` (from
``parse_reply``, re-exported here) reads an answer to one of the clerk's questions.

The layers, each importing only those before it: ``numbers`` (tokens, quantities, units),
``lexicon`` (words, typo tolerance, the lexer), ``parse_queries``, ``parse_reply``, this module.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal
from itertools import pairwise, takewhile
from typing import Literal

from agents.inventory.lexicon import (
    MAX_CHARS,
    MAX_PRODUCT_WORDS,
    UNIT_ORDER,
    Language,
    Lex,
    language_of,
    lex,
    product_words,
)
from agents.inventory.numbers import Token, Unit, tokenize
from agents.inventory.parse_queries import Query, read_query
from agents.inventory.parse_reply import ReplyHint, ReplyKind, parse_reply
from domain.inventory import MovementKind

__all__ = [
    "MAX_CHARS",
    "MAX_PRODUCT_WORDS",
    "Intent",
    "Language",
    "ParsedItem",
    "ParsedMessage",
    "ReplyHint",
    "ReplyKind",
    "clauses",
    "language_of",
    "movement",
    "parse_reply",
    "parse_stock_message",
]

Intent = Literal["movement", "query_level", "query_low", "query_expiring", "undo", "unknown"]

_CONTAINERS = {"can": "can", "carton": "carton", "keg": "keg", "jar": "jar"}
_BOTTLES = {"glass": "glass_bottle", "plastic": "plastic_bottle"}
_CONTAINER_WORDS = frozenset({*_CONTAINERS, *_BOTTLES, "bottle"})
_NOT_ELIDED = frozenset({"couple", "pair", "dozen", "half", "זוג", "תריסר", "חצי"})


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
        return containers_of(self.attributes)


def containers_of(attributes: tuple[str, ...]) -> frozenset[str]:
    """The ``ContainerType`` values container attributes allow: "glass" -> glass_bottle,
    "bottle" -> either bottle (empty: any container)."""
    found = {_CONTAINERS[a] for a in attributes if a in _CONTAINERS}
    found |= {_BOTTLES[a] for a in attributes if a in _BOTTLES}
    if "bottle" in attributes and not found & set(_BOTTLES.values()):
        found |= set(_BOTTLES.values())
    return frozenset(found)


def is_container_word(attribute: str) -> bool:
    return attribute in _CONTAINER_WORDS


@dataclass(frozen=True, slots=True)
class ParsedMessage:
    intent: Intent
    items: list[ParsedItem] = field(default_factory=list)
    language: Language = "en"
    product_text: str | None = None  # query_level; its single item carries the attributes
    days: int | None = None  # query_expiring


def parse_stock_message(text: str) -> ParsedMessage:
    """Understand a staff message about stock, or answer ``unknown`` (never raises)."""
    language = language_of(text[:MAX_CHARS])
    if not text.strip() or len(text) > MAX_CHARS:
        return ParsedMessage("unknown", language=language)
    tokens = tokenize(text)
    if not tokens:
        return ParsedMessage("unknown", language=language)
    query = read_query(tokens, text)
    if query is not None:
        return _message(query, language)
    items = movement(tokens, text)
    return ParsedMessage("movement" if items else "unknown", items, language)


def _message(query: Query, language: Language) -> ParsedMessage:
    if query.intent != "query_level":
        return ParsedMessage(query.intent, language=language, days=query.days)
    product = query.product_text or ""
    item = ParsedItem(None, None, None, product, query.attributes, query.raw)
    return ParsedMessage("query_level", [item], language, product_text=product)


# -- movements --------------------------------------------------------------------------------


def clauses(lexes: list[Lex]) -> list[list[Lex]]:
    """Split a message into one clause per item (see the module docstring)."""
    _adjectives(lexes)
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
        last = next((x for x in reversed(result[-1]) if x.kind != "filler"), None)
        if lx.kind == "verb" and last is not None and last.action == MovementKind.ADJUST:
            last.kind = "filler"  # "we have sold 4 cokes", "update: took 3": not a count
        has = {x.kind for x in result[-1]}
        if lx.kind == "verb" and "verb" in has and has & {"num", "word"}:
            result.append([])
        result[-1].append(lx)
    return [part for clause in result if clause for part in _split_runs(_drop_subject(clause))]


def _adjectives(lexes: list[Lex]) -> None:
    """A verb between a quantity and a product describes the product when another verb is in its
    sentence (up to a separator): ``2 opened bottles of wine expired``, ``took 2 opened bottles``.
    Alone it is the verb: ``2 broken glasses``."""
    content = [lx for lx in lexes if lx.kind != "filler"]
    seps = [k for k, lx in enumerate(content) if lx.kind == "sep"]
    for start, end in pairwise([-1, *seps, len(content)]):
        sentence = content[start + 1 : end]
        if sum(lx.kind == "verb" for lx in sentence) < 2:
            continue
        for k in range(1, len(sentence) - 1):
            before, lx, after = sentence[k - 1 : k + 2]
            if (
                lx.kind == "verb"
                and before.kind == "num"
                and after.kind in {"unit", "word", "attr"}
            ):
                lx.kind = "filler"


def _drop_subject(clause: list[Lex]) -> list[Lex]:
    """``the guests in 204 drank two heinekens``, ``האורחים בחדר 204 שתו 2 היינקן``: the words
    before the verb are its subject when a quantity (or a unit word) and then a product word follow
    it; after a quantity (``a guest broke 2 glasses``) only a quantity will do. ``coke cans: took
    5`` and ``2 opened bottles of wine`` keep them."""
    verb = next((k for k, lx in enumerate(clause) if lx.kind == "verb"), 0)
    first = next((lx for lx in clause[:verb] if lx.kind != "filler"), None)
    if first is None:
        return clause
    counted = first.kind in {"num", "size", "boxsize", "unit", "half"}
    amounts = {"num"} if counted else {"num", "unit"}
    kinds = [lx.kind for lx in takewhile(lambda lx: lx.kind != "stop", clause[verb + 1 :])]
    amount = next((k for k, kind in enumerate(kinds) if kind in amounts), None)
    if amount is None or "word" not in kinds[amount:]:
        return clause
    return clause[verb:]


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


@dataclass(slots=True)
class _Draft:
    item: ParsedItem
    signed: bool  # "+5", "-3"
    both_sides: bool  # "room 204 needs towels": not a verbless stock update
    elided: bool  # "2 of corona": the unit of the item before


def _draft(clause: list[Lex], text: str) -> _Draft | None:
    content = [lx for lx in clause if lx.kind != "filler"]
    words, both_sides = product_words(clause)
    if not content or len(words) > MAX_PRODUCT_WORDS:
        return None
    action = next((lx.action for lx in clause if lx.kind == "verb"), None)
    nums = [lx for lx in clause if lx.kind == "num"]
    units = [lx for lx in clause if lx.kind == "unit"]
    quantity = nums[0].value if nums else next((u.value for u in units if u.value), None)
    if any(lx.kind == "half" for lx in clause):
        quantity = (quantity or Decimal(1)) + Decimal("0.5")  # "a case and a half", "קילו וחצי"
    unit = next((u for u in UNIT_ORDER if u in {lx.unit for lx in units}), None)
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
    return _Draft(item, bool(nums) and nums[0].signed, both_sides, _elided(clause, text))


def _elided(clause: list[Lex], text: str) -> bool:
    """``2 of corona``: a quantity, ``of``, and no unit word (but ``a couple of limes`` is 2)."""
    if any(lx.kind == "unit" for lx in clause):
        return False
    k = next((k for k, lx in enumerate(clause) if lx.kind == "num"), len(clause))
    if k + 2 >= len(clause) or clause[k + 1].word not in {"of", "של"}:
        return False
    number = text[clause[k].start : clause[k].end].casefold().split()
    return number[-1] not in _NOT_ELIDED and clause[k + 2].kind in {"word", "attr", "filler"}


def movement(tokens: list[Token], text: str) -> list[ParsedItem]:
    """The stock updates in a message, with actions carried between clauses."""
    drafts = [d for c in clauses(lex(tokens)) if (d := _draft(c, text)) is not None]
    for order in (drafts, drafts[::-1]):  # forwards first, then backwards for trailing verbs
        carried: ParsedItem | None = None
        for d in order:
            if d.item.action is None and carried is not None:
                d.item = replace(d.item, action=carried.action, absolute=carried.absolute)
            carried = d.item if d.item.action is not None else carried
    for before, d in pairwise(drafts):  # "3 cases of heineken, 2 of corona": cases of corona
        if d.elided and before.item.unit is not None:
            kept = (a for a in before.item.attributes if a in _CONTAINER_WORDS)
            attributes = tuple(dict.fromkeys([*kept, *d.item.attributes]))
            d.item = replace(d.item, unit=before.item.unit, attributes=attributes)
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
