"""Planning table reservations and orders (at tables and to rooms).

A reservation that holds a table (everything but a cancellation) never overlaps another on the
same table. Every order's total is the sum of its items' quantity times unit price.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from domain.dining import (
    DiningTable,
    MenuItem,
    OrderKind,
    OrderStatus,
    TableReservationStatus,
    VenueKind,
)
from domain.rooms import ReservationStatus
from domain.seed.context import Catalog, SeedContext
from domain.seed.people import Person
from domain.seed.stays import StayPlan

PARTY = ((1, 5), (2, 50), (3, 10), (4, 25), (5, 5), (6, 5))
NOTES = (
    "Window table, please.",
    "Birthday: candle on the dessert.",
    "High chair for a toddler.",
    "Anniversary dinner.",
    "Allergic to shellfish.",
    "A quiet corner if possible.",
    "Business dinner; one bill.",
)
WALK_INS_PER_BAR = 50


@dataclass
class VisitPlan:
    person: int | None
    venue: int  # index into Catalog.venues
    table: DiningTable
    starts_at: datetime
    ends_at: datetime
    party: int
    status: TableReservationStatus
    booked_at: datetime
    notes: str | None = None


@dataclass
class OrderPlan:
    kind: OrderKind
    person: int | None
    placed_at: datetime
    status: OrderStatus
    items: list[tuple[MenuItem, int]]
    table: DiningTable | None = None
    stay: int | None = None  # index into the stay plans
    notes: str | None = None

    @property
    def total(self) -> Decimal:
        return sum((item.price * quantity for item, quantity in self.items), Decimal(0))


@dataclass
class DiningPlanner:
    ctx: SeedContext
    catalog: Catalog
    visits: list[VisitPlan] = field(default_factory=list)
    orders: list[OrderPlan] = field(default_factory=list)
    busy: dict[tuple[int, date], list[tuple[datetime, datetime]]] = field(default_factory=dict)

    def venue_of(self, kind: VenueKind) -> int | None:
        for i, rows in enumerate(self.catalog.venues):
            if rows.venue.kind == kind:
                return i
        return None

    # -- tables ------------------------------------------------------------------------------

    def book(
        self, person: int | None, venue: int, day: date, party: int, past: bool, step: int = -1
    ) -> VisitPlan | None:
        ctx, rng = self.ctx, self.ctx.rng
        rows = self.catalog.venues[venue]
        tables = sorted((t for t in rows.tables if t.seats >= party), key=lambda t: t.seats)
        if not tables:
            return None
        # Draw every random number up front, whatever the outcome, so that the stream (and so
        # the whole shape of the data) does not depend on the time of day of the seeding.
        roll = rng.random()
        status = (
            TableReservationStatus.BOOKED if not past
            else TableReservationStatus.CANCELLED if roll < 0.08
            else TableReservationStatus.NO_SHOW if roll < 0.14
            else TableReservationStatus.COMPLETED
        )  # fmt: skip
        orders: list[list[str]] = []
        for _ in range(6):
            seatings = list(rows.spec.seatings)
            rng.shuffle(seatings)
            orders.append(seatings)
        lead = timedelta(days=rng.randint(0, 21), hours=rng.randint(1, 10))
        note = rng.choice(NOTES) if rng.random() < 0.15 else None
        for attempt, seatings in enumerate(orders):
            when = day + timedelta(days=step * attempt)
            for seating in seatings:
                starts = ctx.at(when, seating)
                if (past and starts >= ctx.now) or (
                    not past and starts <= ctx.now + timedelta(hours=1)
                ):
                    continue
                ends = starts + timedelta(minutes=rows.spec.sitting_minutes)
                for table in tables:
                    taken = self.busy.setdefault((table.id, when), [])
                    if any(s < ends and starts < e for s, e in taken):
                        continue
                    if status != TableReservationStatus.CANCELLED:
                        taken.append((starts, ends))
                    visit = VisitPlan(
                        person=person,
                        venue=venue,
                        table=table,
                        starts_at=starts,
                        ends_at=ends,
                        party=party,
                        status=status,
                        booked_at=min(starts - lead, ctx.now - timedelta(minutes=30)),
                        notes=note,
                    )
                    self.visits.append(visit)
                    return visit
        return None

    def _party(self) -> int:
        rng = self.ctx.rng
        return rng.choices([p for p, _ in PARTY], weights=[w for _, w in PARTY])[0]

    def plan_visits(self, people: list[Person], stays: list[StayPlan]) -> None:
        """Dinners during stays, then the guests who come only to eat and drink."""
        ctx, rng = self.ctx, self.ctx.rng
        restaurant = self.venue_of(VenueKind.RESTAURANT)
        bar = self.venue_of(VenueKind.BAR)
        main = restaurant if restaurant is not None else bar
        if main is None:
            return
        for stay in stays:
            if stay.status not in (ReservationStatus.CHECKED_OUT, ReservationStatus.CHECKED_IN):
                continue
            party = min(stay.adults + stay.children, 6)
            for venue, chance in ((restaurant, 0.3), (bar, 0.1)):
                if venue is None or rng.random() >= chance:
                    continue
                day = stay.check_in + timedelta(days=rng.randrange(stay.nights))
                if day < ctx.today:
                    self.book(stay.person, venue, day, party, past=True, step=0)
                elif stay.status == ReservationStatus.CHECKED_IN:
                    self.book(stay.person, venue, ctx.today, party, past=False, step=0)
        hotel = bool(self.catalog.rooms)
        for i, person in enumerate(people):
            segment = person.segment
            if hotel and segment != "diner":
                continue
            if segment == "loyal":
                days = [
                    rng.randint(-60, -1),
                    *(rng.randint(-720, -61) for _ in range(rng.randint(5, 13))),
                ]
            elif segment == "lapsed":
                days = [rng.randint(-730, -400) for _ in range(rng.randint(1, 3))]
            elif segment == "one_time":
                days = [rng.randint(-365, -1)]
            elif segment == "regular":
                days = [rng.randint(-540, -1) for _ in range(rng.randint(2, 5))]
            else:  # diners, and a bar's in-house and future guests
                days = [rng.randint(-720, -1) for _ in range(rng.randint(2, 10))]
            for offset in days:
                venue = main if rng.random() < 0.7 or bar is None else bar
                self.book(i, venue, ctx.day(offset), self._party(), past=True)
            if segment in ("diner", "current", "future") and rng.random() < 0.5:
                self.book(i, main, ctx.day(rng.randint(0, 14)), self._party(), past=False, step=1)

    # -- orders ------------------------------------------------------------------------------

    def _items(
        self, menu: list[MenuItem], courses: int, max_quantity: int
    ) -> list[tuple[MenuItem, int]]:
        rng = self.ctx.rng
        chosen = rng.sample(menu, min(max(courses, 1), len(menu)))
        return [
            (
                item,
                rng.randint(1, max_quantity)
                if item.course == "drink"
                else 1 + (rng.random() < 0.2),
            )
            for item in chosen
        ]

    def _past_status(self) -> OrderStatus:
        return OrderStatus.CANCELLED if self.ctx.rng.random() < 0.03 else OrderStatus.DELIVERED

    def plan_orders(self, stays: list[StayPlan]) -> None:
        ctx, rng = self.ctx, self.ctx.rng
        for visit in self.visits:
            if visit.status != TableReservationStatus.COMPLETED or rng.random() < 0.1:
                continue
            menu = self.catalog.venue_items(self.catalog.venues[visit.venue].venue)
            if not menu:
                continue
            self.orders.append(OrderPlan(
                kind=OrderKind.TABLE,
                person=visit.person,
                placed_at=visit.starts_at + timedelta(minutes=rng.randint(10, 30)),
                status=self._past_status(),
                items=self._items(menu, rng.randint(visit.party, visit.party + 2), visit.party),
                table=visit.table,
            ))  # fmt: skip
        for venue_rows in self.catalog.venues:
            menu = self.catalog.venue_items(venue_rows.venue)
            if venue_rows.venue.kind != VenueKind.BAR or not menu:
                continue
            for _ in range(WALK_INS_PER_BAR):
                day = ctx.day(rng.randint(-700, -2))
                self.orders.append(OrderPlan(
                    kind=OrderKind.TABLE,
                    person=None,
                    placed_at=ctx.random_time(day, 19, 24),
                    status=self._past_status(),
                    items=self._items(menu, rng.randint(1, 4), 3),
                    table=rng.choice(venue_rows.tables),
                    notes="walk-in",
                ))  # fmt: skip
        room_service = self.catalog.room_service_items()
        if not room_service:
            return
        in_house = 0
        for index, stay in enumerate(stays):
            if stay.status == ReservationStatus.CHECKED_OUT and rng.random() < 0.35:
                for _ in range(rng.randint(1, 2)):
                    day = stay.check_in + timedelta(days=rng.randrange(stay.nights))
                    evening = ctx.random_time(day, 19, 23)
                    morning = ctx.random_time(day + timedelta(days=1), 7, 10)
                    # Breakfast in bed the next morning, unless that morning is today.
                    breakfast = rng.random() < 0.4 and day + timedelta(days=1) < ctx.today
                    placed = morning if breakfast else evening
                    self._room_order(index, stay, placed, self._past_status(), room_service)
            elif stay.status == ReservationStatus.CHECKED_IN and stay.check_in < ctx.today:
                # In house now: last night's dinner, and for two of them an order on its way.
                yesterday = ctx.day(-1)
                self._room_order(index, stay, ctx.random_time(yesterday, 19, 22),
                                 OrderStatus.DELIVERED, room_service)  # fmt: skip
                if in_house < 2:
                    placed = ctx.now - timedelta(minutes=rng.randint(10, 40))
                    status = (OrderStatus.PLACED, OrderStatus.PREPARING)[in_house]
                    self._room_order(index, stay, placed, status, room_service)
                    in_house += 1

    def _room_order(
        self,
        index: int,
        stay: StayPlan,
        placed: datetime,
        status: OrderStatus,
        menu: list[MenuItem],
    ) -> None:
        people = stay.adults + stay.children
        self.orders.append(OrderPlan(
            kind=OrderKind.ROOM_SERVICE,
            person=stay.person,
            placed_at=placed,
            status=status,
            items=self._items(menu, self.ctx.rng.randint(1, 3), max(people, 1)),
            stay=index,
        ))  # fmt: skip
