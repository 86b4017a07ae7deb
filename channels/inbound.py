"""The ``handle_inbound`` job: what happens to a guest's SMS or WhatsApp message.

The webhook has already checked the signature, claimed the MessageSid and counted the rate.
Here, in order:

* a message already stored (a retried job) is not handled again: its queued reply, if any, is
  delivered;
* a rate-limit notice, a media message, STOP/START, or a message from an opted-out guest is
  answered (or not) by the channel itself, stored as an exchange with a system reply;
* anything else is one turn of the agent runtime, whose reply is then delivered.

Every stored inbound message carries the MessageSid as ``external_id``; the unique index on
(property, channel, external_id) is the last guard against handling one twice, and every path
sets ``conversations.last_inbound_at`` (WhatsApp's 24-hour window).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from agents.identity import identify, save_conversation
from agents.runtime import TurnRefused
from agents.turn import Turn
from channels import optout, templates
from channels.errors import PermanentError
from channels.outbound import notify_later
from channels.queue import DELIVER_MESSAGE, enqueue
from domain.conversations import Author, Channel, Conversation, DeliveryStatus, Direction, Message
from domain.property import Property, StaffUser
from tools.effects import TurnNotRepeatable

if TYPE_CHECKING:
    from api.services import Services

log = logging.getLogger(__name__)


def handle_inbound(services: Services, property_id: int, payload: dict[str, Any]) -> None:
    channel = Channel(payload["channel"])
    sender, sid, text = str(payload["sender"]), str(payload["sid"]), str(payload.get("text") or "")
    stored = _stored_inbound(services, property_id, channel, sid)
    if stored is not None:
        _resume(services, property_id, *stored)
        return
    keyword = optout.classify(text)
    is_staff, opted_out, property_name = _sender_status(services, property_id, sender)
    language = optout.language_of(text)
    reply: str | None
    command: optout.OptCommand | None = None
    if payload.get("notice"):
        reply = str(payload["notice"])
    elif int(payload.get("num_media") or 0) > 0:
        reply = templates.text("media", language)
        text = text or "[media]"
    elif keyword is not None and not is_staff and _is_command(keyword, opted_out):
        command = keyword.command
        reply = templates.text(command.value, keyword.language, property=property_name)
    elif opted_out and not is_staff:
        reply = None  # stored for the staff to see; an opted-out guest gets no replies
    else:
        _run_turn(services, property_id, payload, channel, sender, sid, text)
        return
    try:
        outbound_id = _system_exchange(
            services, property_id, channel, sender, sid, text, reply, command
        )
    except IntegrityError:
        log.info("Inbound %s was stored by another job meanwhile", sid)
        return
    if outbound_id is not None:
        enqueue(services, DELIVER_MESSAGE, property_id, {"message_id": outbound_id})


def _is_command(keyword: optout.Keyword, opted_out: bool) -> bool:
    """STOP always; START (and its "yes") only from an opted-out guest: a subscribed guest's
    "Yes" is an answer, e.g. to a campaign's offer, for the agent."""
    return keyword.command is optout.OptCommand.STOP or opted_out


def _run_turn(
    services: Services,
    property_id: int,
    payload: dict[str, Any],
    channel: Channel,
    sender: str,
    sid: str,
    text: str,
) -> None:
    turn = Turn(property_slug=str(payload["slug"]), channel=channel, sender=sender, text=text,
                message_id=sid)  # fmt: skip
    try:
        result = services.runtime.handle(turn)
    except IntegrityError:
        log.info("Inbound %s was stored by another job meanwhile", sid)
        return
    except (TurnRefused, TurnNotRepeatable) as error:
        raise PermanentError(str(error)) from error
    if result.actions:
        notify_later(services, property_id)  # a write may have raised a staff notification
    stored = _stored_inbound(services, property_id, channel, sid)
    if stored is not None:
        _resume(services, property_id, *stored)
    elif result.reply:
        log.warning("Turn of inbound %s stored no message with its SID", sid)


def _stored_inbound(
    services: Services, property_id: int, channel: Channel, sid: str
) -> tuple[int, int] | None:
    """(message id, conversation id) of the inbound message with this SID, if stored."""
    with services.db.tenant(property_id) as session:
        row = session.execute(
            select(Message.id, Message.conversation_id).where(
                Message.channel == channel,
                Message.external_id == sid,
                Message.direction == Direction.INBOUND,
            )
        ).first()
    return (int(row[0]), int(row[1])) if row is not None else None


def _resume(services: Services, property_id: int, inbound_id: int, conversation_id: int) -> None:
    """After the inbound message is stored: open WhatsApp's window and deliver its reply."""
    with services.db.tenant(property_id) as session:
        _touch_inbound(session, conversation_id)
        reply_id = session.scalar(
            select(Message.id)
            .where(
                Message.conversation_id == conversation_id,
                Message.direction == Direction.OUTBOUND,
                Message.id > inbound_id,
                Message.delivery_status == DeliveryStatus.QUEUED,
            )
            .order_by(Message.id)
            .limit(1)
        )
    if reply_id is not None:
        enqueue(services, DELIVER_MESSAGE, property_id, {"message_id": int(reply_id)})


def _touch_inbound(session: Session, conversation_id: int) -> None:
    session.execute(
        update(Conversation)
        .where(Conversation.id == conversation_id)
        .values(last_inbound_at=datetime.now(UTC))
    )


def _sender_status(services: Services, property_id: int, sender: str) -> tuple[bool, bool, str]:
    """(sender is active staff, sender is an opted-out guest, the property's name)."""
    with services.db.tenant(property_id) as session:
        staff = session.scalar(
            select(StaffUser.id).where(StaffUser.active.is_(True), StaffUser.phone == sender)
        )
        opted_out = staff is None and optout.is_opted_out(session, sender)
        name = session.scalar(select(Property.name).where(Property.id == property_id))
    return staff is not None, opted_out, name or ""


def _system_exchange(
    services: Services,
    property_id: int,
    channel: Channel,
    sender: str,
    sid: str,
    text: str,
    reply: str | None,
    command: optout.OptCommand | None,
) -> int | None:
    """Store the inbound message and the channel's own reply (if any) in the sender's
    conversation, applying STOP/START; returns the reply's id. Holds the same per-person lock
    as a turn, so it never interleaves with one."""
    with services.db.tenant(property_id, lock_key=f"{property_id}:{sender}") as session:
        identity, conversation = identify(session, property_id, sender)
        if command is not None and identity.actor.kind == "guest" and identity.actor.id:
            optout.apply(session, identity.actor.id, command)
        author = Author.STAFF if identity.actor.kind == "staff" else Author.GUEST
        base = {"property_id": property_id, "conversation_id": conversation.id, "channel": channel}
        session.execute(
            insert(Message).values(
                **base, direction=Direction.INBOUND, author=author, body=text, external_id=sid,
                delivery_status=DeliveryStatus.RECEIVED,
            )
        )  # fmt: skip
        reply_id = None
        if reply:
            reply_id = session.scalar(
                insert(Message)
                .values(
                    **base, direction=Direction.OUTBOUND, author=Author.SYSTEM, body=reply,
                    delivery_status=DeliveryStatus.QUEUED,
                )
                .returning(Message.id)
            )  # fmt: skip
        save_conversation(session, conversation, channel, conversation.agent)
        _touch_inbound(session, conversation.id)
    return int(reply_id) if reply_id is not None else None
