"""Guests and their history: who they are, when they stayed, ate and drank, what they spent."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from domain.dining import Order, OrderItem, TableReservation
from domain.guests import Guest
from domain.rooms import ReservationStatus, RoomReservation
from domain.seed.context import Catalog, SeedContext
from domain.seed.dining import DiningPlanner, OrderPlan
from domain.seed.people import BAR_SEGMENTS, HOTEL_SEGMENTS, Person, make_people
from domain.seed.stays import StayPlan, StayPlanner

CONSENT_SOURCES = (
    ("booking_form", 35), ("whatsapp", 25), ("front_desk", 20), ("website", 12),
    ("wifi_portal", 8),
)  # fmt: skip
SPENT = (ReservationStatus.CHECKED_OUT, ReservationStatus.CHECKED_IN)


def seed_history(ctx: SeedContext, catalog: Catalog) -> None:
    """Guests, room reservations, table reservations and orders of one property."""
    spec = ctx.spec
    segments = HOTEL_SEGMENTS if catalog.rooms else BAR_SEGMENTS
    people = make_people(ctx.rng, spec.guest_count, spec.personas, spec.origin_weights, segments)
    stay_planner = StayPlanner(ctx, catalog)
    stays = stay_planner.plan_all(people) if catalog.rooms else []
    dining = DiningPlanner(ctx, catalog)
    dining.plan_visits(people, stays)
    dining.plan_orders(stays)

    guests = _guests(ctx, catalog, people, stays, dining)
    ctx.add(guests)

    # Ids in booking order, as a real system would have them (plans keep their own indexes).
    booked = sorted(stays, key=lambda s: s.booked_at)
    reservations = [
        RoomReservation(
            property_id=catalog.property.id,
            code=stay_planner.code(),
            room_id=catalog.rooms[stay.room][0].id,
            guest_id=guests[stay.person].id,
            rate_plan_id=stay.plan.id,
            check_in=stay.check_in,
            check_out=stay.check_out,
            adults=stay.adults,
            children=stay.children,
            status=stay.status,
            total_amount=stay.total(),
            currency=spec.currency,
            source_channel=stay.channel,
            special_requests=stay.requests,
            cancelled_at=stay.cancelled_at,
            created_at=stay.booked_at,
        )
        for stay in booked
    ]
    ctx.add(reservations)
    by_stay = {id(stay): row for stay, row in zip(booked, reservations, strict=True)}

    visits = sorted(dining.visits, key=lambda v: v.booked_at)
    ctx.add([
        TableReservation(
            property_id=catalog.property.id,
            table_id=visit.table.id,
            guest_id=guests[visit.person].id,
            starts_at=visit.starts_at,
            ends_at=visit.ends_at,
            party_size=visit.party,
            status=visit.status,
            notes=visit.notes,
            created_at=visit.booked_at,
        )
        for visit in visits
        if visit.person is not None
    ])  # fmt: skip

    plans = sorted(dining.orders, key=lambda o: o.placed_at)
    orders = [_order(ctx, catalog, plan, guests, stays, by_stay) for plan in plans]
    ctx.add(orders)
    ctx.add([
        OrderItem(
            property_id=catalog.property.id,
            order_id=order.id,
            menu_item_id=item.id,
            quantity=quantity,
            unit_price=item.price,
        )
        for plan, order in zip(plans, orders, strict=True)
        for item, quantity in plan.items
    ])  # fmt: skip


def _order(
    ctx: SeedContext,
    catalog: Catalog,
    plan: OrderPlan,
    guests: list[Guest],
    stays: list[StayPlan],
    by_stay: dict[int, RoomReservation],
) -> Order:
    reservation = by_stay[id(stays[plan.stay])] if plan.stay is not None else None
    return Order(
        property_id=catalog.property.id,
        kind=plan.kind,
        guest_id=guests[plan.person].id if plan.person is not None else None,
        room_reservation_id=reservation.id if reservation is not None else None,
        table_id=plan.table.id if plan.table is not None else None,
        status=plan.status,
        total_amount=plan.total,
        currency=ctx.spec.currency,
        notes=plan.notes,
        placed_at=plan.placed_at,
    )


def _guests(
    ctx: SeedContext,
    catalog: Catalog,
    people: list[Person],
    stays: list[StayPlan],
    dining: DiningPlanner,
) -> list[Guest]:
    rng = ctx.rng
    first_contact: dict[int, datetime] = {}
    spend: dict[int, Decimal] = {}

    def touch(person: int | None, when: datetime, amount: Decimal = Decimal(0)) -> None:
        if person is None:
            return
        first_contact[person] = min(first_contact.get(person, when), when)
        spend[person] = spend.get(person, Decimal(0)) + amount

    for stay in stays:
        touch(stay.person, stay.booked_at, stay.total() if stay.status in SPENT else Decimal(0))
    for visit in dining.visits:
        touch(visit.person, visit.booked_at)
    for order in dining.orders:
        touch(order.person, order.placed_at, order.total)

    guests: list[Guest] = []
    for i, person in enumerate(people):
        created = first_contact.get(i) or ctx.random_time(ctx.day(-rng.randint(30, 700)), 9, 21)
        created -= timedelta(minutes=rng.randint(1, 90))
        consent_at = source = opted_out_at = None
        if person.marketing_consent or person.opted_out:
            consent_at = created + timedelta(minutes=rng.randint(1, 30))
            source = rng.choices(
                [s for s, _ in CONSENT_SOURCES], weights=[w for _, w in CONSENT_SOURCES]
            )[0]
        if person.opted_out and consent_at is not None:
            # A fraction of the time since consenting: random() keeps the random stream the same
            # whatever the time of day.
            opted_out_at = consent_at + (ctx.now - consent_at) * (0.05 + 0.9 * rng.random())
        guests.append(
            Guest(
                property_id=catalog.property.id,
                name=person.name,
                phone=person.phone,
                email=person.email,
                language=person.language,
                timezone=person.timezone,
                marketing_consent=person.marketing_consent,
                consent_at=consent_at,
                consent_source=source,
                opted_out_at=opted_out_at,
                loyalty_points=_points(ctx, person, spend.get(i, Decimal(0))),
                notes=person.notes,
                preferences=list(person.preferences),
                created_at=created,
            )
        )
    return guests


def _points(ctx: SeedContext, person: Person, spent: Decimal) -> int:
    """One point per 10 ILS for members (repeat guests and most others), less redemptions."""
    rng = ctx.rng
    if person.segment in ("one_time", "future", "diner") and rng.random() < 0.5:
        return 0
    points = int(spent / 10)
    if person.segment == "loyal" and rng.random() < 0.3:
        points -= min(points, rng.choice((500, 1000, 1500)))
    return points
