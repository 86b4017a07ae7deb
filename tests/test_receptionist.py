"""The receptionist in the graph, with a scripted chat model that emits real tool calls through
the code path a real model uses: every write waits for the guest's yes, answers come from the
documents with their source or from a colleague, and a guest sees only their own records."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from langchain_core.messages import AIMessage
from sqlalchemy import func, select, text

from agents.llm.fake import ScriptedChatModel
from agents.llm.fake import scripted_call as _call
from agents.reception.llm_tools import TOOLS
from agents.runtime import AgentRuntime
from agents.turn import Turn, TurnResult
from buffr.db.session import Database
from domain.conversations import Channel, Conversation, ConversationStatus
from domain.guests import Guest
from domain.rooms import RoomReservation

TODAY = date(2027, 3, 1)  # a Monday
NOW = datetime(2027, 3, 1, 10, 0, tzinfo=ZoneInfo("Asia/Jerusalem"))
NEW_GUEST = "+447700900555"


pytestmark = pytest.mark.demo_data(today=TODAY)


@pytest.fixture(scope="module")
def seeded(db: Database) -> Database:
    return db


class Chat:
    """One guest talking to the receptionist; the model's answers are scripted per test."""

    def __init__(self, db: Database, sender: str, *script: AIMessage | str) -> None:
        self.model = ScriptedChatModel(list(script))
        self.runtime = AgentRuntime(db, chat_model=lambda: self.model)
        self.runtime.forget_thread("demo", sender)
        self.sender = sender

    def say(self, message: str) -> TurnResult:
        return self.runtime.handle(Turn("demo", Channel.WHATSAPP, self.sender, message, now=NOW))


def _count(db: Database, query: str, **params: object) -> int:
    with db.owner() as session:
        return int(session.execute(text(query), params).scalar_one())


def _guest_phone(db: Database, where: str) -> str:
    """A seeded guest of the demo hotel matching ``where`` (SQL on guests g, reservations r)."""
    with db.owner() as session:
        phone = session.execute(
            text(
                "SELECT g.phone FROM guests g JOIN room_reservations r ON r.guest_id = g.id "
                "JOIN properties p ON p.id = g.property_id "
                f"WHERE p.slug = 'demo' AND g.phone IS NOT NULL AND {where} "
                "ORDER BY g.id LIMIT 1"
            ),
            {"today": TODAY},
        ).scalar_one()
    return str(phone)


@pytest.fixture
def reservations(seeded: Database) -> Iterator[int]:
    yield _count(seeded, "SELECT count(*) FROM room_reservations")


def test_booking_waits_for_yes(seeded: Database, reservations: int) -> None:
    chat = Chat(
        seeded,
        NEW_GUEST,
        _call("book_room", check_in="next Friday", nights=2, guests=2, room_type="standard"),
    )
    asked = chat.say("I'd like a standard room next Friday for two nights, for two")
    assert chat.model.bound_tool_names == [t.__name__ for t in TOOLS]
    assert asked.llm_called and asked.pending_question
    assert "Shall I book" in asked.reply
    assert "05 Mar" in asked.reply  # "next Friday" on a Monday: the first Friday after today
    assert _count(seeded, "SELECT count(*) FROM room_reservations") == reservations
    booked = chat.say("yes please")
    assert not booked.llm_called and not booked.pending_question
    assert [a["tool"] for a in booked.actions] == ["create_reservation"]
    assert _count(seeded, "SELECT count(*) FROM room_reservations") == reservations + 1
    code = booked.actions[0]["result"]["reservation"]["code"]
    assert code in booked.reply
    stay = booked.actions[0]["result"]["reservation"]
    assert (stay["check_in"], stay["check_out"]) == ("2027-03-05", "2027-03-07")


def test_no_means_nothing_is_written(seeded: Database, reservations: int) -> None:
    chat = Chat(seeded, NEW_GUEST, _call("book_room", check_in="tomorrow", nights=1, guests=1))
    assert "Shall I book" in chat.say("a room for tomorrow night please").reply
    declined = chat.say("no")
    assert "haven't changed anything" in declined.reply
    assert not declined.pending_question
    assert _count(seeded, "SELECT count(*) FROM room_reservations") == reservations


