"""The parser's questions, undo, unknown input and replies to clarification questions
(agents.inventory.parse_queries and parse_reply): pure, no services needed."""

from __future__ import annotations

from decimal import Decimal

import pytest

from agents.inventory.numbers import ordinal
from agents.inventory.parse import (
    MAX_CHARS,
    ParsedMessage,
    parse_reply,
    parse_stock_message,
)
from agents.inventory.parse_queries import horizon_days
from domain.inventory import MovementKind

OUT, IN, WASTE, ADJUST = (
    MovementKind.OUT,
    MovementKind.IN,
    MovementKind.WASTE,
    MovementKind.ADJUST,
)
D = Decimal


# -- queries and undo ---------------------------------------------------------------------------

LEVEL = [
    ("how many cokes left", "coke"),
    ("how many cokes r left", "coke"),  # texting shorthand
    ("r there any cokes left", "coke"),
    ("how many small colas do we have?", "small cola"),
    ("how much milk is left", "milk"),
    ("how many heinekens in stock?", "heineken"),
    ("do we have heineken?", "heineken"),
    ("any coke left?", "coke"),
    ("coke left?", "coke"),
    ("what's the coke level", "coke"),
    ("stock of tomatoes", "tomato"),
    ("are we low on coke?", "coke"),
    ("is coke running low?", "coke"),
    ("כמה קולה נשאר", "קולה"),
    ("כמה קולה נשארו?", "קולה"),
    ("כמה נשאר מהקולה", "קולה"),
    ("כמה היינקן יש לנו", "היינקן"),
    ("יש היינקן?", "היינקן"),
    ("מה המלאי של קולה", "קולה"),
]


@pytest.mark.parametrize(("text", "product"), LEVEL)
def test_level_queries(text: str, product: str) -> None:
    message = parse_stock_message(text)
    assert (message.intent, message.product_text) == ("query_level", product)
    assert message.items[0].product_text == product
    assert message.items[0].action is None


def test_level_query_keeps_attributes() -> None:
    message = parse_stock_message("how many coke cans left?")
    assert message.items[0].attributes == ("can",)
    assert message.product_text == "coke"


LOW = [
    "what's running low",
    "what is low?",
    "low stock",
    "anything out of stock?",
    "what do we need to order",
    "what's missing",
    "are we running low",
    "מה חסר",
    "מה נגמר",
    "מה עומד להיגמר?",
    "מלאי נמוך",
]


@pytest.mark.parametrize("text", LOW)
def test_low_queries(text: str) -> None:
    assert parse_stock_message(text).intent == "query_low"


EXPIRING = [
    ("what expires this week", 7),
    ("what's expiring soon", 7),
    ("anything expiring today?", 0),
    ("what expires tomorrow", 1),
    ("what's expiring in the next 3 days", 3),
    ("what expires within two weeks?", 14),
    ("expiring next week", 14),
    ("what has expired?", 0),
    ("מה פג תוקף השבוע", 7),
    ("מה פג תוקף היום", 0),
    ("מה יפוג מחר", 1),
    ("מה עומד לפוג בשלושת הימים הקרובים", 3),
    ("מה יפוג תוך 5 ימים?", 5),
]


@pytest.mark.parametrize(("text", "days"), EXPIRING)
def test_expiring_queries(text: str, days: int) -> None:
    message = parse_stock_message(text)
    assert (message.intent, message.days) == ("query_expiring", days)


def test_horizon_days_defaults() -> None:
    assert horizon_days(["anything", "expiring"]) == 7
    assert horizon_days(["the", "next", "couple", "of", "days"]) == 2
    assert horizon_days(["the", "day", "after", "tomorrow"]) == 2


UNDO = ["undo", "undo that", "Undo!", "cancel the last one", "undo the last entry", "בטל"]
UNDO += ["תבטל את האחרון", "בטל את זה"]


@pytest.mark.parametrize("text", UNDO)
def test_undo(text: str) -> None:
    assert parse_stock_message(text).intent == "undo"


@pytest.mark.parametrize("text", ["cancel the order for table 4", "cancel", "ביטול"])
def test_not_undo(text: str) -> None:
    """Undo needs nothing else; a bare "cancel" answers a question, it does not undo."""
    assert parse_stock_message(text).intent == "unknown"


# -- unknown ------------------------------------------------------------------------------------

UNKNOWN = [
    "",
    "   ",
    "hello",
    "what's the wifi password",
    "thanks!",
    "good morning",
    "שלום",
    "מה שלומך?",
    "?!?",
    "....",
]


@pytest.mark.parametrize("text", UNKNOWN)
def test_unknown(text: str) -> None:
    message = parse_stock_message(text)
    assert message == ParsedMessage("unknown", language=message.language)


