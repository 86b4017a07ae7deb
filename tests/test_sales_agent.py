"""The sales funnel agent in the graph: a sales enquiry is taken over from the receptionist,
qualified one question at a time, proposed with the quote tool's number, and closed; the
scripted chat model (real tool calls, the real binding) reads only what code could not. The
receptionist offers one upsell after a booking, once per conversation."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from langchain_core.messages import AIMessage
from sqlalchemy import text

from agents.llm.fake import ScriptedChatModel
from agents.llm.fake import scripted_call as _call
from agents.runtime import AgentRuntime
from agents.sales.llm_tools import TOOLS
from agents.turn import Turn, TurnResult
from buffr.db.session import Database
from domain.conversations import Channel

TODAY = date(2027, 3, 1)
NOW = datetime(2027, 3, 1, 10, 0, tzinfo=ZoneInfo("Asia/Jerusalem"))


pytestmark = pytest.mark.demo_data(today=TODAY)


@pytest.fixture(scope="module")
def seeded(db: Database) -> Database:
    return db


class Chat:
    def __init__(self, db: Database, sender: str, *script: AIMessage | str) -> None:
        self.db = db
        self.model = ScriptedChatModel(list(script))
        self.runtime = AgentRuntime(db, chat_model=lambda: self.model)
        self.sender = sender

    def say(self, message: str) -> TurnResult:
        return self.runtime.handle(Turn("demo", Channel.WHATSAPP, self.sender, message, now=NOW))

    def lead(self, column: str) -> object:
        with self.db.owner() as session:
            return session.execute(
                text(f"SELECT l.{column} FROM leads l JOIN guests g ON g.id = l.guest_id "
                     "WHERE g.phone = :phone ORDER BY l.id DESC LIMIT 1"),
                {"phone": self.sender},
            ).scalar_one()  # fmt: skip


def test_a_wedding_is_qualified_turn_by_turn_and_proposed(seeded: Database) -> None:
    chat = Chat(seeded, "+447700902001")
    first = chat.say("Hi, we're planning our wedding at your hotel")
    assert first.agent == "sales_funnel" and not first.llm_called
    assert "What date" in first.reply
    assert chat.lead("stage") == "new" and chat.lead("kind") == "wedding"
    # No sales word in the answers: the open lead keeps them with sales.
    dated = chat.say("June 12")
    assert dated.agent == "sales_funnel" and "How many guests" in dated.reply
    assert str(chat.lead("event_date")) == "2027-06-12"
    sized = chat.say("about 120")
    assert chat.lead("stage") == "qualified" and chat.lead("group_size") == 120
    assert "need on the day" in sized.reply
    chat.say("A vegetarian menu and a DJ")
    assert chat.lead("needs") == "A vegetarian menu and a DJ"
    chat.say("around 60,000 shekels")
    assert str(chat.lead("budget")) == "60000.00"
    proposal = chat.say("we'll decide by the end of April")
    assert chat.lead("decision_timeline") == "by the end of April"
    assert "Seaside Wedding" in proposal.reply and "50,400.00 ILS" in proposal.reply
    assert chat.lead("stage") == "proposal" and str(chat.lead("quote_amount")) == "50400.00"
    assert [a["tool"] for a in proposal.actions][-1] == "send_proposal"
    won = chat.say("Sounds good, we'll take it")
    assert chat.lead("stage") == "won" and "50,400.00 ILS" in won.reply
    assert chat.model.calls == []  # code read every message


def test_everything_in_one_message_goes_straight_to_the_proposal_questions(
    seeded: Database,
) -> None:
    chat = Chat(seeded, "+447700902002")
    reply = chat.say(
        "Corporate day for 40 people on 20 April, budget 12,000 ILS, we need a projector, "
        "decision by next Friday"
    ).reply
    assert "10,400.00 ILS" in reply  # 260 × 40, priced by the tool
    assert chat.lead("stage") == "proposal" and chat.lead("kind") == "corporate"


def test_a_discount_within_policy_is_requoted_and_a_ninety_percent_one_goes_to_a_person(
    seeded: Database,
) -> None:
    chat = Chat(seeded, "+447700902003")
    chat.say("Corporate day for 40 people on 20 April, we need a projector, budget 12k ILS, "
             "we'll decide within a week")  # fmt: skip
    ten = chat.say("Could you do 10% off?")
    assert "9,360.00 ILS" in ten.reply and chat.lead("stage") == "negotiation"
    ninety = chat.say("What about a 90% discount?")
    assert "passed this to our sales team" in ninety.reply
    assert "ILS" not in ninety.reply and "90" not in ninety.reply  # nothing promised
    assert chat.lead("stage") == "negotiation" and str(chat.lead("quote_amount")) == "9360.00"
    assert chat.say("hello?").reply == ""  # a person has the conversation now


def test_a_ninety_percent_discount_in_the_first_message_promises_nothing(
    seeded: Database,
) -> None:
    chat = Chat(seeded, "+447700902004")
    reply = chat.say("We want a wedding for 100 guests in June but only with a 90% discount").reply
    assert "passed this to our sales team" in reply and "ILS" not in reply
    assert chat.lead("stage") == "negotiation"


def test_a_decline_closes_the_lead_as_lost(seeded: Database) -> None:
    chat = Chat(seeded, "+447700902005", _call("ask_hotel", question="When is check-out?"))
    chat.say("Group of 12 for a retreat on 10 May, no special needs, budget 7000 ILS, "
             "deciding by next week")  # fmt: skip
    assert chat.lead("stage") == "proposal"
    lost = chat.say("No thanks, we found another venue")
    assert chat.lead("stage") == "lost" and "letting us know" in lost.reply
    after = chat.say("What time is check-out?")  # the lead is closed: the receptionist again
    assert after.agent == "receptionist"


def test_a_receptionist_question_leaves_the_lead_open(seeded: Database) -> None:
    chat = Chat(seeded, "+447700902006", _call("ask_hotel", question="Is there parking?"))
    chat.say("We'd like to organise a conference")
    parking = chat.say("Is there parking?")
    assert parking.agent == "receptionist"
    back = chat.say("15 September")  # the lead is still open: back to sales
    assert back.agent == "sales_funnel" and str(chat.lead("event_date")) == "2027-09-15"


def test_the_model_reads_what_code_cannot(seeded: Database) -> None:
    chat = Chat(
        seeded,
        "+447700902007",
        _call("event_details", event_date="in the summer", group_size=150),
    )
    chat.say("We are planning a gala event")
    unread = chat.say("probably in the summer, we'll be around a hundred and fifty of us")
    assert unread.llm_called
    assert chat.model.bound_tool_names == [tool.__name__ for tool in TOOLS]
    assert chat.lead("group_size") == 150  # grounded: the number is in the message
    assert chat.lead("event_date") is None  # a date code cannot resolve is asked again
    assert "couldn't tell which date" in unread.reply


def test_a_model_value_not_in_the_message_is_dropped(seeded: Database) -> None:
    chat = Chat(seeded, "+447700902008", _call("event_details", group_size=200))
    chat.say("We want to celebrate a birthday party with you")
    chat.say("it will be a big one, lots of friends")  # asked the date; no number given
    assert chat.lead("group_size") is None


# -- upsells in the receptionist's booking flow ---------------------------------------------


def test_an_upsell_follows_a_booking_once_and_a_yes_is_recorded(seeded: Database) -> None:
    chat = Chat(
        seeded,
        "+447700902020",
        _call("book_room", check_in="10 March", nights=2, guests=2, room_type="standard"),
        _call("book_room", check_in="20 March", nights=1, guests=2, room_type="standard"),
    )
    chat.say("Please book a standard room on 10 March for 2 nights for 2")
    booked = chat.say("yes")
    assert "Booked" in booked.reply and "breakfast" in booked.reply
    assert "380.00 ILS" in booked.reply and not booked.pending_question
    took = chat.say("yes please")
    assert "Added breakfast" in took.reply
    chat.say("And a standard room on 20 March for one night for 2")
    second = chat.say("yes")
    assert "Booked" in second.reply and "Would you like to add" not in second.reply
    with seeded.owner() as session:
        offers = session.execute(
            text("SELECT u.kind, u.taken, r.special_requests FROM upsell_offers u "
                 "JOIN room_reservations r ON r.id = u.reservation_id "
                 "JOIN guests g ON g.id = r.guest_id WHERE g.phone = '+447700902020'")
        ).all()  # fmt: skip
    assert len(offers) == 1
    kind, taken, requests = offers[0]
    assert kind == "breakfast" and taken is True and "380.00 ILS" in requests


def test_a_declined_upsell_is_recorded_as_not_taken(seeded: Database) -> None:
    chat = Chat(
        seeded,
        "+447700902021",
        _call("book_room", check_in="11 March", nights=1, guests=1, room_type="standard"),
    )
    chat.say("A standard room on 11 March for one night, just me")
    assert "Would you like to add" in chat.say("yes").reply
    assert "No problem" in chat.say("no thanks").reply
    with seeded.owner() as session:
        taken = session.execute(
            text("SELECT u.taken FROM upsell_offers u JOIN conversations c "
                 "ON c.id = u.conversation_id JOIN guests g ON g.id = c.guest_id "
                 "WHERE g.phone = '+447700902021'")
        ).scalar_one()  # fmt: skip
    assert taken is False


def test_a_lead_closed_by_staff_hands_the_thread_back_to_the_receptionist(
    seeded: Database,
) -> None:
    chat = Chat(seeded, "+447700902009", "Could you tell me a little more?")
    chat.say("We'd like to organise a conference")
    with seeded.owner() as session:
        session.execute(
            text("UPDATE leads SET stage = 'lost' WHERE guest_id = "
                 "(SELECT id FROM guests WHERE phone = '+447700902009')")
        )  # fmt: skip
    after = chat.say("15 September")  # sticky by the state, but no lead is open any more
    assert after.agent == "receptionist" and after.reply == "Could you tell me a little more?"
    with seeded.owner() as session:
        leads = session.execute(
            text("SELECT count(*) FROM leads l JOIN guests g ON g.id = l.guest_id "
                 "WHERE g.phone = '+447700902009'")
        ).scalar_one()  # fmt: skip
    assert leads == 1  # no new lead from a message that named no event
