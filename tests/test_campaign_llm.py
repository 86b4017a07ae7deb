"""A campaign reply with the real local model (Qwen2.5-Coder 0.5B): the reactivation agent
hands a reply with dates to the receptionist's model and tools, nothing is booked before the
guest's yes, and a booking on yes is the campaign's conversion.

Marked ``llm``; skipped only when the model file is missing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from langchain_core.language_models import BaseChatModel
from sqlalchemy import func, select

from agents.runtime import AgentRuntime
from agents.turn import Turn
from buffr.db.session import Database
from domain.campaigns import CampaignMessage
from domain.conversations import Channel
from domain.rooms import RoomReservation
from tests.campaign_support import NOW, OFFER, as_utc, make_hotel
from tests.channels_support import channel_services
from tests.twilio_recorder import twilio_recorder
from tools.base import Actor, ToolContext
from tools.reactivation.campaigns import CampaignArgs, create_campaign
from tools.reactivation.sending import release_due, send_batch

pytestmark = pytest.mark.llm


def test_a_reply_with_dates_is_booked_only_on_yes(
    db: Database, small_model: Callable[[], BaseChatModel]
) -> None:
    hotel = make_hotel(db)
    with db.tenant(hotel.property_id) as session:
        ctx = ToolContext(session, hotel.property_id, Actor(kind="system"))
        args = CampaignArgs(name="spring", segment="lapsed", offer=OFFER, sms="{offer}")
        campaign_id = create_campaign(ctx, args).id
    with twilio_recorder() as recorder:
        services = channel_services(db, recorder)
        send_batch(services, hotel.property_id, campaign_id, 0, now=as_utc(NOW))
        release_due(services, hotel.property_id, now=as_utc(NOW))
    runtime = AgentRuntime(db, chat_model=small_model)
    phone, guest_id = hotel.phones["lapsed sms"], hotel.guests["lapsed sms"]
    later = NOW + timedelta(hours=1)

    def say(text: str) -> tuple[str, bool, bool]:
        result = runtime.handle(Turn(hotel.slug, Channel.SMS, phone, text, now=later))
        assert result.agent == "reactivation"
        return result.reply, result.llm_called, result.pending_question

    def booked() -> tuple[int, int | None]:
        with db.tenant(hotel.property_id) as session:
            count = session.scalar(select(func.count()).where(RoomReservation.guest_id == guest_id))
            converted = session.scalar(
                select(CampaignMessage.converted_reservation_id).where(
                    CampaignMessage.guest_id == guest_id
                )
            )
        return int(count or 0), converted

    before = booked()[0]
    reply, llm_called, pending = say(
        "I'd like to book a standard room on 10 April for 2 nights, for 2"
    )
    assert llm_called and pending, reply  # quoted, and asked "Shall I book"
    assert booked() == (before, None)  # nothing written before the guest's yes
    say("yes")
    count, converted = booked()
    assert count == before + 1 and converted is not None
