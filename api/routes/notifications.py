"""Staff notifications (low stock, handoffs, bookings...): the list and marking one read.

A notification with no recipient is for every manager and owner (``domain.ops``); one with a
recipient is that staff member's. A staff member sees the ones meant for them, so a plain
staff member sees only those addressed to them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from api.auth import StaffPrincipal
from api.deps import PropertySession, PropertyStaff
from api.routes.schemas import MAX_ID, PREFIX, Limit, Public, audit_write, not_found
from domain.ops import Notification, NotificationKind, NotificationStatus
from domain.property import StaffRole

router = APIRouter(prefix=PREFIX, tags=["notifications"])

NotificationId = Annotated[int, Path(ge=1, le=MAX_ID, description="Notification id.")]


class NotificationPublic(Public):
    id: int
    kind: NotificationKind
    recipient_staff_id: int | None
    title: str
    body: str
    data: dict[str, Any]
    status: NotificationStatus
    created_at: datetime
    read_at: datetime | None


@router.get("/notifications", summary="Notifications meant for you, newest first")
def list_notifications(
    staff: PropertyStaff,
    session: PropertySession,
    status_: Annotated[NotificationStatus | None, Query(alias="status")] = None,
    limit: Limit = 50,
) -> list[NotificationPublic]:
    query = select(Notification).where(_meant_for(staff))
    if status_ is not None:
        query = query.where(Notification.status == status_)
    rows = session.scalars(query.order_by(Notification.id.desc()).limit(limit)).all()
    return [NotificationPublic.model_validate(n) for n in rows]


@router.post("/notifications/{notification_id}/read", summary="Mark a notification read")
def mark_notification_read(
    notification_id: NotificationId, staff: PropertyStaff, session: PropertySession
) -> NotificationPublic:
    notification = _visible(session, staff, notification_id)
    if notification.status is not NotificationStatus.READ:
        before = notification.status
        notification.status = NotificationStatus.READ
        notification.read_at = datetime.now(UTC)
        audit_write(
            session,
            staff,
            "mark_notification_read",
            "notifications",
            notification.id,
            {"status": before.value},
            {"status": NotificationStatus.READ.value},
        )
    return NotificationPublic.model_validate(notification)


def _meant_for(staff: StaffPrincipal) -> ColumnElement[bool]:
    own = Notification.recipient_staff_id == staff.staff_id
    if staff.at_least(StaffRole.MANAGER):
        return or_(own, Notification.recipient_staff_id.is_(None))
    return own


def _visible(session: Session, staff: StaffPrincipal, notification_id: int) -> Notification:
    notification = session.scalars(
        select(Notification)
        .where(Notification.id == notification_id, _meant_for(staff))
        .with_for_update()
    ).first()
    if notification is None:
        raise not_found("notification", notification_id)
    return notification
