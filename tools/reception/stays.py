"""The rules of a stay request and the room inventory behind availability.

One query loads the rooms and one the active reservations around the dates asked; free rooms
for the dates themselves and for the shifted dates offered as alternatives are then computed
in memory, so "nothing free, but the 14th works" costs no extra round trips.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from pydantic import BaseModel
from sqlalchemy import select

from domain.rooms import Room, RoomReservation, RoomType
from tools.base import ToolContext, ToolError
from tools.reception.context import ACTIVE_STATUSES, PropertyRules

MAX_NIGHTS = 30  # longer stays are negotiated by the team, not booked in a chat
MAX_DAYS_AHEAD = 365
DATE_SHIFT_DAYS = 7  # alternatives: the same stay moved up to a week earlier or later
MAX_DATE_OPTIONS = 3


@dataclass(frozen=True)
class RoomTypeRow:
    id: int
    code: str
    name: str
    description: str | None
    max_occupancy: int
    bed_config: str | None


class DateOption(BaseModel):
    check_in: date
    check_out: date
    shift_days: int  # negative: earlier than asked
    room_types: list[str]  # codes of the room types free for these dates


def validate_stay(rules: PropertyRules, today: date, check_in: date, check_out: date) -> int:
    """The number of nights, or a ToolError that says what to ask the guest."""
    if check_in < today:
        raise ToolError(
            f"{check_in:%d %b %Y} is in the past: today is {today:%d %b %Y} at {rules.name}. "
            "Which dates would you like?"
        )
    if check_out <= check_in:
        raise ToolError(
            f"Check-out ({check_out:%d %b %Y}) must be after check-in ({check_in:%d %b %Y}): "
            "a stay is at least one night."
        )
    nights = (check_out - check_in).days
    if nights > MAX_NIGHTS:
        raise ToolError(
            f"I can book stays of up to {MAX_NIGHTS} nights; for {nights} nights our team makes "
            "a long-stay offer, and I can pass you to them."
        )
    if check_in > today + timedelta(days=MAX_DAYS_AHEAD):
        raise ToolError(
            f"Bookings open {MAX_DAYS_AHEAD} days ahead, until "
            f"{today + timedelta(days=MAX_DAYS_AHEAD):%d %b %Y}; please choose earlier dates."
        )
    return nights


def validate_party(guests: int, children: int) -> None:
    if guests < 1:
        raise ToolError("How many guests will stay? At least one.")
    if children >= guests:
        raise ToolError("At least one guest must be an adult (children are counted in guests).")


def load_room_types(ctx: ToolContext) -> list[RoomTypeRow]:
    rows = ctx.session.execute(
        select(
            RoomType.id,
            RoomType.code,
            RoomType.name,
            RoomType.description,
            RoomType.max_occupancy,
            RoomType.bed_config,
        ).order_by(RoomType.max_occupancy, RoomType.code)
    ).all()
    if not rows:
        raise ToolError("This property has no rooms to book.")
    return [RoomTypeRow(*row) for row in rows]


def check_party_fits(types: list[RoomTypeRow], guests: int) -> list[RoomTypeRow]:
    """The room types that sleep ``guests``; a ToolError that says what to do if none does."""
    largest = max(types, key=lambda t: t.max_occupancy)
    if guests > largest.max_occupancy:
        raise ToolError(
            f"Our largest room, the {largest.name}, sleeps {largest.max_occupancy}. For "
            f"{guests} guests you can book several rooms (I can check them one at a time), or "
            "for a group I can pass you to our sales team."
        )
    return [t for t in types if t.max_occupancy >= guests]


def find_room_type(types: list[RoomTypeRow], wanted: str) -> RoomTypeRow:
    """A room type by code or (part of its) name, e.g. "DLX", "deluxe", "family suite"."""
    key = wanted.strip().lower()
    exact = [t for t in types if key in (t.code.lower(), t.name.lower())]
    partial = [t for t in types if key in t.name.lower() or t.name.lower() in key]
    found = exact or partial
    if len(found) == 1:
        return found[0]
    options = ", ".join(f"{t.name} ({t.code})" for t in (found or types))
    raise ToolError(f"Which room type do you mean? We have: {options}.")


def check_type_fits(room_type: RoomTypeRow, guests: int, fitting: list[RoomTypeRow]) -> None:
    if guests > room_type.max_occupancy:
        others = ", ".join(t.name for t in fitting)
        raise ToolError(
            f"The {room_type.name} sleeps at most {room_type.max_occupancy}; for {guests} "
            f"guests choose the {others}."
        )


@dataclass
class RoomInventory:
    """In-service rooms by room type and the nights their active reservations hold."""

    rooms: dict[int, list[tuple[int, str]]] = field(default_factory=dict)  # type -> (id, no.)
    held: dict[int, list[tuple[date, date]]] = field(default_factory=dict)  # room -> stays

    def free_rooms(self, room_type_id: int, check_in: date, check_out: date) -> list[int]:
        return [
            room_id
            for room_id, _ in self.rooms.get(room_type_id, [])
            if all(
                check_out <= start or end <= check_in for start, end in self.held.get(room_id, [])
            )
        ]


def load_inventory(
    ctx: ToolContext,
    room_type_ids: list[int],
    start: date,
    end: date,
    ignore_reservation: int | None = None,
) -> RoomInventory:
    """Rooms of these types and the active stays that touch [start, end) (without the
    reservation being changed, which may keep its own room)."""
    inventory = RoomInventory()
    room_rows = ctx.session.execute(
        select(Room.id, Room.room_type_id, Room.number)
        .where(Room.room_type_id.in_(room_type_ids), Room.in_service.is_(True))
        .order_by(Room.number)
    ).all()
    for room_id, type_id, number in room_rows:
        inventory.rooms.setdefault(type_id, []).append((room_id, number))
    query = select(
        RoomReservation.room_id, RoomReservation.check_in, RoomReservation.check_out
    ).where(
        RoomReservation.room_id.in_([r[0] for r in room_rows]),
        RoomReservation.status.in_(ACTIVE_STATUSES),
        RoomReservation.check_in < end,
        RoomReservation.check_out > start,
    )
    if ignore_reservation is not None:
        query = query.where(RoomReservation.id != ignore_reservation)
    for room_id, check_in, check_out in ctx.session.execute(query).all():
        inventory.held.setdefault(room_id, []).append((check_in, check_out))
    return inventory


def load_inventory_around(
    ctx: ToolContext,
    room_type_ids: list[int],
    check_in: date,
    check_out: date,
    ignore_reservation: int | None = None,
) -> RoomInventory:
    """Inventory wide enough to answer for the dates and every shifted alternative."""
    shift = timedelta(days=DATE_SHIFT_DAYS)
    return load_inventory(
        ctx, room_type_ids, check_in - shift, check_out + shift, ignore_reservation
    )


def nearest_dates(
    inventory: RoomInventory,
    types: list[RoomTypeRow],
    check_in: date,
    check_out: date,
    today: date,
) -> list[DateOption]:
    """The same length of stay moved by 1..7 days, nearest first (earlier before later)."""
    length = check_out - check_in
    options: list[DateOption] = []
    for distance in range(1, DATE_SHIFT_DAYS + 1):
        for shift in (-distance, distance):
            start = check_in + timedelta(days=shift)
            if start < today or start > today + timedelta(days=MAX_DAYS_AHEAD):
                continue
            free = [t.code for t in types if inventory.free_rooms(t.id, start, start + length)]
            if free:
                options.append(
                    DateOption(
                        check_in=start,
                        check_out=start + length,
                        shift_days=shift,
                        room_types=free,
                    )
                )
            if len(options) == MAX_DATE_OPTIONS:
                return options
    return options
