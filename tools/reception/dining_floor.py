"""The venues, their tables and the live table reservations around a date, in memory.

How long a new booking holds its table is not in the schema, so it is a default per kind of
venue (a dinner sitting, a longer evening at the bar); existing reservations overlap by their
own stored start and end. The last seating is a while before closing, so that a table is not
booked for a kitchen about to close.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import case, select

from domain.dining import DiningTable, TableReservation, TableReservationStatus, Venue, VenueKind
from tools.base import ToolContext, ToolError
from tools.reception.context import PropertyRules
from tools.reception.hours import Window, is_open, windows_on

SITTING = {VenueKind.RESTAURANT: timedelta(minutes=120), VenueKind.BAR: timedelta(minutes=150)}
LAST_SEATING_BEFORE_CLOSE = timedelta(minutes=90)
LIVE_TABLE_STATUSES = (TableReservationStatus.BOOKED, TableReservationStatus.SEATED)


@dataclass(frozen=True)
class VenueRow:
    id: int
    name: str
    kind: VenueKind
    opening_hours: str | None

    @property
    def sitting(self) -> timedelta:
        return SITTING.get(self.kind, SITTING[VenueKind.RESTAURANT])


@dataclass(frozen=True)
class TableRow:
    id: int
    venue_id: int
    label: str
    seats: int
    area: str | None


@dataclass
class DiningFloor:
    rules: PropertyRules
    venues: list[VenueRow]
    tables: dict[int, list[TableRow]] = field(default_factory=dict)  # by venue, smallest first
    held: dict[int, list[tuple[datetime, datetime]]] = field(default_factory=dict)  # by table

    def largest_table(self) -> int:
        return max((t.seats for ts in self.tables.values() for t in ts), default=0)

    def windows(self, venue: VenueRow, day: date) -> list[Window] | None:
        return windows_on(venue.opening_hours, day, self.rules.tz)

    def takes_bookings_at(self, venue: VenueRow, starts: datetime) -> bool:
        windows = self.windows(venue, starts.date())
        return is_open(windows, starts, LAST_SEATING_BEFORE_CLOSE)

    def free_tables(self, venue: VenueRow, starts: datetime, party: int) -> list[TableRow]:
        """Tables that seat the party and are free for a sitting from ``starts``, smallest
        first (a couple should not take the table for six)."""
        ends = starts + venue.sitting
        return [
            table
            for table in self.tables.get(venue.id, [])
            if table.seats >= party
            and all(ends <= s or e <= starts for s, e in self.held.get(table.id, []))
        ]


def find_venues(ctx: ToolContext, wanted: str | None) -> list[VenueRow]:
    """The venue named (by part of its name, or "restaurant"/"bar"), or all of them,
    restaurants first."""
    kind_order = case((Venue.kind == VenueKind.RESTAURANT, 0), else_=1)
    rows = ctx.session.execute(
        select(Venue.id, Venue.name, Venue.kind, Venue.opening_hours).order_by(
            kind_order, Venue.name
        )
    ).all()
    venues = [VenueRow(row[0], row[1], VenueKind(row[2]), row[3]) for row in rows]
    if not venues:
        raise ToolError("There is no restaurant or bar to book here.")
    if wanted is None or not wanted.strip():
        return venues
    key = wanted.strip().lower()
    found = [v for v in venues if key in v.name.lower() or v.name.lower() in key]
    found = found or [v for v in venues if key in (v.kind.value, f"the {v.kind.value}")]
    if not found:
        names = ", ".join(v.name for v in venues)
        raise ToolError(f"We have no venue called {wanted!r}; our venues are: {names}.")
    return found


def load_floor(
    ctx: ToolContext, rules: PropertyRules, venues: list[VenueRow], first: date, last: date
) -> DiningFloor:
    """Tables of ``venues`` and their live reservations from the evening before ``first``
    to the morning after ``last``."""
    floor = DiningFloor(rules, venues)
    rows = ctx.session.execute(
        select(
            DiningTable.id, DiningTable.venue_id, DiningTable.label, DiningTable.seats,
            DiningTable.area,
        )
        .where(DiningTable.venue_id.in_([v.id for v in venues]))
        .order_by(DiningTable.seats, DiningTable.label)
    ).all()  # fmt: skip
    for row in rows:
        floor.tables.setdefault(row[1], []).append(TableRow(*row))
    start = datetime.combine(first - timedelta(days=1), time(0), tzinfo=rules.tz)
    end = datetime.combine(last + timedelta(days=2), time(0), tzinfo=rules.tz)
    held = ctx.session.execute(
        select(TableReservation.table_id, TableReservation.starts_at, TableReservation.ends_at)
        .where(
            TableReservation.table_id.in_([r[0] for r in rows]),
            TableReservation.status.in_(LIVE_TABLE_STATUSES),
            TableReservation.starts_at < end,
            TableReservation.ends_at > start,
        )
    ).all()  # fmt: skip
    for table_id, starts_at, ends_at in held:
        floor.held.setdefault(table_id, []).append((starts_at, ends_at))
    return floor


def check_party_size(floor: DiningFloor, party: int) -> None:
    largest = floor.largest_table()
    if party > largest:
        raise ToolError(
            f"Our largest table seats {largest}. For a party of {party} I can pass you to our "
            "team, who arrange group dining and events."
        )
