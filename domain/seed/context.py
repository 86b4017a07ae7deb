"""What every seeding step shares: the session, the property's random generator and clock, the
rows built so far, and a counter of inserted rows per table."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from domain.base import Base
from domain.dining import DiningTable, Menu, MenuItem, Venue
from domain.property import Property
from domain.rooms import RatePlan, Room, RoomType
from domain.seed.specs import PropertySpec, VenueSpec

CENT = Decimal("0.01")
WEEKEND_UPLIFT = Decimal("1.20")  # Thursday and Friday nights: the Israeli weekend
HIGH_SEASON_UPLIFT = Decimal("1.25")  # July-August and the year-end holidays


def is_high_season(night: date) -> bool:
    return (
        night.month in (7, 8)
        or (night.month, night.day) >= (12, 20)
        or (night.month == 1 and night.day <= 3)
    )


def nightly_price(base: Decimal, night: date) -> Decimal:
    """The price of ``night`` on a plan whose base price is ``base``, in whole shekels."""
    price = base
    if night.weekday() in (3, 4):
        price *= WEEKEND_UPLIFT
    if is_high_season(night):
        price *= HIGH_SEASON_UPLIFT
    return price.quantize(Decimal(1), ROUND_HALF_UP).quantize(CENT)


@dataclass
class VenueRows:
    spec: VenueSpec
    venue: Venue
    tables: list[DiningTable]


@dataclass
class Catalog:
    """The rows of one property that its history refers to."""

    property: Property
    venues: list[VenueRows] = field(default_factory=list)
    room_types: dict[str, RoomType] = field(default_factory=dict)  # by code
    rooms: list[tuple[Room, str]] = field(default_factory=list)  # with the room type code
    rate_plans: dict[str, list[RatePlan]] = field(default_factory=dict)  # by room type code
    menus: list[tuple[Menu, list[MenuItem]]] = field(default_factory=list)

    def venue_items(self, venue: Venue) -> list[MenuItem]:
        """Available items of the venue's table menus (not room service)."""
        return [
            item
            for menu, items in self.menus
            if menu.venue_id == venue.id and not menu.available_for_room_service
            for item in items
            if item.available
        ]

    def room_service_items(self) -> list[MenuItem]:
        return [
            item
            for menu, items in self.menus
            if menu.available_for_room_service
            for item in items
            if item.available
        ]


@dataclass
class SeedContext:
    session: Session
    spec: PropertySpec
    today: date
    now: datetime
    rng: random.Random
    counts: Counter[str] = field(default_factory=Counter)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.spec.timezone)

    def add(self, rows: Sequence[Base]) -> None:
        """Insert ``rows`` (one flush, batched by SQLAlchemy) and count them."""
        if not rows:
            return
        self.session.add_all(rows)
        self.session.flush()
        for row in rows:
            self.counts[str(type(row).__tablename__)] += 1

    def at(self, day: date, clock: time | str) -> datetime:
        """``day`` at ``clock`` (a time or "HH:MM"), in the property's timezone."""
        if isinstance(clock, str):
            clock = time.fromisoformat(clock)
        return datetime.combine(day, clock, tzinfo=self.tz)

    def day(self, offset: int) -> date:
        return self.today + timedelta(days=offset)

    def random_time(self, day: date, first_hour: int, last_hour: int) -> datetime:
        """A random minute of ``day`` between first_hour:00 and last_hour:59."""
        hour = self.rng.randint(first_hour, last_hour)
        return self.at(day, time(hour % 24, self.rng.randrange(0, 60, 5))) + timedelta(
            days=hour // 24
        )
