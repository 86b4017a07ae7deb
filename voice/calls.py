"""A phone call's records in Postgres: the call row, the lines the agent speaks outside the
graph's turns (greeting, prompts, goodbye), the handoff when the caller presses 0, and the end.

Each function is one short transaction bound to the property (row-level security), run from a
worker thread by the call handler. The caller's and the agent's turns themselves are stored by
the runtime, like any other channel's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Table, insert, select, update
from twilio.twiml.voice_response import VoiceResponse  # type: ignore[import-untyped]

from agents.identity import identify, save_conversation
from buffr.db.session import Database
from buffr.settings import Settings
from channels.twilio_client import TwilioClient
from domain.conversations import (
    Author,
    CallStatus,
    Channel,
    ConversationStatus,
    DeliveryStatus,
    Direction,
    Message,
    PhoneCall,
)
from domain.property import Property
from tools.base import ToolContext
from tools.reception.handoff import HandoffArgs, handoff_to_staff

_MESSAGES = cast(Table, Message.__table__)


@dataclass(frozen=True)
class OpenedCall:
    call_id: int
    conversation_id: int
    greeting: str
    with_staff: bool  # the conversation is already with a person: the agent stays silent


def greeting_for(name: str, policies: dict[str, Any]) -> str:
    """The property's spoken greeting: ``policies.voice.greeting`` or one built from its name."""
    configured = (policies.get("voice") or {}).get("greeting")
    if isinstance(configured, str) and configured.strip():
        return configured.strip()
    return f"Hello, you've reached {name}. How can I help you today?"


def open_call(
    db: Database, property_id: int, call_sid: str, caller: str, *, greet: bool = True
) -> OpenedCall:
    """Record the call on the caller's conversation (created on first contact) with the
    greeting the agent is about to speak."""
    with db.tenant(property_id, lock_key=f"{property_id}:{caller}") as session:
        _, conversation = identify(session, property_id, caller)
        name, policies = session.execute(
            select(Property.name, Property.policies).where(Property.id == property_id)
        ).one()
        greeting = greeting_for(name, policies or {})
        call_id = session.scalar(
            insert(PhoneCall)
            .values(
                property_id=property_id,
                call_sid=call_sid,
                caller=caller,
                conversation_id=conversation.id,
                status=CallStatus.ACTIVE,
                turn_count=0,
                turns=[],
            )
            .returning(PhoneCall.id)
        )
        assert call_id is not None
        with_staff = conversation.status is ConversationStatus.HANDOFF
        if greet and not with_staff:
            _store_agent_line(session, property_id, conversation.id, greeting)
        save_conversation(session, conversation, Channel.VOICE, conversation.agent)
        return OpenedCall(call_id, conversation.id, greeting, with_staff)


def say_line(db: Database, property_id: int, conversation_id: int, text: str) -> None:
    """Store a line the agent speaks outside a turn (a prompt after silence, the goodbye)."""
    with db.tenant(property_id) as session:
        _store_agent_line(session, property_id, conversation_id, text)


def record_turn(db: Database, property_id: int, call_id: int, turn: dict[str, Any]) -> None:
    """Append one turn's transcript, reply and timings to the call, once: a turn already there
    (by its number) is left as it is, so a teardown may record again what it cannot tell was
    recorded (a write still in its thread when the caller hung up)."""
    with db.tenant(property_id) as session:
        session.execute(
            update(PhoneCall)
            .where(
                PhoneCall.id == call_id,
                ~PhoneCall.turns.contains([{"turn": turn["turn"]}]),
            )
            .values(turns=PhoneCall.turns.op("||")([turn]), turn_count=PhoneCall.turn_count + 1)
        )


def hand_off(db: Database, property_id: int, caller: str, conversation_id: int) -> bool:
    """The caller pressed 0: the conversation goes to a person (handoff record and staff
    notification, through the same tool the receptionist uses). False if it already was."""
    with db.tenant(property_id, lock_key=f"{property_id}:{caller}") as session:
        identity, _ = identify(session, property_id, caller)
        ctx = ToolContext(session, property_id, identity.actor, conversation_id, "DTMF 0")
        result = handoff_to_staff(
            ctx, HandoffArgs(reason="The caller pressed 0 on a phone call to talk to a person.")
        )
        return not result.already_with_staff


def end_call(db: Database, property_id: int, call_id: int, reason: str) -> None:
    """Close the call; the agent's spoken lines of the call count as sent."""
    with db.tenant(property_id) as session:
        conversation_id = session.scalar(
            update(PhoneCall)
            .where(PhoneCall.id == call_id, PhoneCall.status == CallStatus.ACTIVE)
            .values(status=CallStatus.ENDED, end_reason=reason[:32], ended_at=datetime.now(UTC))
            .returning(PhoneCall.conversation_id)
        )
        if conversation_id is None:
            return  # ended already
        session.execute(
            update(Message)
            .where(
                Message.conversation_id == conversation_id,
                Message.channel == Channel.VOICE,
                Message.direction == Direction.OUTBOUND,
                Message.delivery_status == DeliveryStatus.QUEUED,
            )
            .values(delivery_status=DeliveryStatus.SENT)
        )


def transfer_number(db: Database, property_id: int) -> str | None:
    """Where a caller who asks for a person is put through: ``policies.voice.transfer_to``."""
    with db.tenant(property_id) as session:
        policies = session.scalar(select(Property.policies).where(Property.id == property_id))
    number = ((policies or {}).get("voice") or {}).get("transfer_to")
    return number if isinstance(number, str) and number.startswith("+") else None


def transfer(settings: Settings, call_sid: str, number: str) -> None:
    """Put the live call through to ``number`` (Twilio's REST API replaces the call's TwiML)."""
    reply = VoiceResponse()
    reply.dial(number)
    TwilioClient(settings).update_call(call_sid, str(reply))


def call_turns(db: Database, property_id: int, call_sid: str) -> tuple[str | None, list[Any]]:
    """A call's end reason and turns, for the simulator and the benchmark."""
    with db.tenant(property_id) as session:
        row = session.execute(
            select(PhoneCall.end_reason, PhoneCall.turns).where(PhoneCall.call_sid == call_sid)
        ).one_or_none()
    if row is None:
        return None, []
    return row[0], list(row[1])


def _store_agent_line(session: Any, property_id: int, conversation_id: int, text: str) -> None:
    session.execute(
        insert(_MESSAGES).values(
            property_id=property_id,
            conversation_id=conversation_id,
            channel=Channel.VOICE,
            direction=Direction.OUTBOUND,
            author=Author.AGENT,
            body=text,
            delivery_status=DeliveryStatus.SENT,
        )
    )