def test_a_new_request_replaces_the_pending_question(seeded: Database, reservations: int) -> None:
    chat = Chat(
        seeded,
        NEW_GUEST,
        _call("book_room", check_in="tomorrow", nights=1, guests=1),
        _call("menu", query="pasta"),
        "Is there anything else I can help with?",
    )
    chat.say("a room for tomorrow please")
    other = chat.say("actually, do you have pasta?")
    assert other.llm_called and not other.pending_question
    assert chat.say("yes").reply == "Is there anything else I can help with?"  # nothing to do
    assert _count(seeded, "SELECT count(*) FROM room_reservations") == reservations


def test_answer_from_documents_names_the_source(seeded: Database) -> None:
    chat = Chat(seeded, NEW_GUEST, _call("ask_hotel", question="What time is check-in?"))
    result = chat.say("What time is check-in?")
    assert "15:00" in result.reply
    assert "(Source: Seaside Hotel" in result.reply
    assert "|" not in result.reply and "**" not in result.reply  # Markdown read, not pasted


def test_list_items_in_an_answer_keep_their_own_sentences(seeded: Database) -> None:
    """The breakfast hours are list items in the FAQ: quoted, each ends with a full stop
    instead of running into the next ("07:00–10:30 Friday and Saturday")."""
    chat = Chat(seeded, NEW_GUEST, _call("ask_hotel", question="What time is breakfast served?"))
    reply = chat.say("What time is breakfast served?").reply
    assert "Sunday to Thursday: 07:00–10:30. Friday and Saturday: 07:30–11:00." in reply


def test_unknown_answer_calls_a_colleague_and_the_agent_goes_quiet(seeded: Database) -> None:
    sender = "+447700900777"
    chat = Chat(seeded, sender, _call("ask_hotel", question="Is there a helipad on the roof?"))
    result = chat.say("Is there a helipad on the roof?")
    assert "I don't know" in result.reply
    assert "handoff_to_staff" in [a["tool"] for a in result.actions]
    with seeded.owner() as session:
        status = session.scalar(
            select(Conversation.status).where(Conversation.id == result.conversation_id)
        )
    assert status is ConversationStatus.HANDOFF
    assert chat.say("hello?").reply == ""


def test_a_question_answered_in_free_words_goes_to_the_documents(seeded: Database) -> None:
    chat = Chat(seeded, NEW_GUEST, "Check-in is at 9am!")  # invented: must not be said
    result = chat.say("when can I check in?")
    assert "9am" not in result.reply
    assert "15:00" in result.reply


def test_small_talk_is_answered_in_words(seeded: Database) -> None:
    chat = Chat(seeded, NEW_GUEST, "You're welcome! Enjoy your stay.")
    assert chat.say("thanks a lot").reply == "You're welcome! Enjoy your stay."


def test_language_the_property_does_not_offer(seeded: Database) -> None:
    chat = Chat(seeded, NEW_GUEST)
    result = chat.say("Bonjour, je voudrais une chambre pour deux nuits avec vous")
    assert not result.llm_called
    assert "English and Hebrew" in result.reply


def test_room_service_only_for_guests_in_house(seeded: Database) -> None:
    order = _call("order_room_service", items=[{"item": "shakshuka", "quantity": 1}])
    outsider = Chat(seeded, NEW_GUEST, order)
    assert "staying with us" in outsider.say("a shakshuka to my room please").reply
    in_house = _guest_phone(
        seeded, "r.status = 'checked_in' AND r.check_in <= :today AND r.check_out > :today"
    )
    chat = Chat(seeded, in_house, order)
    asked = chat.say("a shakshuka to my room please")
    assert "Shall I place the order?" in asked.reply
    orders = _count(seeded, "SELECT count(*) FROM orders")
    placed = chat.say("yes")
    assert [a["tool"] for a in placed.actions] == ["place_room_service_order"]
    assert _count(seeded, "SELECT count(*) FROM orders") == orders + 1


def test_a_guest_cannot_reach_another_guests_booking(seeded: Database) -> None:
    with seeded.owner() as session:
        someone_elses = session.execute(
            text(
                "SELECT r.code FROM room_reservations r JOIN properties p ON p.id = r.property_id "
                "WHERE p.slug = 'demo' AND r.status = 'confirmed' AND r.check_in > :today LIMIT 1"
            ),
            {"today": TODAY},
        ).scalar_one()
    chat = Chat(seeded, NEW_GUEST, _call("cancel_booking", reservation=someone_elses))
    result = chat.say(f"cancel reservation {someone_elses}")
    assert "can't find" in result.reply
    assert not result.pending_question


