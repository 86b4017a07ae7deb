"""Restaurant and bar tables: availability with nearby alternatives, a quote, the booking.

A booking takes the smallest free table that seats the party, inside the venue's opening
hours (last seating before closing, see ``dining_floor``). Race safety as for rooms: the insert
runs in a savepoint and the exclusion constraint on live table reservations refuses an overlap,
in which case the next free table is tried.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pydantic import BaseModel, Field
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError, OperationalError

from domain.dining import TableReservation, TableReservationStatus
from domain.ops import NotificationKind
from tools.base import ToolContext, ToolError, audit
from tools.reception.context import (
    PropertyRules,
    acting_guest_id,
    current_time,
    guest_label,
    notify_staff,
    property_rules,
)
from tools.reception.dining_floor import (
    DiningFloor,
    TableRow,
    VenueRow,
    check_party_size,
    find_venues,
    load_floor,
)
from tools.reception.records import constraint_violated, lost_a_race
from tools.reception.table_bookings import TableReservationInfo, table_select, to_info

TABLE_OVERLAP_CONSTRAINT = "no_overlapping_tables"
SLOT_STEP = dt.timedelta(minutes=30)
NEARBY_STEPS = 4  # alternatives up to two hours either side
LATER_DAYS = 3  # when the evening is full: the same time on the next days
MAX_ALTERNATIVES = 4


class TableAvailabilityArgs(BaseModel):
    venue: str | None = Field(default=None, description="Venue name, or omit for any venue.")
    date: dt.date
    time: dt.time = Field(description="Start time, HH:MM (the property's local time).")
    party_size: int = Field(ge=1, le=500)


class TableOption(BaseModel):
    venue: str
    table: str
    seats: int
    area: str | None
    starts_at: dt.datetime
    ends_at: dt.datetime


class TableSlot(BaseModel):
    venue: str
    starts_at: dt.datetime
    tables_free: int


class TableAvailability(BaseModel):
    date: dt.date
    time: dt.time
    party_size: int
    available: list[TableOption]  # per venue, the table a booking would take
    alternatives: list[TableSlot]  # when nothing is free at the time asked
    opening_hours: dict[str, str | None]
    message: str


class TableReservationArgs(TableAvailabilityArgs):
    notes: str | None = Field(default=None, max_length=300, description="Requests, occasion.")
    guest_id: int | None = Field(default=None, description="Staff only: who the table is for.")


class TableQuote(BaseModel):
    option: TableOption
    party_size: int
    notes: str | None
    policy: str
    message: str


@dataclass(frozen=True)
class _Request:
    rules: PropertyRules
    floor: DiningFloor
    starts: dt.datetime


def table_availability(ctx: ToolContext, args: TableAvailabilityArgs) -> TableAvailability:
    """Free tables for the party at that date and time (respecting opening hours and other
    bookings), and the nearest free times when it is full. Read only."""
    request = _request(ctx, args)
    floor, starts = request.floor, request.starts
    available: list[TableOption] = []
    closed: list[str] = []
    for venue in floor.venues:
        if not floor.takes_bookings_at(venue, starts):
            closed.append(venue.name)
            continue
        free = floor.free_tables(venue, starts, args.party_size)
        if free:
            available.append(_option(venue, free[0], starts))
    alternatives = [] if available else _alternatives(ctx, request, args.party_size)
    result = TableAvailability(
        date=args.date,
        time=args.time,
        party_size=args.party_size,
        available=available,
        alternatives=alternatives,
        opening_hours={v.name: v.opening_hours for v in floor.venues},
        message="",
    )
    result.message = _summary(result, closed, starts)
    return result


def quote_table_reservation(ctx: ToolContext, args: TableReservationArgs) -> TableQuote:
    """The table a reservation would get. Read only: ask the guest to confirm before
    reserve_table."""
    request = _request(ctx, args)
    venue, tables = _bookable(request, args)
    option = _option(venue, tables[0], request.starts)
    hold = request.rules.policy("table_hold_minutes")
    policy = "Free to cancel any time before the reservation starts." + (
        f" The table is held for {hold} minutes after the booked time." if hold else ""
    )
    return TableQuote(
        option=option,
        party_size=args.party_size,
        notes=args.notes,
        policy=policy,
        message=f"A table for {args.party_size} at {venue.name} on "
        f"{request.starts:%a %d %b} at {request.starts:%H:%M} ({option.area or 'inside'}).",
    )


def reserve_table(ctx: ToolContext, args: TableReservationArgs) -> TableReservationInfo:
    """Book the table the guest confirmed (same arguments as quote_table_reservation)."""
    guest_id = acting_guest_id(ctx, args.guest_id)
    request = _request(ctx, args)
    venue, tables = _bookable(request, args)
    new_id = _insert(ctx, venue, tables, request.starts, args, guest_id)
    if new_id is None:
        raise ToolError(
            f"Sorry, the last table for {args.party_size} at {venue.name} at "
            f"{request.starts:%H:%M} was just taken. Shall I look at other times?"
        )
    row = ctx.session.execute(table_select(ctx).where(TableReservation.id == new_id)).one()
    info = to_info(row, current_time(ctx, request.rules))
    audit(
        ctx,
        "reserve_table",
        "table_reservations",
        info.id,
        None,
        {"table": info.table, "starts_at": info.starts_at.isoformat(), "party": info.party_size},
    )
    notify_staff(
        ctx,
        NotificationKind.BOOKING,
        f"Table booked: {info.venue}, {info.starts_at:%d %b %H:%M}, {info.party_size} people",
        f"{guest_label(ctx, guest_id)} booked table {info.table} at {info.venue} for "
        f"{info.party_size} on {info.starts_at:%a %d %b, %H:%M}."
        + (f" Notes: {info.notes}" if info.notes else ""),
        {"action": "table_booked", "table_reservation_id": info.id, "guest_id": guest_id},
    )
    return info


def _request(ctx: ToolContext, args: TableAvailabilityArgs) -> _Request:
    rules = property_rules(ctx)
    now = current_time(ctx, rules)
    starts = dt.datetime.combine(args.date, args.time.replace(tzinfo=None), tzinfo=rules.tz)
    if starts <= now:
        raise ToolError(
            f"{starts:%d %b %Y, %H:%M} has already passed: it is {now:%d %b, %H:%M} here. "
            "Which time would you like?"
        )
    venues = find_venues(ctx, args.venue)
    last = args.date + dt.timedelta(days=LATER_DAYS)
    floor = load_floor(ctx, rules, venues, args.date, last)
    check_party_size(floor, args.party_size)
    return _Request(rules, floor, starts)


def _bookable(request: _Request, args: TableAvailabilityArgs) -> tuple[VenueRow, list[TableRow]]:
    """The first venue (restaurants first) with a table free at the time asked."""
    floor, starts = request.floor, request.starts
    for venue in floor.venues:
        if floor.takes_bookings_at(venue, starts):
            tables = floor.free_tables(venue, starts, args.party_size)
            if tables:
                return venue, tables
    where = floor.venues[0].name if len(floor.venues) == 1 else "any of our venues"
    raise ToolError(
        f"No table for {args.party_size} at {where} on {starts:%d %b} at {starts:%H:%M}. "
        "Check table_availability for the nearest free times."
    )


def _insert(
    ctx: ToolContext,
    venue: VenueRow,
    tables: list[TableRow],
    starts: dt.datetime,
    args: TableReservationArgs,
    guest_id: int,
) -> int | None:
    for table in tables:
        for _ in range(2):  # a second try only after losing a deadlock (lost_a_race)
            try:
                with ctx.session.begin_nested():
                    return ctx.session.execute(
                        insert(TableReservation)
                        .values(
                            property_id=ctx.property_id,
                            table_id=table.id,
                            guest_id=guest_id,
                            starts_at=starts,
                            ends_at=starts + venue.sitting,
                            party_size=args.party_size,
                            status=TableReservationStatus.BOOKED,
                            notes=args.notes,
                        )
                        .returning(TableReservation.id)
                    ).scalar_one()
            except IntegrityError as error:
                if constraint_violated(error) == TABLE_OVERLAP_CONSTRAINT:
                    break  # taken: the next table
                raise
            except OperationalError as error:
                if not lost_a_race(error):
                    raise
    return None


def _alternatives(ctx: ToolContext, request: _Request, party: int) -> list[TableSlot]:
    """Free times near the one asked (nearest first), else the same time on the next days."""
    floor, starts = request.floor, request.starts
    now = current_time(ctx, request.rules)
    nearby = [
        starts + SLOT_STEP * step * sign for step in range(1, NEARBY_STEPS + 1) for sign in (-1, 1)
    ]
    later = [starts + dt.timedelta(days=d) for d in range(1, LATER_DAYS + 1)]
    for candidates in (nearby, later):
        slots = [
            TableSlot(venue=venue.name, starts_at=moment, tables_free=len(free))
            for moment in candidates
            if moment > now
            for venue in floor.venues
            if floor.takes_bookings_at(venue, moment)
            and (free := floor.free_tables(venue, moment, party))
        ]
        if slots:
            return slots[:MAX_ALTERNATIVES]
    return []


def _option(venue: VenueRow, table: TableRow, starts: dt.datetime) -> TableOption:
    return TableOption(
        venue=venue.name,
        table=table.label,
        seats=table.seats,
        area=table.area,
        starts_at=starts,
        ends_at=starts + venue.sitting,
    )


def _summary(result: TableAvailability, closed: list[str], starts: dt.datetime) -> str:
    when = f"{starts:%a %d %b} at {starts:%H:%M}"
    if result.available:
        venues = ", ".join(o.venue for o in result.available)
        return f"A table for {result.party_size} is free {when} at: {venues}."
    parts = []
    if len(closed) < len(result.opening_hours):
        parts.append(f"Fully booked for {result.party_size} {when}.")
    if closed:
        hours = "; ".join(f"{v}: {result.opening_hours.get(v) or 'hours unknown'}" for v in closed)
        parts.append(f"Not taking reservations {when} ({hours}).")
    if result.alternatives:
        times = ", ".join(f"{slot.venue} {slot.starts_at:%a %H:%M}" for slot in result.alternatives)
        parts.append(f"Free nearby: {times}.")
    else:
        parts.append("No free table nearby; I can pass you to our team.")
    return " ".join(parts)
