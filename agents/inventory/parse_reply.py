"""Answers to the clerk's clarification questions: ``parse_reply`` (pure, English and Hebrew)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from agents.inventory.lexicon import (
    MAX_CHARS,
    UNIT_ORDER,
    Language,
    language_of,
    lex,
    phrases,
    product_words,
    wordset,
)
from agents.inventory.numbers import Token, Unit, ordinal, tokenize
from agents.inventory.parse_queries import UNDO

ReplyKind = Literal["choice", "product", "attribute", "unit", "number", "yes", "no", "unknown"]


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
    if UNDO & {t.norm for t in tokens}:  # "cancel", "בטל", "undo": never a pick
        return ReplyHint("no", yes=False, language=language)
    yes, choice, rest = _yes_and_choice(tokens)
    lexes = lex(rest)
    words, _ = product_words(lexes)
    number = next((lx.value for lx in lexes if lx.kind == "num"), None)
    units = [lx.unit for lx in lexes if lx.kind == "unit"]
    unit = next((u for u in UNIT_ORDER if u in units), None)
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


def _yes_and_choice(tokens: list[Token]) -> tuple[bool | None, int | None, list[Token]]:
    """The first yes/no said, an ordinal choice ("the second one", "2nd"), and the other tokens
    (noise words dropped)."""
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
    return yes, choice, rest
