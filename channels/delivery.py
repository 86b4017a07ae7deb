"""Sending a stored outbound message through Twilio, once, and tracking what became of it.

The job locks the message row (``FOR UPDATE``) for the length of the send: a second job for
the same message (a retry, a duplicate enqueue, the sweep) waits, then finds it no longer
``queued`` and does nothing. A message is marked ``sent`` with Twilio's SID in the same
transaction as the send, so only a crash between Twilio's answer and the commit could send it
twice; a failure before Twilio took it rolls back and is retried.

WhatsApp's 24-hour rule: free text may only be sent within 24 hours of the guest's last
message (``conversations.last_inbound_at``); outside it the property's approved "reengage"
template goes instead, and with no template the job fails (to the dead letters) rather than
sending free text.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from channels import templates
from channels.context import key
from channels.errors import PermanentError, TemplateMissing
from channels.twilio_client import OutgoingMessage, TwilioClient
from domain.campaigns import Campaign, CampaignMessage
from domain.conversations import Author, Channel, Conversation, DeliveryStatus, Direction, Message
from domain.guests import Guest
from domain.property import Property, StaffUser

if TYPE_CHECKING:
    from api.services import Services
    from buffr.settings import Settings

log = logging.getLogger(__name__)

WHATSAPP_WINDOW = timedelta(hours=24)
TWILIO_CHANNELS = (Channel.SMS, Channel.WHATSAPP)
# Twilio's message statuses → ours; "accepted", "queued", "sending" all mean Twilio has it.
TWILIO_STATUSES: dict[str, DeliveryStatus] = {
    "accepted": DeliveryStatus.SENT,
    "queued": DeliveryStatus.SENT,
    "sending": DeliveryStatus.SENT,
    "sent": DeliveryStatus.SENT,
    "delivered": DeliveryStatus.DELIVERED,
    "read": DeliveryStatus.READ,
    "failed": DeliveryStatus.FAILED,
    "undelivered": DeliveryStatus.UNDELIVERED,
}
# Callbacks may arrive out of order: a status never moves back ("sent" after "delivered").
_RANK = {
    DeliveryStatus.QUEUED: 0,
    DeliveryStatus.SENT: 1,
    DeliveryStatus.DELIVERED: 2,
    DeliveryStatus.FAILED: 2,
    DeliveryStatus.UNDELIVERED: 2,
    DeliveryStatus.READ: 3,
}
EARLY_STATUS_SECONDS = 3600


def status_callback_url(settings: Settings, slug: str) -> str | None:
    """Where Twilio reports what became of a message (needs the public URL)."""
    if not settings.public_url:
        return None
    return f"{settings.public_url.rstrip('/')}/channels/twilio/{slug}/status"


def window_open(last_inbound_at: datetime | None, now: datetime | None = None) -> bool:
    """Whether WhatsApp's 24-hour customer-service window is open."""
    if last_inbound_at is None:
        return False
    return (now or datetime.now(UTC)) - last_inbound_at < WHATSAPP_WINDOW


def address(channel: Channel, phone: str) -> str:
    return templates.whatsapp_address(phone) if channel is Channel.WHATSAPP else phone


def outgoing(
    settings: Settings,
    policies: dict[str, Any] | None,
    channel: Channel,
    phone: str,
    body: str,
    *,
    in_window: bool,
    template: str,
    values: dict[str, str],
    status_callback: str | None = None,
) -> OutgoingMessage:
    """The Twilio request for ``body``: free text, or WhatsApp's ``template`` outside the
    window (``TemplateMissing`` when the property has none)."""
    sender = templates.sender_for(policies, settings, channel)
    if sender is None:
        raise PermanentError(
            f"No {channel.value} sender number: set BUFFR_TWILIO_"
            f"{channel.value.upper()}_FROM or the property's policies.twilio.{channel.value}_from."
        )
    to = address(channel, phone)
    if channel is Channel.WHATSAPP and not in_window:
        found = templates.whatsapp_template(policies, template)
        if found is None:
            raise TemplateMissing(
                "WhatsApp's 24-hour window is closed and no approved template is configured "
                f"(policies.twilio.templates.{template}): free text was not sent."
            )
        return OutgoingMessage(
            to=to,
            from_=sender,
            content_sid=found.content_sid,
            content_variables=found.fill(values),
            status_callback=status_callback,
        )
    return OutgoingMessage(to=to, from_=sender, body=body, status_callback=status_callback)