def test_preferences_are_remembered_used_shown_and_forgotten(seeded: Database) -> None:
    sender = "+447700900888"
    chat = Chat(
        seeded,
        sender,
        _call("remember", preference="prefers a quiet room"),
        _call("book_room", check_in="2027-03-20", nights=1, guests=1),
        _call("my_profile"),
        _call("forget_me", what="preferences"),
    )
    assert "quiet room" in chat.say("I always like a quiet room").reply
    booking = chat.say("book me a room on 20 March for one night")
    quote = next(a for a in booking.actions if a["tool"] == "quote_reservation")
    assert quote["arguments"]["special_requests"] == "prefers a quiet room"
    chat.say("no")
    assert "prefers a quiet room" in chat.say("what do you know about me?").reply
    assert "Shall I delete it?" in chat.say("please forget my preferences").reply
    chat.say("yes")
    with seeded.owner() as session:
        prefs = session.scalar(select(Guest.preferences).where(Guest.phone == sender))
    assert prefs == []


def test_returning_guest_is_welcomed_by_name(seeded: Database) -> None:
    phone = _guest_phone(seeded, "r.status = 'checked_out' AND g.name IS NOT NULL")
    with seeded.owner() as session:
        name = session.scalar(select(Guest.name).where(Guest.phone == phone))
        stays = session.scalar(
            select(func.count())
            .select_from(RoomReservation)
            .join(Guest, Guest.id == RoomReservation.guest_id)
            .where(Guest.phone == phone)
        )
    assert name and stays
    chat = Chat(seeded, phone, "Hello! How can I help?")
    assert chat.say("hi there").reply.startswith(f"Welcome back, {name.split()[0]}!")


FINGERPRINT = """
SELECT (SELECT count(*) FROM room_reservations WHERE status IN ('confirmed', 'pending')),
       (SELECT count(*) FROM table_reservations WHERE status <> 'cancelled'),
       (SELECT count(*) FROM orders),
       (SELECT md5(string_agg(concat_ws('/', check_in, check_out, adults, children, status),
                              ',' ORDER BY id)) FROM room_reservations),
       (SELECT md5(string_agg(concat_ws('/', name, email, preferences::text), ',' ORDER BY id))
          FROM guests)
"""


def _fingerprint(db: Database) -> tuple[object, ...]:
    with db.owner() as session:
        return tuple(session.execute(text(FINGERPRINT)).one())


@pytest.mark.parametrize(
    ("sender", "call", "ask"),
    [
        (
            NEW_GUEST,
            _call("book_room", check_in="14 March", nights=1, room_type="standard"),
            "book",
        ),
        ("+33762914865", _call("change_booking", check_in="19 March"), "make this change"),
        ("+33762914865", _call("cancel_booking"), "cancel it"),
        (NEW_GUEST, _call("book_table", date="tomorrow", time="19:30", party_size=2), "reserve"),
        (
            "+972528765432",
            _call("order_room_service", items=[{"item": "club sandwich", "quantity": 1}]),
            "place the order",
        ),
        ("+14155550123", _call("forget_me", what="all"), "delete it"),
    ],
)
def test_every_write_waits_for_the_guests_yes(
    seeded: Database, sender: str, call: AIMessage, ask: str
) -> None:
    chat = Chat(seeded, sender, call)
    before = _fingerprint(seeded)
    asked = chat.say("one night on 14 March; move it to 19 March; tomorrow at 19:30, please")
    assert f"Shall I {ask}" in asked.reply, asked.reply
    assert asked.pending_question
    assert _fingerprint(seeded) == before
    assert chat.say("no").reply.startswith("Alright, I haven't changed anything")
    assert _fingerprint(seeded) == before


def test_a_table_booked_then_cancelled_each_on_yes(seeded: Database) -> None:
    sender = "+447700900666"
    chat = Chat(
        seeded,
        sender,
        _call("book_table", date="Friday", time="8pm", party_size=3),
        _call("cancel_table"),
    )
    assert "Shall I reserve" in chat.say("a table for 3 on Friday at 8pm").reply
    reserved = chat.say("yes")
    assert "Reserved: a table for 3" in reserved.reply and "Fri 05 Mar at 20:00" in reserved.reply
    assert "Shall I cancel it?" in chat.say("please cancel my table").reply
    chat.say("yes")
    with seeded.owner() as session:
        status = session.execute(
            text(
                "SELECT t.status FROM table_reservations t JOIN guests g ON g.id = t.guest_id "
                "WHERE g.phone = :phone"
            ),
            {"phone": sender},
        ).scalar_one()
    assert status == "cancelled"
