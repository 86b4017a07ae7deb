"""Replies to a campaign message: routed to the reactivation agent (one indexed check), the
offer presented without the model, a booking through the receptionist's own tools and
confirm-before-write counted as the campaign's conversion, opt-outs honoured at once, and
anyone else (an unknown number, a guest the campaign did not reach, a reply after the window)
left to the receptionist. The model is the scripted fake that emits real tool calls."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from langchain_core.messages import AIMessage
from sqlalchemy import select, update

from agents.llm.fake import ScriptedChatModel
from agents.llm.fake import scripted_call as _call
from agents.runtime import AgentRuntime
from agents.turn import Turn, TurnResult
from buffr.db.session import Database
from channels.inbound import handle_inbound
from domain.campaigns import CampaignMessage
from domain.conversations import Channel, Direction, Message
from domain.guests import Guest
from domain.rooms import RoomReservation
from tests.campaign_support import NOW, OFFER, Hotel, as_utc, make_hotel
from tests.channels_support import channel_services
from tests.twilio_recorder import twilio_recorder
from tools.base import Actor, ToolContext
from tools.reactivation.campaigns import CampaignArgs, create_campaign, find_campaign
from tools.reactivation.report import campaign_report
from tools.reactivation.sending import release_due, send_batch

LATER = NOW + timedelta(hours=2)


@pytest.fixture
def hotel(db: Database) -> Hotel:
    """A hotel whose lapsed guests got the "spring" campaign at NOW."""
    hotel = make_hotel(db)
    with db.tenant(hotel.property_id) as session:
        ctx = ToolContext(session, hotel.property_id, Actor(kind="system"))
        campaign_id = create_campaign(ctx, CampaignArgs(
            name="spring", segment="lapsed", offer=OFFER, sms="Hi {name}! {offer}",
        )).id  # fmt: skip
    with twilio_recorder() as recorder:
        services = channel_services(db, recorder)
        send_batch(services, hotel.property_id, campaign_id, 0, now=as_utc(NOW))
        assert len(release_due(services, hotel.property_id, now=as_utc(NOW))) == 3
    return hotel


class Guest_:
    def __init__(self, db: Database, hotel: Hotel, phone: str, *script: AIMessage | str) -> None:
        self.model = ScriptedChatModel(list(script))
        self.runtime = AgentRuntime(db, chat_model=lambda: self.model)
        self.hotel, self.phone = hotel, phone

    def say(self, text: str, now: datetime = LATER) -> TurnResult:
        return self.runtime.handle(Turn(self.hotel.slug, Channel.SMS, self.phone, text, now=now))


def _sent(db: Database, hotel: Hotel, label: str) -> CampaignMessage:
    with db.tenant(hotel.property_id) as session:
        row = session.scalar(
            select(CampaignMessage).where(CampaignMessage.guest_id == hotel.guests[label])
        )
        assert row is not None
        session.expunge(row)
    return row


def test_yes_gets_the_offer_without_the_model(db: Database, hotel: Hotel) -> None:
    guest = Guest_(db, hotel, hotel.phones["lapsed sms"])
    said = guest.say("Yes! I'd love to come back in May")
    assert said.agent == "reactivation" and not said.llm_called
    assert OFFER in said.reply and "Which dates" in said.reply
    assert _sent(db, hotel, "lapsed sms").replied_at == as_utc(LATER)


def test_booking_from_a_reply_is_the_campaigns_conversion(db: Database, hotel: Hotel) -> None:
    book = _call("book_room", check_in="10 April", nights=2, guests=2, room_type="standard")
    guest = Guest_(db, hotel, hotel.phones["whatsapp"], book)
    asked = guest.say("Could I book a standard room on 10 April for 2 nights, for two?")
    assert asked.agent == "reactivation" and asked.pending_question
    assert "Shall I book" in asked.reply
    assert _sent(db, hotel, "whatsapp").converted_reservation_id is None  # nothing before yes
    booked = guest.say("yes please")
    assert [a["tool"] for a in booked.actions] == ["create_reservation"]
    reservation_id = booked.actions[0]["result"]["reservation"]["id"]
    assert _sent(db, hotel, "whatsapp").converted_reservation_id == reservation_id
    with db.tenant(hotel.property_id) as session:
        total = session.scalar(
            select(RoomReservation.total_amount).where(RoomReservation.id == reservation_id)
        )
        ctx = ToolContext(session, hotel.property_id, Actor(kind="system"))
        report = campaign_report(ctx, find_campaign(ctx, "spring"))
    assert (report.total.replied, report.total.converted) == (1, 1)
    assert report.total.revenue == total and total is not None and total > 0


@pytest.mark.parametrize("words", ["STOP", "Please stop texting me", "unsubscribe me", "הסר"])
def test_opt_out_is_honoured_at_once(db: Database, hotel: Hotel, words: str) -> None:
    guest = Guest_(db, hotel, hotel.phones["new york"])
    said = guest.say(words)
    assert said.agent == "reactivation" and not said.llm_called
    assert "unsubscribed" in said.reply or "הוסרת" in said.reply
    with db.tenant(hotel.property_id) as session:
        row = session.get(Guest, hotel.guests["new york"])
        assert row is not None
        assert row.opted_out_at is not None and row.marketing_consent is False


def test_no_thanks_writes_nothing(db: Database, hotel: Hotel) -> None:
    said = Guest_(db, hotel, hotel.phones["lapsed sms"]).say("No thanks, not this year")
    assert said.agent == "reactivation" and "No problem" in said.reply
    with db.tenant(hotel.property_id) as session:
        row = session.get(Guest, hotel.guests["lapsed sms"])
        assert row is not None and row.opted_out_at is None


def test_others_are_the_receptionists(db: Database, hotel: Hotel) -> None:
    unknown = Guest_(db, hotel, f"+4477009{uuid.uuid4().int % 100000:05d}", "Hello there!")
    assert unknown.say("Yes I'd love to come back").agent == "receptionist"
    not_reached = Guest_(db, hotel, hotel.phones["recent"], "Hello again!")
    assert not_reached.say("Yes I'd love to come back").agent == "receptionist"
    too_late = Guest_(db, hotel, hotel.phones["lapsed sms"], "Hi!")
    assert too_late.say("hello", now=NOW + timedelta(days=31)).agent == "receptionist"
    assert _sent(db, hotel, "lapsed sms").replied_at is None


def test_sms_yes_reaches_the_agent_not_the_start_keyword(db: Database, hotel: Hotel) -> None:
    with db.tenant(hotel.property_id) as session:  # the inbound path runs on the real clock
        session.execute(
            update(CampaignMessage).values(sent_at=datetime.now(UTC) - timedelta(days=1))
        )
    with twilio_recorder() as recorder:
        services = channel_services(db, recorder)
        phone = hotel.phones["lapsed sms"]
        handle_inbound(services, hotel.property_id, {
            "channel": "sms", "sender": phone, "sid": "SM" + uuid.uuid4().hex,
            "text": "Yes", "slug": hotel.slug,
        })  # fmt: skip
    with db.tenant(hotel.property_id) as session:
        reply = session.scalar(
            select(Message.body)
            .where(Message.direction == Direction.OUTBOUND, Message.body.contains("Which dates"))
            .order_by(Message.id.desc())
            .limit(1)
        )
        guest = session.get(Guest, hotel.guests["lapsed sms"])
    assert reply is not None and "Welcome back! You will receive" not in reply
    assert guest is not None and guest.marketing_consent is True
