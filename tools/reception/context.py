"""What every reception tool shares: the property's rules and clock, who the caller may act
for, and the staff notification that follows every write."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from domain.guests import Guest
from domain.ops import Notification, NotificationKind
from domain.property import Property
from domain.rooms import ACTIVE_RESERVATION_STATUSES, ReservationStatus
from tools.base import ToolContext, ToolError

CENT = Decimal("0.01")
ACTIVE_STATUSES = tuple(ReservationStatus(status) for status in ACTIVE_RESERVATION_STATUSES)


@dataclass(frozen=True)
class PropertyRules:
    """The property's settings the reception tools apply, read once per tool call."""

    id: int
    name: str
    tz: ZoneInfo
    currency: str
    phone: str | None
    check_in_time: time
    check_out_time: time
    cancellation_window_hours: int
    tax_rate_percent: Decimal
    policies: dict[str, Any]

    def at(self, day: date, clock: time) -> datetime:
        """``day`` at ``clock``, in the property's timezone."""
        return datetime.combine(day, clock, tzinfo=self.tz)

    def policy(self, *path: str) -> object:
        """A value from the policies JSON (``policy("cancellation", "no_show_charge")``), or
        None where the property defines nothing."""
        node: object = self.policies
        for key in path:
            if not isinstance(node, dict):
                return None
            node = node.get(key)
        return node


def property_rules(ctx: ToolContext) -> PropertyRules:
    prop = ctx.session.get(Property, ctx.property_id)
    if prop is None:  # row-level security hides every other property
        raise ToolError("This property is not set up yet: please contact the front desk.")
    return PropertyRules(
        id=prop.id,
        name=prop.name,
        tz=ZoneInfo(prop.timezone),
        currency=prop.currency,
        phone=prop.phone,
        check_in_time=prop.check_in_time,
        check_out_time=prop.check_out_time,
        cancellation_window_hours=prop.cancellation_window_hours,
        tax_rate_percent=Decimal(prop.tax_rate_percent),
        policies=dict(prop.policies or {}),
    )


def current_time(ctx: ToolContext, rules: PropertyRules) -> datetime:
    """Now, in the property's timezone (``ctx.now`` when tests or evals pin the clock)."""
    moment = ctx.now if ctx.now is not None else datetime.now(UTC)
    if moment.tzinfo is None:  # a naive pinned time means the property's wall clock
        moment = moment.replace(tzinfo=rules.tz)
    return moment.astimezone(rules.tz)


def money(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, ROUND_HALF_UP)


def show_money(amount: Decimal, currency: str) -> str:
    return f"{money(amount):,.2f} {currency}"


def guest_scope(ctx: ToolContext) -> int | None:
    """Whose records the caller may see: a guest only their own (their id), staff and the
    system every guest of the property (None). Row-level security already limits both to this
    property; this is the line between guests."""
    if ctx.actor.kind != "guest":
        return None
    if ctx.actor.id is None:
        raise ToolError(
            "I don't know who you are yet: please give the phone number or e-mail address "
            "you booked with."
        )
    return ctx.actor.id


def acting_guest_id(ctx: ToolContext, guest_id: int | None) -> int:
    """The guest a write is for: a guest always acts for themself (any ``guest_id`` they pass
    is ignored), staff must name the guest."""
    own = guest_scope(ctx)
    if own is not None:
        return own
    if ctx.actor.kind != "staff":
        raise ToolError("Only a guest or a staff member can do that.")
    if guest_id is None:
        raise ToolError("Say which guest this is for (guest_id).")
    if ctx.session.scalar(select(Guest.id).where(Guest.id == guest_id)) is None:
        raise ToolError(f"There is no guest with id {guest_id} at this property.")
    return guest_id


def notify_staff(
    ctx: ToolContext, kind: NotificationKind, title: str, body: str, data: dict[str, Any]
) -> None:
    """A notification for every manager and owner (no single recipient)."""
    ctx.session.add(
        Notification(
            property_id=ctx.property_id,
            kind=kind,
            recipient_staff_id=None,
            title=title[:200],
            body=body,
            data={**data, "conversation_id": ctx.conversation_id, "by": ctx.actor.label},
        )
    )


def guest_label(ctx: ToolContext, guest_id: int) -> str:
    row = ctx.session.execute(
        select(Guest.name, Guest.phone, Guest.email).where(Guest.id == guest_id)
    ).one_or_none()
    if row is None:
        return f"guest {guest_id}"
    name, phone, email = row
    return ", ".join(part for part in (name, phone, email) if part) or f"guest {guest_id}"