def deliver_message(services: Services, property_id: int, payload: dict[str, Any]) -> None:
    """The ``deliver_message`` job: send one queued outbound SMS or WhatsApp message."""
    message_id = int(payload["message_id"])
    with services.db.tenant(property_id) as session:
        row = session.execute(
            select(Message, Conversation.last_inbound_at, Guest, StaffUser.phone)
            .join(Conversation, Conversation.id == Message.conversation_id)
            .outerjoin(Guest, Guest.id == Conversation.guest_id)
            .outerjoin(StaffUser, StaffUser.id == Conversation.staff_user_id)
            .where(Message.id == message_id)
            .with_for_update(of=Message)
        ).first()
        if row is None:
            return  # deleted meanwhile
        message, last_inbound_at, guest, staff_phone = row
        if (
            message.direction != Direction.OUTBOUND
            or message.delivery_status != DeliveryStatus.QUEUED
            or message.channel not in TWILIO_CHANNELS
        ):
            return  # already sent (a retry or a duplicate), or not ours to send
        phone = guest.phone if guest is not None else staff_phone
        if not phone:
            raise PermanentError(f"Message {message_id}: the conversation has no phone number.")
        if guest is not None and guest.opted_out_at is not None and message.author != Author.SYSTEM:
            message.delivery_status = DeliveryStatus.FAILED
            message.error = "Not sent: the guest opted out (STOP)."
            return
        if not message.body.strip():
            message.delivery_status = DeliveryStatus.FAILED
            message.error = "Not sent: the message is empty."
            return
        slug, name, policies = session.execute(
            select(Property.slug, Property.name, Property.policies).where(
                Property.id == property_id
            )
        ).one()
        in_window = window_open(last_inbound_at)
        request = outgoing(
            services.settings,
            policies,
            message.channel,
            phone,
            message.body,
            in_window=in_window,
            template=templates.REENGAGE_TEMPLATE if in_window else _template_for(session, message),
            values={
                "guest_name": (guest.name if guest is not None else None) or "",
                "property_name": name,
                "text": message.body,
            },
            status_callback=status_callback_url(services.settings, slug),
        )
        sid = TwilioClient(services.settings).send(request)
        message.external_id = sid
        message.delivery_status = DeliveryStatus.SENT
        message.error = None
    early = services.redis.getdel(key(services, "early-status", sid))
    if early is not None:  # Twilio's callback beat our commit
        text = early.decode() if isinstance(early, bytes) else str(early)
        status, _, error = text.partition("|")
        apply_status(services, property_id, sid, status, error or None)


def mark_failed(services: Services, property_id: int, payload: dict[str, Any], error: str) -> None:
    """The dead letter of a delivery: the message is marked failed with the reason."""
    with services.db.tenant(property_id) as session:
        session.execute(
            update(Message)
            .where(
                Message.id == int(payload["message_id"]),
                Message.delivery_status == DeliveryStatus.QUEUED,
            )
            .values(delivery_status=DeliveryStatus.FAILED, error=error[:2000])
        )


def apply_status(
    services: Services, property_id: int, sid: str, status: str, error: str | None = None
) -> bool:
    """Record a Twilio status callback on the outbound message with this SID. False when the
    status is not one we track. A callback for a SID not stored yet (it beat the commit of the
    send) is kept in Redis for the sending job to apply."""
    new = TWILIO_STATUSES.get(status.strip().lower())
    if new is None:
        return False
    with services.db.tenant(property_id) as session:
        message = session.scalar(
            select(Message)
            .where(
                Message.external_id == sid,
                Message.direction == Direction.OUTBOUND,
                Message.channel.in_(TWILIO_CHANNELS),
            )
            .with_for_update()
        )
        if message is None:
            services.redis.set(
                key(services, "early-status", sid),
                f"{new.value}|{error or ''}",
                ex=EARLY_STATUS_SECONDS,
            )
            return True
        if _RANK.get(new, 0) > _RANK.get(message.delivery_status, 0):
            message.delivery_status = new
            if new in (DeliveryStatus.FAILED, DeliveryStatus.UNDELIVERED) and error:
                message.error = f"Twilio error {error}"
    return True


def _template_for(session: Session, message: Message) -> str:
    """The WhatsApp template for when the 24-hour window is closed: a campaign message's own
    (``campaigns.messages.whatsapp.template``), any other message the re-engagement one."""
    if message.channel is not Channel.WHATSAPP:
        return templates.REENGAGE_TEMPLATE
    messages = session.scalar(
        select(Campaign.messages)
        .join(CampaignMessage, CampaignMessage.campaign_id == Campaign.id)
        .where(CampaignMessage.message_id == message.id)
    )
    entry = (messages or {}).get(Channel.WHATSAPP.value)
    if isinstance(entry, dict) and entry.get("template"):
        return str(entry["template"])
    return templates.REENGAGE_TEMPLATE
