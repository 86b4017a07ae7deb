"""Who is speaking: a staff member known by phone or login in this property, or a guest.

Anyone not on the staff list is a guest; a guest is one person across channels, found (or
created) by phone number or e-mail. The thread key is channel-independent for that reason.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from functools import cache
from typing import Any

import phonenumbers
from sqlalchemy import Executable, String, and_, bindparam, case, cast, insert, or_, select, update
from sqlalchemy.orm import Session

from domain.conversations import Channel, Conversation, ConversationStatus
from domain.guests import Guest
from domain.property import Property, StaffUser
from tools.base import Actor


class BadSender(ValueError):
    """The sender is neither a valid phone number nor an e-mail address."""


@dataclass(frozen=True)
class Identity:
    actor: Actor
    thread_key: str  # "staff:12" or "guest:345": one conversation per person
    # The property's catalogue version, read by the same query for free (see tools.catalogue).
    catalogue_version: uuid.UUID | None = None


WEB_VISITOR = "web:"  # the web chat widget's visitors: "web:<token>"
_VISITOR_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")


def normalise_sender(sender: str, default_region: str = "IL") -> str:
    """E.164 for phone numbers (accepting local formats), lower-case for e-mail logins, and
    ``web:<token>`` as given for web chat visitors."""
    sender = sender.strip()
    if sender.startswith(WEB_VISITOR):
        if not _VISITOR_TOKEN.fullmatch(sender.removeprefix(WEB_VISITOR)):
            raise BadSender("A web visitor token is 16 to 64 letters, digits, - or _.")
        return sender
    if "@" in sender:
        return sender.lower()
    try:
        number = phonenumbers.parse(sender, default_region)
    except phonenumbers.NumberParseException as error:
        raise BadSender(f"{sender!r} is not a phone number or an e-mail address.") from error
    if not phonenumbers.is_possible_number(number):
        raise BadSender(f"{sender!r} is not a possible phone number.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class PropertyGone(LookupError):
    """The property id no longer names a property (it was deleted, e.g. by a seed reset)."""


@dataclass
class ConversationRef:
    """The few columns of the person's conversation a turn reads and may change."""

    id: int
    last_channel: Channel | None
    agent: str | None
    status: ConversationStatus


def identify(session: Session, property_id: int, sender: str) -> tuple[Identity, ConversationRef]:
    """The staff member with this phone or login, else the guest (created on first contact),
    and their conversation (created on first contact).

    One round trip in the common case: the property's own row (the only one row-level security
    shows) outer-joined to the staff member, else the guest, and the conversation. No row means
    the property itself is gone, which ``PropertyGone`` reports so a cached id can be refreshed.
    Core queries, not ORM entities: this runs on every turn and loading entities costs more
    than the round trip.
    """
    guest_column, contact = _guest_contact(sender)
    (guest_key,) = contact.values()
    row = session.execute(
        _identify_query(guest_column.key),
        {"property_id": property_id, "sender": sender, "guest_key": guest_key},
    ).first()
    if row is None:
        raise PropertyGone(f"Property {property_id} no longer exists.")
    version, staff_id, staff_name, role, staff_phone, guest_id, guest_name, *conversation = row
    if staff_id is not None:
        actor = Actor(kind="staff", id=staff_id, name=staff_name, role=role, phone=staff_phone)
    else:
        if guest_id is None:
            guest_id = _create_guest(session, property_id, sender)
        phone = sender if guest_column is Guest.phone else None
        actor = Actor(kind="guest", id=guest_id, name=guest_name, phone=phone)
    identity = Identity(actor, f"{actor.kind}:{actor.id}", version)
    if conversation[0] is None:
        return identity, _create_conversation(session, property_id, identity)
    return identity, ConversationRef(*conversation)


@cache
def _identify_query(guest_column_name: str) -> Executable:
    """identify's statement, built once per guest contact column with bound parameters:
    building it per turn (joins, CASE, casts) cost ~0.5 ms of Python."""
    guest_column = getattr(Guest, guest_column_name)
    sender = bindparam("sender", type_=String)
    thread_key = case(
        (StaffUser.id.is_not(None), "staff:" + cast(StaffUser.id, String)),
        else_="guest:" + cast(Guest.id, String),
    )
    return (
        select(
            Property.catalogue_version,
            StaffUser.id,
            StaffUser.name,
            StaffUser.role,
            StaffUser.phone,
            Guest.id,
            Guest.name,
            Conversation.id,
            Conversation.last_channel,
            Conversation.agent,
            Conversation.status,
        )
        .select_from(Property)
        .outerjoin(
            StaffUser,
            and_(
                StaffUser.active.is_(True),
                or_(StaffUser.phone == sender, StaffUser.email == sender),
            ),
        )
        .outerjoin(
            Guest,
            and_(StaffUser.id.is_(None), guest_column == bindparam("guest_key", type_=String)),
        )
        .outerjoin(Conversation, Conversation.thread_key == thread_key)
        .where(Property.id == bindparam("property_id"))
        .limit(1)
    )


def _guest_contact(sender: str) -> tuple[Any, dict[str, str]]:
    """The guests column that finds this sender, and the value to create them with."""
    if sender.startswith(WEB_VISITOR):
        return Guest.web_visitor, {"web_visitor": sender.removeprefix(WEB_VISITOR)}
    if "@" in sender:
        return Guest.email, {"email": sender}
    return Guest.phone, {"phone": sender}


def _create_guest(session: Session, property_id: int, sender: str) -> int:
    _, contact = _guest_contact(sender)
    guest_id = session.scalar(
        insert(Guest).values(property_id=property_id, preferences=[], **contact).returning(Guest.id)
    )
    assert guest_id is not None
    return int(guest_id)


def _create_conversation(session: Session, property_id: int, identity: Identity) -> ConversationRef:
    actor = identity.actor
    conversation_id = session.scalar(
        insert(Conversation)
        .values(
            property_id=property_id,
            thread_key=identity.thread_key,
            guest_id=actor.id if actor.kind == "guest" else None,
            staff_user_id=actor.id if actor.kind == "staff" else None,
            last_channel=Channel.TERMINAL,  # replaced by the turn's own channel on save
            status=ConversationStatus.OPEN,
        )
        .returning(Conversation.id)
    )
    assert conversation_id is not None
    return ConversationRef(conversation_id, None, None, ConversationStatus.OPEN)


def save_conversation(
    session: Session, conversation: ConversationRef, channel: Channel, agent: str | None
) -> None:
    """Record the turn's channel and agent, writing only when one of them changed."""
    if (conversation.last_channel, conversation.agent) == (channel, agent):
        return
    session.execute(
        update(Conversation)
        .where(Conversation.id == conversation.id)
        .values(last_channel=channel, agent=agent)
    )
    conversation.last_channel, conversation.agent = channel, agent
