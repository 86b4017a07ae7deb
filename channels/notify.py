"""Staff notifications (low stock, handoffs, bookings...) by SMS, or WhatsApp if preferred.

``notify_staff`` fans the property's pending notifications out into one ``send_notification``
job each, so each has its own retries and dead letter. A notification addressed to nobody in
particular goes to every active manager and owner with a phone number.

Idempotent: the job locks the notification (``FOR UPDATE SKIP LOCKED``: a concurrent job for
the same one skips it) and remembers in Redis each recipient already texted, so a retry after
the second manager's send failed does not text the first one again.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update

from channels import templates
from channels.context import key
from channels.delivery import outgoing, window_open
from channels.queue import SEND_NOTIFICATION, enqueue
from channels.twilio_client import TwilioClient
from domain.conversations import Channel, Conversation
from domain.ops import Notification, NotificationStatus
from domain.property import Property, StaffRole, StaffUser

if TYPE_CHECKING:
    from api.services import Services

log = logging.getLogger(__name__)

SENT_MARKER_SECONDS = 7 * 24 * 3600
MANAGERS = (StaffRole.MANAGER, StaffRole.OWNER)


def notify_staff(services: Services, property_id: int, payload: dict[str, Any]) -> None:
    """The ``notify_staff`` job: queue one send per pending notification of the property."""
    with services.db.tenant(property_id) as session:
        pending = session.scalars(
            select(Notification.id)
            .where(Notification.status == NotificationStatus.PENDING)
            .order_by(Notification.id)
        ).all()
    for notification_id in pending:
        enqueue(services, SEND_NOTIFICATION, property_id, {"notification_id": notification_id})


def send_notification(services: Services, property_id: int, payload: dict[str, Any]) -> None:
    """The ``send_notification`` job: text one notification to its recipients, mark it sent."""
    notification_id = int(payload["notification_id"])
    with services.db.tenant(property_id) as session:
        notification = session.scalar(
            select(Notification)
            .where(
                Notification.id == notification_id,
                Notification.status == NotificationStatus.PENDING,
            )
            .with_for_update(skip_locked=True)
        )
        if notification is None:
            return  # sent already, or another job is sending it
        name, policies = session.execute(
            select(Property.name, Property.policies).where(Property.id == property_id)
        ).one()
        recipients = select(StaffUser.id, StaffUser.phone).where(
            StaffUser.active.is_(True), StaffUser.phone.is_not(None)
        )
        if notification.recipient_staff_id is not None:
            recipients = recipients.where(StaffUser.id == notification.recipient_staff_id)
        else:
            recipients = recipients.where(StaffUser.role.in_(MANAGERS))
        staff = session.execute(recipients.order_by(StaffUser.id)).all()
        channel = templates.notify_via(policies)
        body = f"{name}: {notification.title}\n{notification.body}".strip()
        client = TwilioClient(services.settings) if staff else None
        for staff_id, phone in staff:
            marker = key(services, "notified", notification_id, staff_id)
            if services.redis.exists(marker):
                continue
            via = channel
            in_window = True
            if channel is Channel.WHATSAPP:
                last = session.scalar(
                    select(Conversation.last_inbound_at).where(
                        Conversation.thread_key == f"staff:{staff_id}"
                    )
                )
                in_window = window_open(last)
                if not in_window and not templates.whatsapp_template(
                    policies, templates.STAFF_ALERT_TEMPLATE
                ):
                    via = Channel.SMS  # no approved template: SMS has no window
            request = outgoing(
                services.settings,
                policies,
                via,
                str(phone),
                body,
                in_window=in_window,
                template=templates.STAFF_ALERT_TEMPLATE,
                values={"title": notification.title, "body": notification.body,
                        "property_name": name},
            )  # fmt: skip
            assert client is not None
            sid = client.send(request)
            services.redis.set(marker, sid, ex=SENT_MARKER_SECONDS)
        if not staff:
            log.warning("Notification %s of property %s: no manager has a phone number",
                        notification_id, property_id)  # fmt: skip
        notification.status = NotificationStatus.SENT


def mark_failed(services: Services, property_id: int, payload: dict[str, Any], error: str) -> None:
    """The dead letter of a notification: it is marked failed."""
    with services.db.tenant(property_id) as session:
        session.execute(
            update(Notification)
            .where(
                Notification.id == int(payload["notification_id"]),
                Notification.status == NotificationStatus.PENDING,
            )
            .values(status=NotificationStatus.FAILED)
        )
