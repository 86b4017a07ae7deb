"""Planning room stays: two years of history, the guests in house now, and future bookings.

A stay that holds a room (everything but a cancellation) never shares a night with another one
in the same room: checked-out history as well, although the database only forbids overlaps
between active reservations.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from domain.rooms import RatePlan, ReservationStatus
from domain.seed.context import Catalog, SeedContext, nightly_price
from domain.seed.people import Person

NIGHTS = ((1, 18), (2, 32), (3, 24), (4, 12), (5, 8), (7, 6))
CHANNELS = (
    ("direct", 25), ("website", 20), ("whatsapp", 15), ("phone", 15), ("booking_com", 20),
    ("expedia", 5),
)  # fmt: skip
REQUESTS = (
    "Late arrival, around 23:00.",
    "Cot for a baby, please.",
    "Anniversary: flowers in the room if possible.",
    "Airport transfer from Ben Gurion.",
    "Ground floor if possible.",
    "Two separate beds.",
    "Early check-in if the room is ready.",
)
TYPE_WEIGHTS = {"STD": 50, "DLX": 35, "FAM": 15}
WEDDING = "Guest of the Levi & Ben-Ami wedding (group block)."
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


@dataclass
class StayPlan:
    person: int
    room: int  # index into Catalog.rooms
    plan: RatePlan
    check_in: date
    check_out: date
    status: ReservationStatus
    adults: int
    children: int
    booked_at: datetime
    channel: str
    requests: str | None
    cancelled_at: datetime | None = None

    @property
    def nights(self) -> int:
        return (self.check_out - self.check_in).days

    def total(self) -> Decimal:
        base = self.plan.base_nightly_price
        return sum((nightly_price(base, night) for night in self.dates()), Decimal(0))

    def dates(self) -> list[date]:
        return [self.check_in + timedelta(days=i) for i in range(self.nights)]


class StayPlanner:
    def __init__(self, ctx: SeedContext, catalog: Catalog) -> None:
        self.ctx = ctx
        self.catalog = catalog
        self.occupied: list[set[date]] = [set() for _ in catalog.rooms]
        self.away: dict[int, set[date]] = {}  # nights each guest already spends here
        self.stays: list[StayPlan] = []
        self.codes: set[str] = set()

    # -- where -------------------------------------------------------------------------------

    def _room_type(self, person: Person) -> str:
        rng = self.ctx.rng
        if "sea view" in person.preferences:
            return "DLX"
        codes = [c for c in TYPE_WEIGHTS if c in self.catalog.room_types]
        return rng.choices(codes, weights=[TYPE_WEIGHTS[c] for c in codes])[0]

    def _free_room(self, type_code: str, nights: list[date]) -> int | None:
        candidates = [
            i
            for i, (room, code) in enumerate(self.catalog.rooms)
            if code == type_code and room.in_service
        ]
        self.ctx.rng.shuffle(candidates)
        for i in candidates:
            if not self.occupied[i].intersection(nights):
                return i
        return None

    def _place(
        self,
        person: int,
        type_code: str,
        check_in: date,
        nights: int,
        step: int,
        lo: date,
        hi: date,
    ) -> tuple[int, date] | None:
        """A room of ``type_code`` (or another type) free for ``nights`` nights from about
        ``check_in``, moving the dates by ``step`` days at a time within [lo, hi]; never on a
        night the guest already spends here."""
        types = [type_code, *(c for c in self.catalog.room_types if c != type_code)]
        own = self.away.get(person, set())
        for attempt in range(15):
            start = check_in + timedelta(days=step * attempt)
            if start < lo or start + timedelta(days=nights) > hi:
                break
            dates = [start + timedelta(days=i) for i in range(nights)]
            if own.intersection(dates):
                continue
            for code in types[: 1 if attempt < 10 else None]:
                room = self._free_room(code, dates)
                if room is not None:
                    return room, start
        return None

    # -- what --------------------------------------------------------------------------------

    def add(
        self,
        person_index: int,
        person: Person,
        check_in: date,
        status: ReservationStatus,
        *,
        nights: int | None = None,
        step: int = -1,
        lo: date | None = None,
        hi: date | None = None,
        room: int | None = None,
        requests: str | None = None,
        channel: str | None = None,
    ) -> StayPlan | None:
        """Plan a stay from about ``check_in``, in ``room`` if given (the caller checked that it
        is free) or else in a free room of the type the guest would pick."""
        ctx, rng = self.ctx, self.ctx.rng
        if nights is None:
            nights = rng.choices([n for n, _ in NIGHTS], weights=[w for _, w in NIGHTS])[0]
        if room is not None:
            placed: tuple[int, date] | None = (room, check_in)
        else:
            lo, hi = lo or ctx.day(-730), hi or ctx.day(180)
            type_code = self._room_type(person)
            placed = self._place(person_index, type_code, check_in, nights, step, lo, hi)
        if placed is None:
            return None
        room_index, start = placed
        check_out = start + timedelta(days=nights)
        nights_here = [start + timedelta(days=i) for i in range(nights)]
        if status != ReservationStatus.CANCELLED:
            self.occupied[room_index].update(nights_here)
            self.away.setdefault(person_index, set()).update(nights_here)
        type_code = self.catalog.rooms[room_index][1]
        max_occupancy = self.catalog.room_types[type_code].max_occupancy
        adults = 1 if rng.random() < 0.15 else 2
        children = rng.randint(1, max_occupancy - adults) if type_code == "FAM" else 0
        plan = rng.choices(self.catalog.rate_plans[type_code], weights=[50, 30, 20])[0]
        booked_at = ctx.random_time(start - timedelta(days=rng.randint(1, 90)), 8, 22)
        booked_at = min(booked_at, ctx.now - timedelta(hours=rng.randint(2, 48)))
        if requests is None and rng.random() < 0.2:
            requests = rng.choice(REQUESTS)
        elif requests is None and person.preferences and rng.random() < 0.3:
            requests = person.preferences[0].capitalize() + ", please."
        stay = StayPlan(
            person=person_index,
            room=room_index,
            plan=plan,
            check_in=start,
            check_out=check_out,
            status=status,
            adults=adults,
            children=children,
            booked_at=booked_at,
            channel=channel
            or rng.choices([c for c, _ in CHANNELS], weights=[w for _, w in CHANNELS])[0],
            requests=requests,
        )
        if status == ReservationStatus.CANCELLED:
            latest = min(ctx.at(start, "12:00"), ctx.now)
            stay.cancelled_at = booked_at + max(latest - booked_at, timedelta(0)) * rng.random()
        self.stays.append(stay)
        return stay

    def code(self) -> str:
        while True:
            body = "".join(self.ctx.rng.choice(CODE_ALPHABET) for _ in range(6))
            code = f"{self.ctx.spec.reservation_prefix}{body}"
            if code not in self.codes:
                self.codes.add(code)
                return code

    # -- who ---------------------------------------------------------------------------------

    def _wedding_weekend(self, people: list[Person]) -> None:
        """A wedding about three weeks ahead fills most of the hotel for two nights (and every
        family suite), so that availability questions can have a "no" for an answer."""
        ctx, rng = self.ctx, self.ctx.rng
        ahead = ctx.day(21)
        start = ahead + timedelta(days=(3 - ahead.weekday()) % 7)  # a Thursday
        nights = [start, start + timedelta(days=1)]
        guests = [i for i, p in enumerate(people) if p.segment in ("loyal", "regular", "one_time")]
        rng.shuffle(guests)
        for room_index, (room, code) in enumerate(self.catalog.rooms):
            if not room.in_service or self.occupied[room_index].intersection(nights):
                continue
            if code != "FAM" and rng.random() < 0.25:
                continue
            while guests and self.away.get(guests[-1], set()).intersection(nights):
                guests.pop()
            if not guests:
                return
            person = guests.pop()
            self.add(
                person,
                people[person],
                start,
                ReservationStatus.CONFIRMED,
                nights=2,
                room=room_index,
                requests=WEDDING,
                channel="group",
            )

    def _past_status(self) -> ReservationStatus:
        roll = self.ctx.rng.random()
        if roll < 0.06:
            return ReservationStatus.CANCELLED
        if roll < 0.10:
            return ReservationStatus.NO_SHOW
        return ReservationStatus.CHECKED_OUT

    def _future_status(self) -> ReservationStatus:
        roll = self.ctx.rng.random()
        if roll < 0.05:
            return ReservationStatus.CANCELLED
        if roll < 0.15:
            return ReservationStatus.PENDING
        return ReservationStatus.CONFIRMED

    def _spread(self, count: int, first: int, last: int) -> list[int]:
        """``count`` day offsets in [first, last], at least two weeks apart where possible."""
        rng = self.ctx.rng
        days: list[int] = []
        for _ in range(count * 20):
            if len(days) == count:
                break
            d = rng.randint(first, last)
            if all(abs(d - o) >= 14 for o in days):
                days.append(d)
        return sorted(days)

    def plan_all(self, people: list[Person]) -> list[StayPlan]:
        """Every guest's stays by segment: in-house guests first (fewest choices), then future
        bookings, then history."""
        ctx, rng = self.ctx, self.ctx.rng
        today = ctx.today
        future_hi = ctx.day(120)
        past: list[tuple[int, int]] = []  # (person, day offset)
        future: list[tuple[int, int]] = []
        for i, p in enumerate(people):
            if p.segment == "current":
                # Arrived one to three days ago; some leave today (check-out day, still in).
                check_in = -rng.randint(1, 3)
                nights = -check_in + rng.choice((0, 1, 1, 2, 3))
                # Fixed dates (step 0): the stay must span today, whichever room it gets.
                self.add(
                    i, p, ctx.day(check_in), ReservationStatus.CHECKED_IN, nights=nights, step=0
                )
                if rng.random() < 0.4:
                    past.extend((i, d) for d in self._spread(1, -600, -60))
            elif p.segment == "future":
                future.append((i, rng.randint(0, 3) if rng.random() < 0.3 else rng.randint(4, 80)))
            elif p.segment == "loyal":
                last = rng.randint(-100, -10)
                past.extend((i, d) for d in self._spread(rng.randint(3, 8), -720, last - 20))
                past.append((i, last))
                if rng.random() < 0.5:
                    future.append((i, rng.randint(5, 75)))
            elif p.segment == "regular":
                past.extend((i, d) for d in self._spread(rng.randint(2, 3), -540, -20))
                if rng.random() < 0.25:
                    future.append((i, rng.randint(5, 90)))
            elif p.segment == "one_time":
                past.append((i, rng.randint(-365, -3)))
            elif p.segment == "lapsed":
                past.extend((i, d) for d in self._spread(rng.randint(1, 3), -730, -400))
        for i, offset in future:
            status = self._future_status()
            self.add(i, people[i], ctx.day(offset), status, step=1, lo=today, hi=future_hi)
        self._wedding_weekend(people)
        for i, offset in past:
            hi = ctx.day(-399) if people[i].segment == "lapsed" else today
            self.add(i, people[i], ctx.day(offset), self._past_status(), step=-1, hi=hi)
        return self.stays
