"""Cancelling a booking under the property's policy.

- Flexible rate, before the free-cancellation deadline (``cancellation_window_hours`` before
  arrival, i.e. before the check-in time on the arrival day): free.
- Flexible rate, after the deadline: the charge the policies name under
  ``cancellation.late_cancellation_charge``. Understood: "first night" (that night's price on
  the booking's rate plus the property's tax), "full stay"/"full amount", a percentage
  ("50%"), or an amount in the property's currency. The guest sees the fee in the quote and
  confirms; the booking is cancelled and staff are told to charge it. If the property defines
  no charge (or one this code cannot price), the agent cannot cancel it: the booking can no
  longer be cancelled free of charge and a person decides, so the guest is offered a handoff.
- Non-refundable rate: may be cancelled, but nothing is refunded (the fee is the total).
- Cancelled, checked-in and past stays cannot be cancelled (clear errors).

There is no column for a cancellation fee: it is recorded in the audit entry and in the staff
notification (which is where the charge is acted on); ``total_amount`` keeps the booked price.
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

from pydantic import BaseModel, Field
from sqlalchemy import update

from domain.ops import NotificationKind
from domain.rooms import ReservationStatus, RoomReservation
from tools.base import ToolContext, ToolError, audit
from tools.reception.context import (
    ACTIVE_STATUSES,
    PropertyRules,
    current_time,
    guest_label,
    money,
    notify_staff,
    property_rules,
    show_money,
)
from tools.reception.pricing import load_plan, price_stays
from tools.reception.records import (
    REF_HELP,
    Booking,
    ReservationInfo,
    ReservationRef,
    find_booking,
    require_upcoming,
    snapshot,
)

PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s*%")
AMOUNT = re.compile(r"\d+(?:\.\d+)?")


class CancelArgs(BaseModel):
    reservation: ReservationRef = Field(description=REF_HELP)


class CancellationQuote(BaseModel):
    reservation: ReservationInfo
    free: bool
    fee: Decimal | None  # charged when cancelled now; None: no fee defined, staff decide
    currency: str
    can_cancel_here: bool
    policy: str
    message: str


class CancellationResult(BaseModel):
    reservation: ReservationInfo
    fee: Decimal
    message: str


def quote_cancellation(ctx: ToolContext, args: CancelArgs) -> CancellationQuote:
    """Whether a reservation can be cancelled now and what it costs under the policy. Read
    only: tell the guest the fee (or that it is free) and ask before cancel_reservation."""
    rules = property_rules(ctx)
    booking = find_booking(ctx, rules, current_time(ctx, rules).date(), args.reservation)
    return _quote(ctx, rules, booking)


def cancel_reservation(ctx: ToolContext, args: CancelArgs) -> CancellationResult:
    """Cancel a reservation the guest confirmed cancelling (same arguments as
    quote_cancellation), charging the fee that quote stated."""
    rules = property_rules(ctx)
    now = current_time(ctx, rules)
    booking = find_booking(ctx, rules, now.date(), args.reservation, lock=True)
    quote = _quote(ctx, rules, booking)
    if not quote.can_cancel_here or quote.fee is None:
        raise ToolError(quote.message)
    before = booking.info
    ctx.session.execute(
        update(RoomReservation)
        .where(RoomReservation.id == before.id, RoomReservation.status.in_(ACTIVE_STATUSES))
        .values(status=ReservationStatus.CANCELLED, cancelled_at=now)
    )
    after = find_booking(ctx, rules, now.date(), before.id).info
    fee = quote.fee
    audit(
        ctx,
        "cancel_reservation",
        "room_reservations",
        before.id,
        snapshot(before),
        {**snapshot(after), "cancellation_fee": str(fee)},
    )
    charge = f"Charge {show_money(fee, after.currency)}." if fee else "Free cancellation."
    notify_staff(
        ctx,
        NotificationKind.BOOKING,
        f"Booking {after.code} cancelled",
        f"{guest_label(ctx, booking.guest_id)} cancelled {after.code} ({after.room_type_name}, "
        f"room {after.room_number}, {after.check_in:%d %b} to {after.check_out:%d %b %Y}). "
        + charge,
        {
            "action": "cancelled",
            "reservation_id": after.id,
            "code": after.code,
            "guest_id": booking.guest_id,
            "fee": str(fee),
        },
    )
    return CancellationResult(
        reservation=after,
        fee=fee,
        message=f"Reservation {after.code} is cancelled. "
        + (f"A fee of {show_money(fee, after.currency)} applies." if fee else "No charge."),
    )


def _quote(ctx: ToolContext, rules: PropertyRules, booking: Booking) -> CancellationQuote:
    require_upcoming(booking, "cancel")
    info = booking.info
    terms = info.cancellation
    assert terms is not None  # every upcoming stay has its terms
    now = current_time(ctx, rules)
    free = terms.free_until is not None and now < terms.free_until
    fee: Decimal | None
    if free:
        fee = Decimal("0.00")
        message = (
            f"Reservation {info.code} can be cancelled free of charge until "
            f"{terms.free_until:%d %b %Y, %H:%M}."
        )
    elif not info.refundable:
        fee = info.total
        message = (
            f"Reservation {info.code} is on a non-refundable rate: if cancelled, the full "
            f"{show_money(fee, info.currency)} is charged and nothing is refunded."
        )
    else:
        fee = late_fee(terms.late_charge, _first_night(ctx, rules, booking), info.total)
        if fee is None:
            message = (
                f"Reservation {info.code} can no longer be cancelled free of charge (the free "
                f"period ended {terms.free_until:%d %b, %H:%M}). Our staff can look at it: shall "
                "I pass you to them?"
            )
        else:
            message = (
                f"The free-cancellation period for {info.code} ended "
                f"{terms.free_until:%d %b, %H:%M}; cancelling now costs "
                f"{show_money(fee, info.currency)} "
                f"({terms.late_charge})."
            )
    return CancellationQuote(
        reservation=info,
        free=free,
        fee=fee,
        currency=info.currency,
        can_cancel_here=fee is not None,
        policy=terms.text,
        message=message,
    )


def late_fee(charge: str | None, first_night: Decimal, total: Decimal) -> Decimal | None:
    """The fee a policy's words stand for, capped at the booking's total; None when the words
    say nothing this code can price."""
    if charge is None:
        return None
    text = charge.strip().lower()
    percent = PERCENT.search(text)
    if "first night" in text or text in ("one night", "1 night"):
        fee = first_night
    elif percent is not None:
        fee = total * Decimal(percent.group(1)) / 100
    elif any(word in text for word in ("full", "entire", "whole")):
        fee = total
    elif AMOUNT.fullmatch(text):
        fee = Decimal(text)
    else:
        return None
    return money(min(fee, total))


def _first_night(ctx: ToolContext, rules: PropertyRules, booking: Booking) -> Decimal:
    """The first night's price on the booking's rate, with the property's tax on it."""
    info = booking.info
    plan = load_plan(ctx, booking.rate_plan_id) if booking.rate_plan_id is not None else None
    if plan is None:  # no rate to look up: an average night of what was booked
        return info.total / info.nights
    night = info.check_in
    quote = price_stays(ctx, rules, [plan], night, night + timedelta(days=1), info.guests)[plan.id]
    price = quote.nights[0].price
    return price + money(price * rules.tax_rate_percent / 100)
