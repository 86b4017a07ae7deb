"""The deterministic stock-message parser (agents.inventory.parse): pure, no services needed."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from agents.inventory.numbers import read_number
from agents.inventory.parse import (
    ParsedItem,
    parse_stock_message,
)
from domain.inventory import MovementKind

OUT, IN, WASTE, ADJUST = (
    MovementKind.OUT,
    MovementKind.IN,
    MovementKind.WASTE,
    MovementKind.ADJUST,
)
D = Decimal


def one(text: str) -> ParsedItem:
    """The single stock update ``text`` must parse to."""
    message = parse_stock_message(text)
    assert message.intent == "movement", message
    assert len(message.items) == 1, message.items
    return message.items[0]


def shape(item: ParsedItem) -> tuple[MovementKind | None, Decimal | None, str | None, str]:
    return item.action, item.quantity, item.unit, item.product_text


# -- verbs, both languages ----------------------------------------------------------------------

VERBS = [
    # English OUT
    ("took 3 small colas", OUT, D(3), None, "small cola"),
    ("take 2 heinekens", OUT, D(2), None, "heineken"),
    ("used 3 kg of flour", OUT, D(3), "kg", "flour"),
    ("we sold 4 heinekens", OUT, D(4), None, "heineken"),
    ("gave 2 cokes to table 5", OUT, D(2), None, "coke"),
    ("served 3 proseccos", OUT, D(3), None, "prosecco"),
    ("removed 4 eggs", OUT, D(4), None, "egg"),
    ("pulled 2 bottles of gin", OUT, D(2), "unit", "gin"),
    ("took out 3 limes", OUT, D(3), None, "lime"),
    # English IN
    ("received 2 cases of Coke cans", IN, D(2), "box", "coke"),
    ("got 3 cases of sprite", IN, D(3), "box", "sprite"),
    ("delivered 5 boxes of tomatoes", IN, D(5), "box", "tomato"),
    ("3 cases of coke arrived", IN, D(3), "box", "coke"),
    ("bought 10 kg potatoes", IN, D(10), "kg", "potato"),
    ("restocked 24 cans of coke", IN, D(24), "unit", "coke"),
    ("added 6 bottles of gin", IN, D(6), "unit", "gin"),
    ("4 kegs came in", IN, D(4), "unit", ""),
    # English WASTE
    ("3 bottles of wine broke", WASTE, D(3), "unit", "wine"),
    ("2 glasses broken", WASTE, D(2), None, "glass"),
    ("spilled 2 bottles of wine", WASTE, D(2), "unit", "wine"),
    ("3 yogurts expired", WASTE, D(3), None, "yogurt"),
    ("damaged 3 cans of tuna", WASTE, D(3), "unit", "tuna"),
    ("dropped a tray of eggs", WASTE, D(1), "box", "egg"),
    ("threw away 4 eggs", WASTE, D(4), None, "egg"),
    ("2 milks went bad", WASTE, D(2), None, "milk"),
    ("3 limes spoiled", WASTE, D(3), None, "lime"),
    # English ADJUST (absolute counts)
    ("counted 40 coke cans", ADJUST, D(40), "unit", "coke"),
    ("set heineken to 30", ADJUST, D(30), None, "heineken"),
    ("there are 12 eggs", ADJUST, D(12), None, "egg"),
    ("we have 40 cokes", ADJUST, D(40), None, "coke"),
    ("only 5 heinekens left", ADJUST, D(5), None, "heineken"),
    ("set heineken to zero", ADJUST, D(0), None, "heineken"),
    # Hebrew OUT
    ("לקחתי 3 קולה קטן", OUT, D(3), None, "קולה קטן"),
    ("לקחנו 2 היינקן", OUT, D(2), None, "היינקן"),
    ("לקח 4 ספרייט", OUT, D(4), None, "ספרייט"),
    ("השתמשתי ב-2 ליטר חלב", OUT, D(2), "l", "חלב"),
    ("מכרתי 3 בירות", OUT, D(3), None, "בירות"),
    ("מכרנו 5 היינקן", OUT, D(5), None, "היינקן"),
    ("הוצאתי 3 בקבוקי וודקה מהמחסן", OUT, D(3), "unit", "וודקה"),
    ("יצא 1 קולה", OUT, D(1), None, "קולה"),
    ("יצאו 4 קולה", OUT, D(4), None, "קולה"),
    # Hebrew IN
    ("קיבלתי 2 ארגזים של קולה", IN, D(2), "box", "קולה"),
    ("קיבלנו שלושה ארגזים של קולה", IN, D(3), "box", "קולה"),
    ("הגיע ארגז עגבניות", IN, D(1), "box", "עגבניות"),  # a singular unit word is one
    ("הגיעו 3 ארגזים של ביצים", IN, D(3), "box", "ביצים"),
    ("נכנס 1 קרטון חלב", IN, D(1), "box", "חלב"),
    ("נכנסו 2 קרטונים חלב", IN, D(2), "box", "חלב"),
    ("הוספתי 5 קילו עגבניות", IN, D(5), "kg", "עגבניות"),
    # Hebrew WASTE
    ("נשבר בקבוק יין", WASTE, D(1), "unit", "יין"),
    ("נשברו 3 בקבוקי יין", WASTE, D(3), "unit", "יין"),
    ("נשפך 1 חלב", WASTE, D(1), None, "חלב"),
    ("נשפכו 2 בקבוקי יין", WASTE, D(2), "unit", "יין"),
    ("פג תוקף ל-3 יוגורטים", WASTE, D(3), None, "יוגורטים"),
    ("זרקתי 4 ביצים", WASTE, D(4), None, "ביצים"),
    ("התקלקל 2 חלב", WASTE, D(2), None, "חלב"),
    # Hebrew ADJUST
    ("ספרתי 40 קולה", ADJUST, D(40), None, "קולה"),
    ("יש לנו 40 קולה", ADJUST, D(40), None, "קולה"),
    ("נשארו 5 קולה", ADJUST, D(5), None, "קולה"),
    ("עדכן היינקן ל-30", ADJUST, D(30), None, "היינקן"),
]


@pytest.mark.parametrize(("text", "action", "quantity", "unit", "product"), VERBS)
def test_verbs(
    text: str, action: MovementKind, quantity: Decimal | None, unit: str | None, product: str
) -> None:
    item = one(text)
    assert shape(item) == (action, quantity, unit, product)
    assert item.absolute is (action == ADJUST)


def test_language_and_raw_span() -> None:
    message = parse_stock_message("לקחתי 3 קולה קטן")
    assert message.language == "he"
    assert message.items[0].raw == "לקחתי 3 קולה קטן"
    assert parse_stock_message("took 3 small colas").language == "en"


# -- quantities ---------------------------------------------------------------------------------

QUANTITIES = [
    ("took three cokes", D(3)),
    ("took twelve cokes", D(12)),
    ("took twenty cokes", D(20)),
    ("took twenty-five limes", D(25)),
    ("took twenty five limes", D(25)),
    ("received forty cokes", D(40)),
    ("received fifty cokes", D(50)),
    ("received a hundred cokes", D(100)),
    ("received one hundred and twenty cokes", D(120)),
    ("took a coke", D(1)),
    ("took an apple", D(1)),
    ("took a couple of sprites", D(2)),
    ("received a dozen eggs", D(12)),
    ("received dozen eggs", D(12)),
    ("received two dozen eggs", D(24)),
    ("received half a dozen eggs", D(6)),
    ("took half a lemon", D("0.5")),
    ("took one and a half kilos of cheese", D("1.5")),
    ("took 2.5 kg of cheese", D("2.5")),
    ("received 1,000 g flour", D(1000)),
    ("took -3 colas", D(-3)),
    ("לקחתי אחת קולה", D(1)),
    ("לקחתי קולה אחת", D(1)),
    ("לקחתי שתיים קולה", D(2)),
    ("לקחתי שתי קולה", D(2)),
    ("לקחתי שני היינקן", D(2)),
    ("לקחתי שלוש קולה", D(3)),
    ("לקחתי שלושה היינקן", D(3)),
    ("לקחתי ארבע קולה", D(4)),
    ("לקחתי חמישה היינקן", D(5)),
    ("לקחתי שש קולה", D(6)),
    ("לקחתי שבעה היינקן", D(7)),
    ("לקחתי שמונה קולה", D(8)),
    ("לקחתי תשע קולה", D(9)),
    ("לקחתי עשר קולה", D(10)),
    ("לקחתי שלוש עשרה קולה", D(13)),
    ("לקחתי עשרים קולה", D(20)),
    ("לקחתי עשרים ושלוש פחיות קולה", D(23)),
    ("קיבלנו תריסר ביצים", D(12)),
    ("קיבלנו חצי תריסר ביצים", D(6)),
    ("לקחתי חצי לימון", D("0.5")),
    ("קיבלתי קילו וחצי עגבניות", D("1.5")),
    ("קיבלתי 2 וחצי קילו עגבניות", D("2.5")),
]


@pytest.mark.parametrize(("text", "quantity"), QUANTITIES)
def test_quantities(text: str, quantity: Decimal) -> None:
    assert one(text).quantity == quantity


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("seventy seven", (D(77), 2)),
        ("a few", None),
        ("half a case", (D("0.5"), 2)),
        ("a couple of", (D(2), 2)),
        ("three hundred", (D(300), 2)),
        ("a thousand", (D(1000), 2)),
        ("מאה ו עשרים", (D(120), 3)),
        ("שלוש מאות", (D(300), 2)),
        ("מאתיים", (D(200), 1)),
        ("אלף", (D(1000), 1)),
        ("זוג", (D(2), 1)),
        ("100 and 2", (D(100), 1)),
        ("coke", None),
    ],
)
def test_read_number(words: str, expected: tuple[Decimal, int] | None) -> None:
    assert read_number(words.split(), 0) == expected


def test_half_a_case_is_half_a_box() -> None:
    item = one("half a case of beer received")
    assert shape(item) == (IN, D("0.5"), "box", "beer")
    assert one("took a case and a half of coke").quantity == D("1.5")


# -- units, sizes, attributes -------------------------------------------------------------------

UNITS = [
    ("took 3 colas", None),
    ("took 3 units of cola", "unit"),
    ("took 3 pieces of cake", "unit"),
    ("took 3 bottles of wine", "unit"),
    ("took 3 cans of coke", "unit"),
    ("took 3 cartons of milk", "unit"),
    ("received 2 boxes of eggs", "box"),
    ("received 2 cases of beer", "box"),
    ("received 2 crates of beer", "box"),
    ("received 2 trays of eggs", "box"),
    ("received 2 packs of gum", "box"),
    ("received 2 cases of coke cans", "box"),
    ("received 10 kg tomatoes", "kg"),
    ("received 10kg tomatoes", "kg"),
    ("received 3 kilos of tomatoes", "kg"),
    ("received 500 g butter", "g"),
    ("received 500 grams of butter", "g"),
    ("received 2 litres of milk", "l"),
    ('קיבלנו 3 ק"ג עגבניות', "kg"),
    ("קיבלנו 3 קילו עגבניות", "kg"),
    ("קיבלנו 500 גרם חמאה", "g"),
    ("קיבלנו 2 ליטר חלב", "l"),
    ("קיבלנו 2 ארגזים קולה", "box"),
    ("קיבלנו 2 קרטונים קולה", "box"),
    ("לקחתי 6 יחידות קולה", "unit"),
    ("לקחתי 6 בקבוקים קולה", "unit"),
    ("לקחתי 6 פחיות קולה", "unit"),
]


@pytest.mark.parametrize(("text", "unit"), UNITS)
def test_units(text: str, unit: str | None) -> None:
    assert one(text).unit == unit


def test_attributes_and_containers() -> None:
    item = one("took 3 glass bottles of coke zero")
    assert item.attributes == ("glass", "bottle", "zero")
    assert item.product_text == "coke zero"  # a variant word may name the product
    assert item.containers == frozenset({"glass_bottle"})
    assert one("took 3 cans of coke").containers == frozenset({"can"})
    bottles = one("took 3 bottles of coke")
    assert bottles.containers == frozenset({"glass_bottle", "plastic_bottle"})
    assert one("took 3 small colas").attributes == ("small",)
    assert one("לקחתי 3 קולה גדולה בזכוכית").attributes == ("large", "glass")
    assert one("לקחתי 2 פחיות קולה דיאט").attributes == ("can", "diet")
    assert one("took 3 plastic bottles of sprite").containers == frozenset({"plastic_bottle"})


def test_sizes_and_box_sizes() -> None:
    item = one("took 3 1.5l cokes")
    assert (item.quantity, item.unit, item.size_value, item.size_unit) == (
        D(3),
        None,
        D("1.5"),
        "l",
    )
    item = one("took 2 330ml cokes")
    assert (item.quantity, item.size_value, item.size_unit) == (D(2), D(330), "ml")
    item = one("received 2 cases of 24 coke cans")
    assert (item.quantity, item.unit, item.box_size, item.product_text) == (D(2), "box", 24, "coke")
    assert one("received two 6-packs of beer").box_size == 6
    assert one("7up 6").product_text == "7up"  # a brand with a digit stays one word


# -- several items, word order, typos -----------------------------------------------------------

MULTI = [
    (
        "took 3 small colas and 2 heinekens",
        [(OUT, D(3), None, "small cola"), (OUT, D(2), None, "heineken")],
    ),
    (
        "received 2 cases of coke and 10 kg tomatoes",
        [(IN, D(2), "box", "coke"), (IN, D(10), "kg", "tomato")],
    ),
    (
        "לקחתי 3 קולה קטן ו-2 היינקן",
        [(OUT, D(3), None, "קולה קטן"), (OUT, D(2), None, "היינקן")],
    ),
    (
        "קיבלנו 2 ארגזי קולה ושלוש היינקן",
        [(IN, D(2), "box", "קולה"), (IN, D(3), None, "היינקן")],
    ),
    (
        "לקחתי 2 קולה, 3 ספרייט וגם 4 היינקן",
        [(OUT, D(2), None, "קולה"), (OUT, D(3), None, "ספרייט"), (OUT, D(4), None, "היינקן")],
    ),
    (
        "took 3 cokes, received 2 heinekens",
        [(OUT, D(3), None, "coke"), (IN, D(2), None, "heineken")],
    ),
    ("took 3 colas & 2 sprites", [(OUT, D(3), None, "cola"), (OUT, D(2), None, "sprite")]),
    ("took 3 colas plus 2 sprites", [(OUT, D(3), None, "cola"), (OUT, D(2), None, "sprite")]),
    ("took 3 colas 2 heinekens", [(OUT, D(3), None, "cola"), (OUT, D(2), None, "heineken")]),
    (
        "3 colas and 2 heinekens broke",
        [(WASTE, D(3), None, "cola"), (WASTE, D(2), None, "heineken")],
    ),
    (
        "took 3 cokes and received 2 cases of beer",
        [(OUT, D(3), None, "coke"), (IN, D(2), "box", "beer")],
    ),
    ("coke 3, sprite 2", [(None, D(3), None, "coke"), (None, D(2), None, "sprite")]),
    ("took 2 salt and vinegar crisps", [(OUT, D(2), None, "salt and vinegar crisp")]),
]


@pytest.mark.parametrize(("text", "expected"), MULTI)
def test_several_items(text: str, expected: list[tuple[object, ...]]) -> None:
    message = parse_stock_message(text)
    assert message.intent == "movement"
    assert [shape(i) for i in message.items] == expected


ORDER_AND_TYPOS = [
    ("coke cans: took 5", (OUT, D(5), "unit", "coke")),
    ("5 coke out", (OUT, D(5), None, "coke")),
    ("2 boxes of eggs in", (IN, D(2), "box", "egg")),
    ("heineken -3", (OUT, D(3), None, "heineken")),
    ("coke +5", (IN, D(5), None, "coke")),
    ("coke x3 taken", (OUT, D(3), None, "coke")),
    ("took 3 colas from the bar fridge", (OUT, D(3), None, "cola")),
    ("לקחתי 3 קולה מהמקרר", (OUT, D(3), None, "קולה")),
    ("recieved 2 cases of coke", (IN, D(2), "box", "coke")),
    ("3 botles of wine brokn", (WASTE, D(3), "unit", "wine")),
    ("received 3 kilso of tomatoes", (IN, D(3), "kg", "tomato")),
    ("delivred 2 crates of beer", (IN, D(2), "box", "beer")),
    ("splled 2 bottles of wine", (WASTE, D(2), "unit", "wine")),
]


@pytest.mark.parametrize(("text", "expected"), ORDER_AND_TYPOS)
def test_word_order_and_typos(text: str, expected: tuple[object, ...]) -> None:
    assert shape(one(text)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("took 2 cakes", (OUT, D(2), None, "cake")),  # not "cases"
        ("took 2 breads", (OUT, D(2), None, "bread")),  # not "break"
        ("took 2 bottled waters", (OUT, D(2), None, "bottled water")),
    ],
)
def test_typo_tolerance_does_not_invent_words(text: str, expected: tuple[object, ...]) -> None:
    assert shape(one(text)) == expected


@pytest.mark.parametrize(
    "text",
    [
        "room 204 needs towels",
        "took",
        "how many cokes did we sell today?",
        "I got the message",
        "the fridge is broken",
        "took the coke",  # no quantity and no stock word: the model asks
        "can you book a table for 4 at 8pm?",
        "cancel the order for table 4",
    ],
)
def test_sentences_that_are_not_updates(text: str) -> None:
    assert parse_stock_message(text).intent == "unknown"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("took some cans of coke", (OUT, None, "unit", "coke")),  # the clerk asks how many
        ("yes took 3 colas thanks", (OUT, D(3), None, "cola")),
        ("we're down to 5 cokes", (ADJUST, D(5), None, "coke")),
        ("לקחתי 3 וודקה", (OUT, D(3), None, "וודקה")),  # a leading ו that is not "and"
        ("לקחתי את הקולה 2", (OUT, D(2), None, "קולה")),  # the article after את
        ("לקחתי 2 את היינקן", (OUT, D(2), None, "היינקן")),  # but a brand keeps its ה
    ],
)
def test_fillers_and_hebrew_prefixes(text: str, expected: tuple[object, ...]) -> None:
    assert shape(one(text)) == expected


def test_hebrew_conjunction_after_a_quantity() -> None:
    message = parse_stock_message("ספרתי קולה 40 וספרייט 30")
    assert [shape(i) for i in message.items] == [
        (ADJUST, D(40), None, "קולה"),
        (ADJUST, D(30), None, "ספרייט"),
    ]


# -- more verbs, subjects, purposes, elided units ----------------------------------------------

MORE_PHRASINGS = [
    # "used up", "drank up": "up" belongs to the verb; "for ..." is a purpose
    ("we used up three coke zeros for the minibar", OUT, D(3), None, "coke zero"),
    ("used up 2 bottles of milk", OUT, D(2), "unit", "milk"),
    ("we've used up 2 kegs of heineken", OUT, D(2), "unit", "heineken"),
    ("finished 3 cokes", OUT, D(3), None, "coke"),
    ("we finished three bottles of wine", OUT, D(3), "unit", "wine"),
    ("drank 2 heinekens", OUT, D(2), None, "heineken"),
    ("we've drunk 4 cokes", OUT, D(4), None, "coke"),
    ("poured 4 proseccos for the wedding", OUT, D(4), None, "prosecco"),
    ("served 3 proseccos for the wedding", OUT, D(3), None, "prosecco"),
    ("opened 2 bottles of wine", OUT, D(2), "unit", "wine"),
    ("gave away 3 cokes", OUT, D(3), None, "coke"),
    ("given away 2 muffins", OUT, D(2), None, "muffin"),
    ("comped 2 heinekens for room 204", OUT, D(2), None, "heineken"),
    ("comp 2 cokes for table 5", OUT, D(2), None, "coke"),
    ("took 3 cokes for the minibar", OUT, D(3), None, "coke"),
    ("took 3 cokes in room 204", OUT, D(3), None, "coke"),  # "in" before a word: a place
    # a subject before the verb is not product text
    ("the guests in 204 drank two heinekens", OUT, D(2), None, "heineken"),
    ("the guests in room 204 drank two heinekens", OUT, D(2), None, "heineken"),
    ("room 204 drank 2 heinekens", OUT, D(2), None, "heineken"),
    ("the kitchen used 2 kg flour", OUT, D(2), "kg", "flour"),
    ("a drunk guest broke 2 glasses", WASTE, D(2), None, "glass"),
    ("in the bar we have 12 cokes", ADJUST, D(12), None, "coke"),
    # "we have" before another verb is an auxiliary, not a count
    ("we have sold 4 cokes", OUT, D(4), None, "coke"),
    ("we have received 3 cases of coke", IN, D(3), "box", "coke"),
    ("update: took 3 cokes", OUT, D(3), None, "coke"),
    # a verb between the quantity and the product describes it if another verb follows
    ("2 opened bottles of wine expired", WASTE, D(2), "unit", "wine"),
    ("took 2 opened bottles of wine", OUT, D(2), "unit", "wine"),
    ("2 broken glasses", WASTE, D(2), None, "glass"),
    ("2 opened bottles of wine", OUT, D(2), "unit", "wine"),  # alone it is the verb
    # Hebrew
    ("שתו 2 היינקן", OUT, D(2), None, "היינקן"),
    ("שתינו 3 קולה", OUT, D(3), None, "קולה"),
    ("הגשנו 2 יין לשולחן 5", OUT, D(2), None, "יין"),
    ("פתחנו 2 בקבוקי יין", OUT, D(2), "unit", "יין"),
    ("הוצאנו 3 בקבוקי יין לחתונה", OUT, D(3), "unit", "יין"),
    ("לקחתי 3 קולה לחדר 204", OUT, D(3), None, "קולה"),
    ("האורחים בחדר 204 שתו 2 היינקן", OUT, D(2), None, "היינקן"),
    ("זרקנו 3 ביצים", WASTE, D(3), None, "ביצים"),
    ("ספרנו 40 קולה", ADJUST, D(40), None, "קולה"),
    ("לקחנו 2 תבניות ביצים", OUT, D(2), "box", "ביצים"),
    ("הגיעה תבנית ביצים", IN, D(1), "box", "ביצים"),
]


@pytest.mark.parametrize(("text", "action", "quantity", "unit", "product"), MORE_PHRASINGS)
def test_more_phrasings(
    text: str, action: MovementKind, quantity: Decimal | None, unit: str | None, product: str
) -> None:
    item = one(text)
    assert shape(item) == (action, quantity, unit, product)
    assert item.absolute is (action == ADJUST)
    assert "up" not in item.product_text.split()


def test_plural_variant_words_are_attributes() -> None:
    assert one("we used up three coke zeros for the minibar").attributes == ("zero",)
    assert one("took 2 diets").attributes == ("diet",)
    assert one("took 2 lights").attributes == ()  # may be bulbs: only "diet" itself


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "3 cases of heineken, 2 of corona",
            [(None, D(3), "box", "heineken"), (None, D(2), "box", "corona")],
        ),
        (
            "received 3 cases of heineken and 2 of corona, 4 of stella",
            [
                (IN, D(3), "box", "heineken"),
                (IN, D(2), "box", "corona"),
                (IN, D(4), "box", "stella"),
            ],
        ),
        (
            "קיבלנו 3 ארגזים של היינקן ו-2 של קורונה",
            [(IN, D(3), "box", "היינקן"), (IN, D(2), "box", "קורונה")],
        ),
        (  # no "of": not said
            "received 3 cases of coke, 2 sprites",
            [(IN, D(3), "box", "coke"), (IN, D(2), None, "sprite")],
        ),
        (  # "a couple of" is a number, not an elided unit
            "received 3 cases of coke and a couple of sprites",
            [(IN, D(3), "box", "coke"), (IN, D(2), None, "sprite")],
        ),
        (
            "3 cokes in 2 sprites out",
            [(IN, D(3), None, "coke"), (OUT, D(2), None, "sprite")],
        ),
        (
            "3 cokes in and 2 sprites out",
            [(IN, D(3), None, "coke"), (OUT, D(2), None, "sprite")],
        ),
    ],
)
def test_units_carried_and_in_out(text: str, expected: list[tuple[object, ...]]) -> None:
    message = parse_stock_message(text)
    assert message.intent == "movement"
    assert [shape(i) for i in message.items] == expected


def test_elided_unit_keeps_the_container() -> None:
    message = parse_stock_message("got 3 glass bottles of coke zero, 2 of sprite")
    assert [i.attributes for i in message.items] == [
        ("glass", "bottle", "zero"),
        ("glass", "bottle"),
    ]
    assert message.items[1].containers == frozenset({"glass_bottle"})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("took 2 drinks", (OUT, D(2), None, "drink")),  # "drinks" is a noun, not a verb
        ("received 3 cases of soft drinks", (IN, D(3), "box", "soft drink")),
        ("coke cans: took 5", (OUT, D(5), "unit", "coke")),  # product before the verb stays
    ],
)
def test_nouns_and_products_before_the_verb(text: str, expected: tuple[object, ...]) -> None:
    assert shape(one(text)) == expected


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("הזמנו 3 ארגזים קולה", "unknown"),  # ordering is not receiving
        ("we ordered 3 cases of coke", "unknown"),
        ("we ran out of coke", "query_level"),  # a level statement, not a movement
    ],
)
def test_not_movements(text: str, intent: str) -> None:
    assert parse_stock_message(text).intent == intent


def test_results_are_frozen() -> None:
    item = one("took 3 cokes")
    with pytest.raises(dataclasses.FrozenInstanceError):
        item.quantity = D(4)  # type: ignore[misc]
