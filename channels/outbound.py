"""Getting an outbound message to the person: the contract the API and the agents rely on.

* ``deliver_later``: a stored outbound message (status ``queued``) goes out on its
  conversation's channel: pushed to the open web chat session at once (Redis pub/sub on
  :func:`conversation_topic`), or sent through Twilio by the background worker.
* ``notify_later``: the property's pending staff notifications are texted by the worker.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING

from sqlalchemy import select

from channels.queue import DELIVER_MESSAGE, NOTIFY_STAFF, enqueue
from domain.conversations import Author, Channel, DeliveryStatus, Direction, Message

if TYPE_CHECKING:
    from api.services import Services

log = logging.getLogger(__name__)


def conversation_topic(conversation_id: int) -> str:
    """The Redis pub/sub channel a web chat session of this conversation listens on."""
    return f"buffr:conversation:{conversation_id}"


def deliver_later(
    services: Services, property_id: int, message_id: int, sender_name: str | None = None
) -> None:
    """Deliver a stored outbound message (status ``queued``) on its conversation's channel:
    pushed to the open web chat session at once (signed ``sender_name`` when a person wrote
    it), or sent through Twilio by the worker."""
    with services.db.tenant(property_id) as session:
        message = session.scalar(select(Message).where(Message.id == message_id).with_for_update())
        if message is None or message.direction != Direction.OUTBOUND:
            return
        channel = message.channel
        if channel == Channel.WEB and message.delivery_status == DeliveryStatus.QUEUED:
            publish_web(services, message.conversation_id, web_frame(message, sender_name))
            message.delivery_status = DeliveryStatus.SENT
    if channel in (Channel.SMS, Channel.WHATSAPP):
        enqueue(services, DELIVER_MESSAGE, property_id, {"message_id": message_id})
    elif channel != Channel.WEB:
        log.debug("Message %s on %s: no channel delivers it", message_id, channel)


def web_frame(message: Message, name: str | None = None) -> dict[str, object]:
    """The web chat frame of an outbound message."""
    frame: dict[str, object] = {
        "type": "message",
        "author": "staff" if message.author == Author.STAFF else "agent",
        "text": message.body,
        "id": message.id,
    }
    if name:
        frame["name"] = name
    return frame


def notify_later(services: Services, property_id: int) -> None:
    """Send the property's pending staff notifications (low stock...) from the background."""
    enqueue(services, NOTIFY_STAFF, property_id, {})


def publish_web(services: Services, conversation_id: int, frame: dict[str, object]) -> None:
    services.redis.publish(conversation_topic(conversation_id), json.dumps(frame))
