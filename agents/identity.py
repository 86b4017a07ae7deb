"""Who is speaking: a staff member known by phone or login in this property, or a guest.

Anyone not on the staff list is a guest; a guest is one person across channels, found (or
created) by phone number or e-mail. The thread key is channel-independent for that reason.
"""

from __future__ import annotations

from dataclasses import dataclass

import phonenumbers
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from domain.conversations import Channel, Conversation
from domain.guests import Guest
from domain.property import StaffUser
from tools.base import Actor


class BadSender(ValueError):
    """The sender is neither a valid phone number nor an e-mail address."""


@dataclass(frozen=True)
class Identity:
    actor: Actor
    thread_key: str  # "staff:12" or "guest:345": one conversation per person


def normalise_sender(sender: str, default_region: str = "IL") -> str:
    """E.164 for phone numbers (accepting local formats), lower-case for e-mail logins."""
    sender = sender.strip()
    if "@" in sender:
        return sender.lower()
    try:
        number = phonenumbers.parse(sender, default_region)
    except phonenumbers.NumberParseException as error:
        raise BadSender(f"{sender!r} is not a phone number or an e-mail address.") from error
    if not phonenumbers.is_possible_number(number):
        raise BadSender(f"{sender!r} is not a possible phone number.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def identify(session: Session, property_id: int, sender: str) -> Identity:
    """The staff member with this phone or login, else the guest (created on first contact)."""
    staff = session.scalars(
        select(StaffUser).where(
            StaffUser.active.is_(True), or_(StaffUser.phone == sender, StaffUser.email == sender)
        )
    ).first()
    if staff is not None:
        actor = Actor(
            kind="staff", id=staff.id, name=staff.name, role=staff.role, phone=staff.phone
        )
        return Identity(actor, f"staff:{staff.id}")
    column = Guest.email if "@" in sender else Guest.phone
    guest = session.scalars(select(Guest).where(column == sender)).first()
    if guest is None:
        guest = Guest(property_id=property_id, preferences=[])
        if "@" in sender:
            guest.email = sender
        else:
            guest.phone = sender
        session.add(guest)
        session.flush()
    actor = Actor(kind="guest", id=guest.id, name=guest.name, phone=guest.phone)
    return Identity(actor, f"guest:{guest.id}")


def conversation_for(
    session: Session, property_id: int, identity: Identity, channel: Channel
) -> Conversation:
    conversation = session.scalars(
        select(Conversation).where(Conversation.thread_key == identity.thread_key)
    ).first()
    if conversation is None:
        actor = identity.actor
        conversation = Conversation(
            property_id=property_id,
            thread_key=identity.thread_key,
            guest_id=actor.id if actor.kind == "guest" else None,
            staff_user_id=actor.id if actor.kind == "staff" else None,
            last_channel=channel,
        )
        session.add(conversation)
        session.flush()
    conversation.last_channel = channel
    return conversation