def test_huge_input_is_unknown() -> None:
    junk = ("lorem ipsum took 3 cokes dolor " * 400)[:10_000]
    assert len(junk) == 10_000 > MAX_CHARS
    message = parse_stock_message(junk)
    assert message.intent == "unknown" and message.items == []
    assert parse_reply(junk).kind in {"product", "number", "choice", "unknown"}


def test_long_but_allowed_input_parses_sanely() -> None:
    text = ", ".join(["took 3 cokes"] * 30)[:MAX_CHARS]
    message = parse_stock_message(text)
    assert message.intent == "movement"
    assert all(i.action == OUT and i.quantity == D(3) for i in message.items)


# -- replies to clarification questions ---------------------------------------------------------

REPLIES: list[tuple[str, dict[str, object]]] = [
    ("yes", {"kind": "yes", "yes": True}),
    ("y", {"kind": "yes", "yes": True}),
    ("yeah sure", {"kind": "yes", "yes": True}),
    ("ok", {"kind": "yes", "yes": True}),
    ("correct", {"kind": "yes", "yes": True}),
    ("go ahead", {"kind": "yes", "yes": True}),
    ("כן", {"kind": "yes", "yes": True, "language": "he"}),
    ("בטח", {"kind": "yes", "yes": True}),
    ("נכון", {"kind": "yes", "yes": True}),
    ("אוקיי", {"kind": "yes", "yes": True}),
    ("no", {"kind": "no", "yes": False}),
    ("n", {"kind": "no", "yes": False}),
    ("nope", {"kind": "no", "yes": False}),
    ("cancel", {"kind": "no", "yes": False}),
    ("don't", {"kind": "no", "yes": False}),
    ("לא", {"kind": "no", "yes": False}),
    ("עזוב", {"kind": "no", "yes": False}),
    ("בטל", {"kind": "no", "yes": False}),
    ("boxes", {"kind": "unit", "unit": "box"}),
    ("cases", {"kind": "unit", "unit": "box"}),
    ("units", {"kind": "unit", "unit": "unit"}),
    ("bottles", {"unit": "unit", "attributes": ("bottle",)}),
    ("ארגזים", {"kind": "unit", "unit": "box"}),
    ("קרטונים", {"kind": "unit", "unit": "box"}),
    ("יחידות", {"kind": "unit", "unit": "unit"}),
    ("בקבוקים", {"unit": "unit", "attributes": ("bottle",)}),
    ("yes, boxes", {"kind": "unit", "unit": "box", "yes": True}),
    ("2", {"kind": "choice", "choice": 2, "number": D(2)}),
    ("the second one", {"kind": "choice", "choice": 2}),
    ("2nd", {"kind": "choice", "choice": 2}),
    ("first", {"kind": "choice", "choice": 1}),
    ("the last one", {"kind": "choice", "choice": -1}),
    ("השני", {"kind": "choice", "choice": 2}),
    ("השנייה", {"kind": "choice", "choice": 2}),
    ("glass", {"kind": "attribute", "attributes": ("glass",)}),
    ("the glass ones", {"kind": "attribute", "attributes": ("glass",)}),
    ("no, the glass ones", {"kind": "attribute", "attributes": ("glass",), "yes": False}),
    ("cans", {"kind": "attribute", "attributes": ("can",), "unit": "unit"}),
    ("plastic", {"kind": "attribute", "attributes": ("plastic",)}),
    ("בזכוכית", {"kind": "attribute", "attributes": ("glass",)}),
    ("פחיות", {"kind": "attribute", "attributes": ("can",)}),
    ("5 boxes", {"kind": "unit", "unit": "box", "number": D(5), "choice": None}),
    ("coke zero", {"kind": "product", "product_text": "coke zero", "attributes": ("zero",)}),
    ("no, I meant sprite", {"kind": "product", "product_text": "sprite", "yes": False}),
    ("", {"kind": "unknown"}),
    ("undo", {"kind": "no", "yes": False}),
    ("cancel the last one", {"kind": "no", "yes": False, "choice": None}),
    ("no, took 5", {"yes": False, "choice": None, "number": D(5)}),
]


@pytest.mark.parametrize(("text", "expected"), REPLIES)
def test_replies(text: str, expected: dict[str, object]) -> None:
    hint = parse_reply(text)
    assert {key: getattr(hint, key) for key in expected} == expected


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("2", "unknown"),
        ("the second one", "unknown"),
        ("5 boxes", "unknown"),
        ("no, the glass ones", "unknown"),
        ("לא, בפחיות", "unknown"),
        ("yes", "unknown"),
        ("no, took 5", "movement"),
    ],
)
def test_replies_are_not_new_messages(text: str, intent: str) -> None:
    """The clerk tells an answer from a new request with ``parse_stock_message``."""
    assert parse_stock_message(text).intent == intent


def test_ordinals() -> None:
    assert [ordinal(w) for w in ["third", "השלישי", "ראשונה", "האחרון", "coke"]] == [
        3,
        3,
        1,
        -1,
        None,
    ]
