"""The receptionist's pure parts: what the model may not make up, the language check, and how
a document passage is read into sentences for a quote."""

from __future__ import annotations

import pytest

from agents.reception import llm_tools as t
from agents.reception.answers import _sentences
from agents.reception.grounding import date_phrase_in, ground
from agents.reception.language import detect_language
from agents.reception.menu_args import menu_args


def test_a_reservation_code_the_guest_never_wrote_is_dropped() -> None:
    call = t.cancel_booking(reservation="12345")
    assert ground(call, "please cancel my booking", []).reservation is None
    kept = ground(t.cancel_booking(reservation="shcxt9qb"), "cancel SHCXT9QB please", [])
    assert kept.reservation == "shcxt9qb"
    earlier = [["guest", "my code is SHCXT9QB"], ["agent", "Thanks"]]
    assert ground(call.model_copy(update={"reservation": "SHCXT9QB"}), "cancel it", earlier) == (
        t.cancel_booking(reservation="SHCXT9QB")
    )


def test_a_check_out_copied_from_the_check_in_is_dropped() -> None:
    call = t.book_room(check_in="next Friday", check_out="next Friday", nights=2)
    grounded = ground(call, "next Friday for two nights", [])
    assert grounded == t.book_room(check_in="next Friday", nights=2)


@pytest.mark.parametrize(
    ("text", "nights"),
    [
        ("move my booking to 19 March", None),  # nobody said how many nights
        ("move it to 19 March, same number of nights", None),
        ("make it 3 nights from 19 March", 3),
        ("לשלושה לילות מה-19 במרץ", 3),
    ],
)
def test_nights_count_only_when_said(text: str, nights: int | None) -> None:
    call = t.change_booking(check_in="19 March", nights=3)
    assert ground(call, text, []).nights == nights


def test_a_changed_party_size_must_be_asked_for() -> None:
    call = t.change_booking(check_in="19 March", guests=2)
    assert ground(call, "move it to 19 March", []).guests is None
    assert ground(call, "we are 2 people now", []).guests == 2
    booking = t.book_room(check_in="tomorrow", nights=1, guests=2)
    assert ground(booking, "a room for tomorrow night", []).guests == 2


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Do you have a room for tonight?", "en"),
        ("יש לכם חדר להלילה?", "he"),
        ("Bonjour, avez-vous une chambre pour ce soir? Merci", "fr"),
        ("Hola, quiero una habitación para dos noches, gracias", "es"),
        ("Здравствуйте, есть свободный номер?", "ru"),
        ("مرحبا، هل لديكم غرفة؟", "ar"),
        ("Hi, a table at Le Bistro for tonight please", "en"),  # one French word is not French
    ],
)
def test_language_detection(text: str, language: str) -> None:
    assert detect_language(text) == language


def test_markdown_passages_are_read_not_pasted() -> None:
    passage = (
        "## Arrival and departure\n\n| | Time | Notes |\n|---|---|---|\n"
        "| Check-in | from **15:00** | Early check-in from 12:00 for 150 ILS. |\n"
        "- Quiet hours are **23:00-07:00**. Please keep it down.\n"
    )
    assert _sentences(passage) == [
        "Arrival and departure",
        "Check-in: from 15:00, Early check-in from 12:00 for 150 ILS.",
        "Quiet hours are 23:00-07:00.",
        "Please keep it down.",
    ]


def test_a_date_nobody_said_is_replaced_by_the_one_in_the_message() -> None:
    call = t.book_table(date="next Friday", time="8pm", party_size=4)
    assert ground(call, "Can I book a table for 4 tonight at 8?", []).date == "tonight"
    hebrew = t.book_room(check_in="12/3/2027", check_out="12/4/2027", nights=2)
    grounded = ground(hebrew, "אני רוצה חדר ל-12/3 לשני לילות", [])
    # The year nobody wrote is cut too: the resolver picks the coming 12 March itself.
    assert (grounded.check_in, grounded.check_out, grounded.nights) == ("12/3", None, 2)
    assert ground(t.check_rooms(check_in="next Friday"), "is there parking?", []).check_in == ""


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("a table for 2 on Friday at 9pm", "on Friday"),
        ("from 10 March to 13 March", "10 March"),
        ("next friday for two nights", "next friday"),
        ("מחר בשמונה", "מחר"),
        ("is there parking?", None),
    ],
)
def test_date_phrase_in(text: str, phrase: str | None) -> None:
    assert date_phrase_in(text) == phrase


def test_room_types_and_venues_count_only_when_named() -> None:
    call = t.book_room(check_in="12/3", nights=2, room_type="standard")
    assert ground(call, "a room on 12/3 for two nights", []).room_type is None
    assert ground(call, "a standard room on 12/3 for two nights", []).room_type == "standard"
    assert ground(call, "חדר סטנדרט ל-12/3 לשני לילות", []).room_type == "standard"
    table = t.book_table(date="tonight", time="8", venue="Seaside Hotel")
    assert ground(table, "a table tonight at 8", []).venue is None


def test_menu_arguments_are_read_from_the_guests_words() -> None:
    muddled = t.menu(query="nuts", dietary=["allergies"], avoid_allergens=["nuts"])
    args = menu_args(muddled, "I'm allergic to nuts. Which desserts can I have?")
    assert (args.query, args.dietary, args.exclude_allergens) == ("desserts", None, ["nuts"])
    vegan = menu_args(t.menu(dietary=["vegan", "tasty"]), "What vegan dishes do you have?")
    assert vegan.dietary == ["vegan"] and vegan.query is None
