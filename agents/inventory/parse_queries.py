"""Undo and stock questions: the parts of ``parse_stock_message`` that are not stock updates.

``read_query(tokens, text)`` tries, in English and Hebrew, in this order:

* undo: an undo word (``undo``, ``cancel``, ``revert``, ``בטל``, ``תבטל``) and nothing else but
  words like ``that``, ``the last one``, ``את האחרון``;
* query_expiring: an expiry word (``expiring``, ``expires``, ``פג תוקף``, ``יפוג``) in a question,
  with a horizon in days (``horizon_days``: today 0, tomorrow 1, this week 7, default 7);
* query_low: ``what's running low``, ``low stock``, ``what do we need to order``, ``מה חסר``,
  ``מה נגמר``; but ``are we low on X`` / ``חסר X?`` is a level query about X;
* query_level: ``how many/much X [left|do we have|in stock]``, ``do we have X``, ``any X left``,
  ``X left?``, ``stock of X``, ``כמה X נשאר/יש``, ``כמה נשאר מה-X``, ``יש X?``, ``מה המלאי של X``;
* unknown: any other question (``how many cokes did we sell``): the model's turn.

It answers ``None`` for anything else: the message may be a stock update.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from agents.inventory.lexicon import (
    MAX_PRODUCT_WORDS,
    language_of,
    lex,
    phrases,
    product_words,
    wordset,
)
from agents.inventory.numbers import Token, read_number
from domain.inventory import MovementKind

QueryIntent = Literal["query_level", "query_low", "query_expiring", "undo", "unknown"]


@dataclass(frozen=True, slots=True)
class Query:
    intent: QueryIntent
    product_text: str | None = None  # query_level
    attributes: tuple[str, ...] = ()  # query_level: "coke cans" -> ("can",)
    raw: str = ""  # query_level: the span naming the product
    days: int | None = None  # query_expiring


WH = wordset("how what which why when where who כמה מה איזה למה מתי איפה מי")
_QUESTION = wordset(
    "what which anything any show list tell is are does do whats מה איזה אילו האם תראה תגיד רשימת"
)
# "undo" and "בטל" undo alone; "cancel" and "ביטול" also answer "no" to a question, so they undo
# only with an object: "cancel that", "cancel the last one", "ביטול של האחרון".
_UNDO_ALONE = wordset("undo revert rollback בטל תבטל בטלי תבטלי")
UNDO = _UNDO_ALONE | wordset("cancel reverse לבטל ביטול")
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


def read_query(tokens: list[Token], text: str) -> Query | None:
    """Undo or a question about stock (see the module docstring), or None: not one."""
    words = [t.norm for t in tokens]
    if not words:
        return None
    if is_undo(words):
        return Query("undo")
    days = _expiring(words)
    if days is not None:
        return Query("query_expiring", days=days)
    query = _low(words, tokens, text) or _level(words, tokens, text)
    if query is None and words[0] in WH:
        return Query("unknown")  # a question the model should read
    return query


def is_undo(words: list[str]) -> bool:
    if not all(w in UNDO or w in _UNDO_REST for w in words):
        return False
    return bool(_UNDO_ALONE & set(words)) or bool(UNDO & set(words) and _UNDO_OBJECT & set(words))


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


def _low(words: list[str], tokens: list[Token], text: str) -> Query | None:
    if _has_quantity(words):
        return None
    if language_of(text) == "he":
        if not _LOW_HE & set(words):
            return None
        rest = [t for t in tokens if t.norm not in _LOW_HE | _QUESTION | _NOT_A_PRODUCT]
        if words[0] in _QUESTION or not rest or "מלאי" in words:
            return Query("query_low")
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
        return Query("query_low")  # "what's running low", "low stock", "reorder list"
    return None


def _level(words: list[str], tokens: list[Token], text: str) -> Query | None:
    prefix = next((p for p in _LEVEL_PREFIXES if tuple(words[: len(p)]) == p), ())
    rest = [t for t in tokens[len(prefix) :] if t.norm not in {"?", "any", "some"}]
    ends = [s for s in _LEVEL_SUFFIXES if tuple(t.norm for t in rest[-len(s) :]) == s]
    if not prefix and ends and words[:2] == ["what", "is"]:  # "what's the coke level"
        rest = [t for t in rest if t.norm not in {"what", "is", "the"}]
    elif not prefix and not ends:
        return None
    if words[0] in WH:  # "how many cokes did we sell": a question, but not this one
        return _level_of(rest, text) or Query("unknown")
    if _has_quantity(words) or len(rest) > MAX_PRODUCT_WORDS:
        return None  # "we have 40 cokes" is a count, "5 cokes left" too
    return _level_of(rest, text)


def _level_of(tokens: list[Token], text: str) -> Query | None:
    """A level query about the product these tokens name, or None if they name none."""
    tokens = [t for t in tokens if t.norm not in _LEVEL_NOISE and t.norm not in {"?", "!"}]
    lexes = lex(tokens)
    verbs = [lx for lx in lexes if lx.kind == "verb"]
    if any(lx.action != MovementKind.ADJUST and lx.word not in {"got", "get"} for lx in verbs):
        return None  # "how many cokes did we sell": not a level
    words, _ = product_words(lexes)
    if words and words[0].startswith("מה") and not words[0].startswith(("מהי", "מהו")):
        words[0] = words[0][2:]  # "כמה נשאר מהקולה"
    if not words or len(words) > MAX_PRODUCT_WORDS:
        return None
    attributes = tuple(dict.fromkeys(lx.attr for lx in lexes if lx.attr))
    raw = text[tokens[0].start : tokens[-1].end]
    return Query("query_level", " ".join(words), attributes, raw)


# -- expiry horizons ---------------------------------------------------------------------------


def _at(words: Sequence[str], i: int) -> str:
    return words[i] if 0 <= i < len(words) else ""


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
