"""Room bookings: a quote, the booking itself, and the guest's list of reservations.

Race safety: the room is picked from what looked free a moment ago, and the insert runs in a
savepoint. If another booking took that room meanwhile, the database's exclusion constraint
(no overlapping active stays per room) refuses the insert; the savepoint rolls back and the
next free room is tried. When none is left the guest hears that the last room was just taken.

A new booking is ``confirmed``, unless the policies ask for a guarantee first
(``deposit.guarantee``, e.g. a credit card): then it is ``pending`` (it holds the room all the
same) and the result says that the team will contact the guest to complete it. The stored
``total_amount`` is the quoted total including taxes.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date

from pydantic import BaseModel, Field
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError, OperationalError

from domain.conversations import Conversation
from domain.ops import NotificationKind
from domain.rooms import ReservationStatus, RoomReservation
from tools.base import ToolContext, ToolError, audit
from tools.reception.context import (
    ACTIVE_STATUSES,
    PropertyRules,
    acting_guest_id,
    current_time,
    guest_label,
    notify_staff,
    property_rules,
    show_money,
)
from tools.reception.pricing import PriceQuote, load_plans, pick_plan, price_stays
from tools.reception.records import (
    ReservationInfo,
    booking_select,
    constraint_violated,
    find_booking,
    lost_a_race,
    snapshot,
    to_booking,
)
from tools.reception.stays import (
    RoomTypeRow,
    check_party_fits,
    check_type_fits,
    find_room_type,
    load_inventory,
    load_room_types,
    validate_party,
    validate_stay,
)

OVERLAP_CONSTRAINT = "no_overlapping_stays"
CODE_CONSTRAINT = "uq_room_reservations_property_id_code"
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I/L to misread
CODE_ATTEMPTS = 5
MAX_PAST_SHOWN = 5
MAX_UPCOMING_SHOWN = 20
MAX_HISTORY_READ = 200  # one guest's whole history, newest first


class ReservationArgs(BaseModel):
    check_in: date
    check_out: date
    guests: int = Field(ge=1, le=1000, description="Number of people, children included.")
    children: int = Field(default=0, ge=0)
    room_type: str = Field(description="Room type code or name, e.g. from room_availability.")
    rate_plan: str | None = Field(
        default=None,
        description="Rate code from the availability quote; omit for the flexible room-only rate.",
    )
    special_requests: str | None = Field(default=None, max_length=500)
    guest_id: int | None = Field(default=None, description="Staff only: who the booking is for.")


class ReservationQuote(BaseModel):
    room_type: str
    room_type_name: str
    check_in: date
    check_out: date
    nights: int
    guests: int
    children: int
    price: PriceQuote
    rooms_left: int
    special_requests: str | None
    status_after_booking: ReservationStatus
    next_step: str | None  # what happens after booking (e.g. the card guarantee)
    message: str


class BookingResult(BaseModel):
    reservation: ReservationInfo
    price: PriceQuote
    next_step: str | None
    message: str


class MyReservationsArgs(BaseModel):
    guest_id: int | None = Field(default=None, description="Staff only: one guest's bookings.")


class MyReservations(BaseModel):
    upcoming: list[ReservationInfo]  # includes a stay in progress
    past: list[ReservationInfo]  # most recent first, cancellations included


@dataclass(frozen=True)
class _Prepared:
    rules: PropertyRules
    room_type: RoomTypeRow
    plan_id: int
    quote: ReservationQuote
    free_rooms: list[int]


def quote_reservation(ctx: ToolContext, args: ReservationArgs) -> ReservationQuote:
    """The exact price and terms of booking this room type for these dates. Read only: show
    it to the guest and ask them to confirm before create_reservation."""
    return _prepare(ctx, args).quote


def create_reservation(ctx: ToolContext, args: ReservationArgs) -> BookingResult:
    """Book a room of the type for the dates at the quoted rate (same arguments as
    quote_reservation, after the guest confirmed it)."""
    guest_id = acting_guest_id(ctx, args.guest_id)
    prepared = _prepare(ctx, args)
    rules, quote = prepared.rules, prepared.quote
    new_id = _insert_into_a_free_room(ctx, prepared, args, guest_id)
    if new_id is None:
        raise ToolError(
            f"Sorry, the last {quote.room_type_name} from {args.check_in:%d %b} to "
            f"{args.check_out:%d %b %Y} was just taken. Shall I look for other rooms or dates?"
        )
    today = current_time(ctx, rules).date()
    info = find_booking(ctx, rules, today, new_id).info
    audit(ctx, "create_reservation", "room_reservations", info.id, None, snapshot(info))
    notify_staff(
        ctx,
        NotificationKind.BOOKING,
        f"New booking {info.code}: {info.room_type_name}, {_span(info)}",
        f"{guest_label(ctx, guest_id)} booked room {info.room_number} ({info.room_type_name}) "
        f"for {info.guests} guests, {_span(info)}, {quote.price.rate_name}: "
        f"{show_money(info.total, info.currency)}. Status: {info.status.value}."
        + (f" Requests: {info.special_requests}" if info.special_requests else ""),
        {"action": "created", "reservation_id": info.id, "code": info.code, "guest_id": guest_id},
    )
    return BookingResult(
        reservation=info,
        price=quote.price,
        next_step=quote.next_step,
        message=f"Booked: reservation {info.code}, {info.room_type_name}, {_span(info)}, "
        f"total {show_money(info.total, info.currency)}.",
    )


def my_reservations(ctx: ToolContext, args: MyReservationsArgs) -> MyReservations:
    """The caller's reservations: upcoming (and in progress) stays, then recent past and
    cancelled ones. A guest sees only their own; staff see a named guest's, or without a
    guest_id every upcoming stay of the property."""
    rules = property_rules(ctx)
    today = current_time(ctx, rules).date()
    query = booking_select(ctx)
    if ctx.actor.kind != "guest" and args.guest_id is None:
        rows = ctx.session.execute(
            query.where(
                RoomReservation.status.in_(ACTIVE_STATUSES), RoomReservation.check_out >= today
            )
            .order_by(RoomReservation.check_in)
            .limit(MAX_UPCOMING_SHOWN)
        ).all()
        return MyReservations(upcoming=[to_booking(r, rules, today).info for r in rows], past=[])
    if args.guest_id is not None and ctx.actor.kind != "guest":
        query = query.where(RoomReservation.guest_id == args.guest_id)
    rows = ctx.session.execute(
        query.order_by(RoomReservation.check_in.desc()).limit(MAX_HISTORY_READ)
    ).all()
    infos = [to_booking(row, rules, today).info for row in rows]
    upcoming = [i for i in reversed(infos) if i.stage in ("upcoming", "in house")]
    past = [i for i in infos if i.stage in ("past", "cancelled")]
    return MyReservations(upcoming=upcoming[:MAX_UPCOMING_SHOWN], past=past[:MAX_PAST_SHOWN])


def _prepare(ctx: ToolContext, args: ReservationArgs) -> _Prepared:
    rules = property_rules(ctx)
    today = current_time(ctx, rules).date()
    nights = validate_stay(rules, today, args.check_in, args.check_out)
    validate_party(args.guests, args.children)
    types = load_room_types(ctx)
    fitting = check_party_fits(types, args.guests)
    room_type = find_room_type(types, args.room_type)
    check_type_fits(room_type, args.guests, fitting)
    plan = pick_plan(
        load_plans(ctx, [room_type.id]).get(room_type.id, []), args.rate_plan, room_type.name
    )
    inventory = load_inventory(ctx, [room_type.id], args.check_in, args.check_out)
    free_rooms = inventory.free_rooms(room_type.id, args.check_in, args.check_out)
    if not free_rooms:
        raise ToolError(
            f"The {room_type.name} is fully booked from {args.check_in:%d %b} to "
            f"{args.check_out:%d %b %Y}. Check room_availability for other rooms or dates."
        )
    price = price_stays(ctx, rules, [plan], args.check_in, args.check_out, args.guests)[plan.id]
    guarantee = rules.policy("deposit", "guarantee")
    status = ReservationStatus.PENDING if guarantee else ReservationStatus.CONFIRMED
    next_step = (
        f"Our team will contact the guest to complete the booking: {guarantee}."
        if isinstance(guarantee, str)
        else None
    )
    quote = ReservationQuote(
        room_type=room_type.code,
        room_type_name=room_type.name,
        check_in=args.check_in,
        check_out=args.check_out,
        nights=nights,
        guests=args.guests,
        children=args.children,
        price=price,
        rooms_left=len(free_rooms),
        special_requests=args.special_requests,
        status_after_booking=status,
        next_step=next_step,
        message=(
            f"{room_type.name}, {nights} nights from {args.check_in:%d %b %Y}, "
            f"{price.rate_name}: {show_money(price.total, price.currency)} including taxes. "
            f"{price.cancellation.text}"
        ),
    )
    return _Prepared(rules, room_type, plan.id, quote, free_rooms)


def _insert_into_a_free_room(
    ctx: ToolContext, prepared: _Prepared, args: ReservationArgs, guest_id: int
) -> int | None:
    """The new reservation's id, or None when every room that looked free was taken."""
    quote = prepared.quote
    values = {
        "property_id": ctx.property_id,
        "guest_id": guest_id,
        "rate_plan_id": prepared.plan_id,
        "check_in": args.check_in,
        "check_out": args.check_out,
        "adults": args.guests - args.children,
        "children": args.children,
        "status": quote.status_after_booking,
        "total_amount": quote.price.total,
        "currency": quote.price.currency,
        "source_channel": _channel(ctx),
        "special_requests": args.special_requests,
    }
    for room_id in prepared.free_rooms:
        deadlocked = False
        for _ in range(CODE_ATTEMPTS):
            code = new_code(prepared.rules.name)
            try:
                with ctx.session.begin_nested():
                    return ctx.session.execute(
                        insert(RoomReservation)
                        .values(**values, room_id=room_id, code=code)
                        .returning(RoomReservation.id)
                    ).scalar_one()
            except IntegrityError as error:
                violated = constraint_violated(error)
                if violated == CODE_CONSTRAINT:
                    continue  # the same room with another code
                if violated == OVERLAP_CONSTRAINT:
                    break  # taken meanwhile: the next room
                raise
            except OperationalError as error:
                if not lost_a_race(error):
                    raise
                if deadlocked:
                    break  # twice: the room stays contended, the next room
                deadlocked = True  # once more: the insert now waits for the other's outcome
    return None


def new_code(property_name: str) -> str:
    """A reservation code: the property's initials and six unambiguous characters."""
    initials = "".join(w[0] for w in property_name.split() if w[:1].isascii() and w[0].isalpha())
    prefix = initials.upper()[:3] or "R"
    return prefix + "".join(secrets.choice(CODE_ALPHABET) for _ in range(6))


def _channel(ctx: ToolContext) -> str | None:
    if ctx.conversation_id is None:
        return None
    channel = ctx.session.scalar(
        select(Conversation.last_channel).where(Conversation.id == ctx.conversation_id)
    )
    return None if channel is None else str(channel.value)


def _span(info: ReservationInfo) -> str:
    return f"{info.check_in:%d %b} to {info.check_out:%d %b %Y}"
