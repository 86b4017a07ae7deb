"""Changing a booking: new dates, party size or room type, re-priced and subject to
availability.

Policy, in code: a guest may change a flexible-rate booking themself while it can still be
cancelled free of charge (until the window before arrival). After that, or on a non-refundable
rate, or once the guest is checked in, changes go through staff (the agent offers a handoff),
because they may carry a charge a person has to agree. The booking keeps its room when that
room is free for the new dates; otherwise another free room of the type is taken, race-safe
like a new booking (the exclusion constraint decides, in a savepoint per room).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from pydantic import BaseModel, Field
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from domain.ops import NotificationKind
from domain.rooms import RoomReservation
from tools.base import ToolContext, ToolError, audit
from tools.reception.context import (
    PropertyRules,
    current_time,
    guest_label,
    money,
    notify_staff,
    property_rules,
    show_money,
)
from tools.reception.pricing import PriceQuote, equivalent_plan, load_plans, price_stays
from tools.reception.records import (
    REF_HELP,
    Booking,
    ReservationInfo,
    ReservationRef,
    constraint_violated,
    find_booking,
    require_upcoming,
    snapshot,
)
from tools.reception.reservations import OVERLAP_CONSTRAINT
from tools.reception.stays import (
    check_party_fits,
    check_type_fits,
    find_room_type,
    load_inventory,
    load_room_types,
    validate_party,
    validate_stay,
)


class ChangeArgs(BaseModel):
    reservation: ReservationRef = Field(description=REF_HELP)
    check_in: date | None = Field(default=None, description="New arrival date, if it changes.")
    check_out: date | None = Field(default=None, description="New departure date, if it changes.")
    guests: int | None = Field(default=None, ge=1, le=1000, description="New number of people.")
    children: int | None = Field(default=None, ge=0)
    room_type: str | None = Field(default=None, description="New room type, if it changes.")


class ChangeQuote(BaseModel):
    current: ReservationInfo
    check_in: date
    check_out: date
    nights: int
    guests: int
    children: int
    room_type: str
    room_type_name: str
    price: PriceQuote
    difference: Decimal  # new total minus the current total; negative: cheaper
    keeps_room: bool
    message: str


class ChangeResult(BaseModel):
    reservation: ReservationInfo
    difference: Decimal
    message: str


@dataclass(frozen=True)
class _Prepared:
    rules: PropertyRules
    booking: Booking
    quote: ChangeQuote
    plan_id: int
    rooms: list[int]  # free rooms of the new type, the current room first


def quote_change(ctx: ToolContext, args: ChangeArgs) -> ChangeQuote:
    """What a change to a reservation would cost and whether it is possible. Read only: show
    the new price and the difference, and ask the guest to confirm before change_reservation."""
    return _prepare(ctx, args, lock=False).quote


def change_reservation(ctx: ToolContext, args: ChangeArgs) -> ChangeResult:
    """Apply a change the guest confirmed (same arguments as quote_change)."""
    prepared = _prepare(ctx, args, lock=True)
    quote, before = prepared.quote, prepared.booking.info
    if not _move(ctx, prepared):
        raise ToolError(
            f"Sorry, the last {quote.room_type_name} for {quote.check_in:%d %b} to "
            f"{quote.check_out:%d %b %Y} was just taken. Shall I look for other dates or rooms?"
        )
    today = current_time(ctx, prepared.rules).date()
    after = find_booking(ctx, prepared.rules, today, before.id).info
    audit(
        ctx, "change_reservation", "room_reservations", before.id, snapshot(before), snapshot(after)
    )
    notify_staff(
        ctx,
        NotificationKind.BOOKING,
        f"Booking {after.code} changed",
        f"{guest_label(ctx, prepared.booking.guest_id)} changed {after.code}: "
        f"{_describe(before)} -> {_describe(after)}. Difference: "
        f"{show_money(quote.difference, after.currency)}.",
        {
            "action": "changed",
            "reservation_id": after.id,
            "code": after.code,
            "guest_id": prepared.booking.guest_id,
            "difference": str(quote.difference),
        },
    )
    return ChangeResult(
        reservation=after,
        difference=quote.difference,
        message=f"Changed {after.code}: {_describe(after)}, new total "
        f"{show_money(after.total, after.currency)}.",
    )


def _prepare(ctx: ToolContext, args: ChangeArgs, lock: bool) -> _Prepared:
    rules = property_rules(ctx)
    now = current_time(ctx, rules)
    today = now.date()
    booking = find_booking(ctx, rules, today, args.reservation, lock=lock)
    current = booking.info
    require_upcoming(booking, "change")
    if not current.refundable:
        raise ToolError(
            f"Reservation {current.code} is on a non-refundable rate, which can't be changed. "
            "I can pass you to our staff if something came up."
        )
    terms = current.cancellation
    if terms is not None and terms.free_until is not None and now >= terms.free_until:
        raise ToolError(
            f"Changes within {rules.cancellation_window_hours} hours of arrival go through our "
            f"staff (free changes ended {terms.free_until:%d %b, %H:%M}). I can pass you to them."
        )
    check_in = args.check_in or current.check_in
    check_out = args.check_out or current.check_out
    guests = args.guests or current.guests
    children = args.children if args.children is not None else min(current.children, guests - 1)
    types = load_room_types(ctx)
    room_type = (
        find_room_type(types, args.room_type)
        if args.room_type is not None
        else next(t for t in types if t.id == booking.room_type_id)
    )
    unchanged = (check_in, check_out, guests, children, room_type.id) == (
        current.check_in,
        current.check_out,
        current.guests,
        current.children,
        booking.room_type_id,
    )
    if unchanged:
        raise ToolError(f"That is reservation {current.code} as it stands: what should change?")
    nights = validate_stay(rules, today, check_in, check_out)
    validate_party(guests, children)
    check_type_fits(room_type, guests, check_party_fits(types, guests))
    plans = load_plans(ctx, [room_type.id]).get(room_type.id, [])
    if not plans:
        raise ToolError(f"The {room_type.name} has no rate on sale: our staff can help.")
    plan = next(
        (p for p in plans if p.id == booking.rate_plan_id),
        equivalent_plan(plans, booking.includes_breakfast, current.refundable),
    )
    inventory = load_inventory(ctx, [room_type.id], check_in, check_out, current.id)
    rooms = inventory.free_rooms(room_type.id, check_in, check_out)
    if not rooms:
        raise ToolError(
            f"The {room_type.name} is not free from {check_in:%d %b} to {check_out:%d %b %Y}. "
            "Check room_availability for other dates or rooms."
        )
    keeps_room = booking.room_id in rooms
    if keeps_room:
        rooms = [booking.room_id, *(r for r in rooms if r != booking.room_id)]
    price = price_stays(ctx, rules, [plan], check_in, check_out, guests)[plan.id]
    difference = money(price.total - current.total)
    change = "more" if difference > 0 else "less"
    quote = ChangeQuote(
        current=current,
        check_in=check_in,
        check_out=check_out,
        nights=nights,
        guests=guests,
        children=children,
        room_type=room_type.code,
        room_type_name=room_type.name,
        price=price,
        difference=difference,
        keeps_room=keeps_room,
        message=(
            f"{room_type.name}, {check_in:%d %b} to {check_out:%d %b %Y}, {guests} guests: "
            f"{show_money(price.total, price.currency)} including taxes"
            + (
                f" ({show_money(abs(difference), price.currency)} {change} than now)."
                if difference
                else " (the same as now)."
            )
        ),
    )
    return _Prepared(rules, booking, quote, plan.id, rooms)


def _move(ctx: ToolContext, prepared: _Prepared) -> bool:
    """Update the booking into the first room still free; False if all were taken."""
    quote = prepared.quote
    values = {
        "check_in": quote.check_in,
        "check_out": quote.check_out,
        "adults": quote.guests - quote.children,
        "children": quote.children,
        "rate_plan_id": prepared.plan_id,
        "total_amount": quote.price.total,
        "currency": quote.price.currency,
    }
    for room_id in prepared.rooms:
        try:
            with ctx.session.begin_nested():
                ctx.session.execute(
                    update(RoomReservation)
                    .where(RoomReservation.id == prepared.booking.info.id)
                    .values(**values, room_id=room_id)
                )
        except IntegrityError as error:
            if constraint_violated(error) == OVERLAP_CONSTRAINT:
                continue
            raise
        return True
    return False


def _describe(info: ReservationInfo) -> str:
    return (
        f"{info.room_type_name} (room {info.room_number}), {info.check_in:%d %b} to "
        f"{info.check_out:%d %b %Y}, {info.guests} guests"
    )
