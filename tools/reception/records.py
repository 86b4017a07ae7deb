"""Finding one reservation the caller may see, and describing it.

A guest finds only their own reservations: the guest filter is part of the query, so a code
or id of someone else's booking (or of another property's, hidden by row-level security)
gives exactly the same answer as one that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal, cast

import psycopg
from pydantic import BaseModel
from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError, OperationalError

from buffr.db.session import deadlocked
from domain.rooms import RatePlan, ReservationStatus, Room, RoomReservation, RoomType
from tools.base import ToolContext, ToolError
from tools.reception.context import PropertyRules, guest_scope
from tools.reception.pricing import CancellationTerms, cancellation_terms

Stage = Literal["upcoming", "in house", "past", "cancelled"]
ReservationRef = str | int
REF_HELP = "the reservation code from the confirmation (or its number)"


class ReservationInfo(BaseModel):
    id: int
    code: str
    status: ReservationStatus
    stage: Stage
    room_type: str
    room_type_name: str
    room_number: str
    check_in: date
    check_out: date
    nights: int
    guests: int
    children: int
    rate_plan: str | None
    refundable: bool
    total: Decimal
    currency: str
    special_requests: str | None
    cancelled_at: datetime | None
    cancellation: CancellationTerms | None  # the terms while the stay is upcoming


@dataclass(frozen=True)
class Booking:
    """A reservation row with what writes need beyond its description."""

    info: ReservationInfo
    guest_id: int
    room_id: int
    room_type_id: int
    rate_plan_id: int | None
    includes_breakfast: bool


_COLUMNS = (
    RoomReservation.id,
    RoomReservation.code,
    RoomReservation.status,
    RoomReservation.guest_id,
    RoomReservation.room_id,
    RoomReservation.rate_plan_id,
    RoomReservation.check_in,
    RoomReservation.check_out,
    RoomReservation.adults,
    RoomReservation.children,
    RoomReservation.total_amount,
    RoomReservation.currency,
    RoomReservation.special_requests,
    RoomReservation.cancelled_at,
    Room.number,
    RoomType.id.label("room_type_id"),
    RoomType.code.label("room_type_code"),
    RoomType.name.label("room_type_name"),
    RatePlan.code.label("plan_code"),
    RatePlan.refundable,
    RatePlan.includes_breakfast,
)


def booking_select(ctx: ToolContext) -> Select[Any]:
    """Reservations the caller may see, with their room, room type and rate."""
    # Rows are read by column name; the long column tuple is not worth spelling as a type.
    query = cast(
        "Select[Any]",
        select(*_COLUMNS)
        .join(Room, Room.id == RoomReservation.room_id)
        .join(RoomType, RoomType.id == Room.room_type_id)
        .join(RatePlan, RatePlan.id == RoomReservation.rate_plan_id, isouter=True),
    )
    own = guest_scope(ctx)
    if own is not None:
        query = query.where(RoomReservation.guest_id == own)
    return query


def stage_of(status: ReservationStatus, check_in: date, today: date) -> Stage:
    if status is ReservationStatus.CANCELLED:
        return "cancelled"
    if status is ReservationStatus.CHECKED_IN:
        return "in house"
    if status in (ReservationStatus.PENDING, ReservationStatus.CONFIRMED) and check_in >= today:
        return "upcoming"
    return "past"  # checked out, no-show, or an arrival day gone by without a check-in


def to_booking(row: Any, rules: PropertyRules, today: date) -> Booking:
    status = ReservationStatus(row.status)
    stage = stage_of(status, row.check_in, today)
    refundable = True if row.refundable is None else bool(row.refundable)
    info = ReservationInfo(
        id=row.id,
        code=row.code,
        status=status,
        stage=stage,
        room_type=row.room_type_code,
        room_type_name=row.room_type_name,
        room_number=row.number,
        check_in=row.check_in,
        check_out=row.check_out,
        nights=(row.check_out - row.check_in).days,
        guests=row.adults + row.children,
        children=row.children,
        rate_plan=row.plan_code,
        refundable=refundable,
        total=row.total_amount,
        currency=row.currency,
        special_requests=row.special_requests,
        cancelled_at=row.cancelled_at,
        cancellation=(
            cancellation_terms(rules, row.check_in, refundable) if stage == "upcoming" else None
        ),
    )
    return Booking(
        info=info,
        guest_id=row.guest_id,
        room_id=row.room_id,
        room_type_id=row.room_type_id,
        rate_plan_id=row.rate_plan_id,
        includes_breakfast=bool(row.includes_breakfast),
    )


def find_booking(
    ctx: ToolContext, rules: PropertyRules, today: date, ref: ReservationRef, lock: bool = False
) -> Booking:
    """The reservation ``ref`` (code or number) if the caller may see it; locked for a write."""
    text = str(ref).strip()
    query = booking_select(ctx)
    if text.isdigit():
        query = query.where(RoomReservation.id == int(text))
    else:
        query = query.where(RoomReservation.code == text.upper())
    if lock:  # a change and a cancellation of one booking must not interleave
        query = query.with_for_update(of=RoomReservation)
    row = ctx.session.execute(query).first()
    if row is None:
        whose = "under your name" if guest_scope(ctx) is not None else "at this property"
        raise ToolError(f"I can't find reservation {text} {whose}: please check {REF_HELP}.")
    return to_booking(row, rules, today)


def require_upcoming(booking: Booking, doing: str) -> None:
    """Refuse a change or cancellation of a stay that is not upcoming, saying why."""
    info = booking.info
    if info.stage == "cancelled":
        when = f" on {info.cancelled_at:%d %b %Y}" if info.cancelled_at else ""
        raise ToolError(f"Reservation {info.code} was already cancelled{when}.")
    if info.stage == "in house":
        raise ToolError(
            f"Reservation {info.code} is checked in: to {doing} a stay in progress please talk "
            "to reception; I can pass you to them."
        )
    if info.stage == "past":
        raise ToolError(
            f"Reservation {info.code} ({info.check_in:%d %b} to {info.check_out:%d %b %Y}) is "
            f"in the past and can't be {doing}d."
        )


def lost_a_race(error: OperationalError) -> bool:
    """Two inserts of overlapping bookings at the same instant can each wait on the other's
    uncommitted row while checking the exclusion constraint; Postgres ends the deadlock by
    failing one of them. The loser tries the same room or table once more (that insert waits
    for the other booking to commit or not, so it learns whether the room is taken), then
    the next one, rather than failing the guest's turn."""
    return deadlocked(error)


def constraint_violated(error: IntegrityError) -> str | None:
    """The name of the constraint a failed insert or update ran into."""
    orig = error.orig
    if isinstance(orig, psycopg.Error) and orig.diag is not None:
        return orig.diag.constraint_name
    return None


def snapshot(info: ReservationInfo) -> dict[str, Any]:
    """The audit trail's before/after of a reservation."""
    return {
        "status": info.status.value,
        "room": info.room_number,
        "room_type": info.room_type,
        "check_in": info.check_in.isoformat(),
        "check_out": info.check_out.isoformat(),
        "guests": info.guests,
        "children": info.children,
        "rate_plan": info.rate_plan,
        "total": str(info.total),
    }
