"""Reception tools, dining: table availability within opening hours and other bookings, with
nearby times when full; booking, listing and cancelling a table; searching the menu by words,
labels and allergens; room service only for a guest staying now."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import TypeVar
from zoneinfo import ZoneInfo

import pytest
from pydantic import BaseModel
from sqlalchemy import select

from buffr.db.session import Database
from domain.dining import (
    DiningTable,
    Order,
    OrderItem,
    OrderKind,
    TableReservation,
    TableReservationStatus,
)
from domain.ops import AuditEntry, Notification
from domain.property import StaffRole
from tests.factories import make_guest, make_reception_hotel, make_stay
from tools.base import Actor, ToolContext, ToolError
from tools.reception import (
    MenuSearchArgs,
    MyTablesArgs,
    OrderStatusArgs,
    RoomServiceArgs,
    TableAvailabilityArgs,
    TableCancelArgs,
    TableReservationArgs,
    cancel_table_reservation,
    menu_search,
    my_table_reservations,
    order_status,
    place_room_service_order,
    quote_room_service,
    quote_table_cancellation,
    quote_table_reservation,
    reserve_table,
    table_availability,
)

TZ = ZoneInfo("Asia/Jerusalem")
NOW = datetime(2030, 3, 4, 10, 0, tzinfo=TZ)  # Monday
STAFF = Actor(kind="staff", id=None, name="Front desk", role=StaffRole.MANAGER)
A = TypeVar("A", bound=BaseModel)
R = TypeVar("R")


@dataclass(frozen=True)
class World:
    hotel: int
    alice: Actor  # checked in to room 102 from the 2nd to the 6th
    bob: Actor  # booked for next month, not staying now
    alice_stay: int


@pytest.fixture(scope="module")
def world(db: Database) -> World:
    with db.owner() as session:
        hotel = make_reception_hotel(session)
        alice = make_guest(session, hotel, "+972542220001")
        bob = make_guest(session, hotel, "+972542220002")
        stay = make_stay(
            session, hotel.id, alice.id, "102", date(2030, 3, 2), date(2030, 3, 6), "checked_in"
        )
        make_stay(session, hotel.id, bob.id, "101", date(2030, 4, 2), date(2030, 4, 6))
        return World(
            hotel.id, Actor(kind="guest", id=alice.id), Actor(kind="guest", id=bob.id), stay
        )


def call(
    db: Database,
    world: World,
    actor: Actor,
    tool: Callable[[ToolContext, A], R],
    args: A,
    now: datetime = NOW,
) -> R:
    with db.tenant(world.hotel) as session:
        return tool(ToolContext(session, world.hotel, actor, now=now), args)


def refusal(
    db: Database,
    world: World,
    actor: Actor,
    tool: Callable[[ToolContext, A], R],
    args: A,
    now: datetime = NOW,
) -> str:
    with pytest.raises(ToolError) as error:
        call(db, world, actor, tool, args, now)
    return str(error.value)


def tables(venue: str | None, day: date, at: str, party: int) -> TableAvailabilityArgs:
    return TableAvailabilityArgs(
        venue=venue, date=day, time=time.fromisoformat(at), party_size=party
    )


def book_directly(db: Database, world: World, label: str, starts: datetime) -> None:
    """Another guest's table, written as the seed would."""
    assert world.bob.id is not None
    with db.owner() as session:
        table = session.scalars(select(DiningTable).where(DiningTable.label == label)).one()
        session.add(
            TableReservation(
                property_id=world.hotel,
                table_id=table.id,
                guest_id=world.bob.id,
                starts_at=starts,
                ends_at=starts.replace(hour=starts.hour + 2),
                party_size=2,
            )
        )


def test_the_smallest_free_table_is_offered(db: Database, world: World) -> None:
    result = call(
        db, world, world.alice, table_availability, tables(None, date(2030, 3, 5), "19:00", 2)
    )
    assert [(o.venue, o.table, o.seats) for o in result.available] == [
        ("The Tide", "T1", 2),
        ("Deck Bar", "B1", 4),
    ]
    tide = result.available[0]
    assert tide.starts_at == datetime(2030, 3, 5, 19, 0, tzinfo=TZ)
    assert tide.ends_at == datetime(2030, 3, 5, 21, 0, tzinfo=TZ)  # a two-hour sitting
    assert result.alternatives == []


def test_full_offers_the_nearest_free_times(db: Database, world: World) -> None:
    for label in ("T1", "T2"):
        book_directly(db, world, label, datetime(2030, 3, 6, 19, 0, tzinfo=TZ))
    result = call(
        db, world, world.alice, table_availability, tables("tide", date(2030, 3, 6), "19:00", 2)
    )
    assert result.available == []
    # 18:00-20:30 overlap the 19:00-21:00 bookings; 21:00 is the last seating before 22:30.
    assert [(s.venue, s.starts_at.time()) for s in result.alternatives] == [
        ("The Tide", time(21, 0))
    ]
    assert "Fully booked" in result.message and "The Tide Wed 21:00" in result.message
    message = refusal(
        db,
        world,
        world.alice,
        reserve_table,
        TableReservationArgs(
            venue="The Tide", date=date(2030, 3, 6), time=time(19, 30), party_size=2
        ),
    )
    assert "No table for 2 at The Tide" in message


def test_opening_hours_are_respected(db: Database, world: World) -> None:
    result = call(
        db, world, world.alice, table_availability, tables("The Tide", date(2030, 3, 5), "16:00", 2)
    )
    assert result.available == []
    assert "Not taking reservations" in result.message and "Dinner 18:00-22:30" in result.message
    assert [s.starts_at.time() for s in result.alternatives] == [time(18, 0)]
    late = call(
        db, world, world.alice, table_availability, tables("The Tide", date(2030, 3, 5), "21:30", 2)
    )
    assert late.available == []  # after the last seating
    bar = call(
        db, world, world.alice, table_availability, tables("bar", date(2030, 3, 5), "23:00", 2)
    )
    assert [o.venue for o in bar.available] == ["Deck Bar"]  # open until 01:00


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (tables(None, date(2030, 3, 5), "19:00", 9), "largest table seats 4"),
        (tables(None, date(2030, 3, 4), "09:00", 2), "has already passed"),
        (tables("sushi bar", date(2030, 3, 5), "19:00", 2), "no venue called 'sushi bar'"),
    ],
)
def test_table_requests_that_cannot_be_met(
    db: Database, world: World, args: TableAvailabilityArgs, expected: str
) -> None:
    assert expected in refusal(db, world, world.alice, table_availability, args)


def test_reserve_list_and_cancel_a_table(db: Database, world: World) -> None:
    args = TableReservationArgs(
        venue="The Tide", date=date(2030, 3, 7), time=time(20, 0), party_size=3, notes="Birthday"
    )
    quote = call(db, world, world.alice, quote_table_reservation, args)
    assert (quote.option.table, quote.option.seats) == ("T2", 4)
    booked = call(db, world, world.alice, reserve_table, args)
    assert (booked.table, booked.stage, booked.notes) == ("T2", "upcoming", "Birthday")
    mine = call(db, world, world.alice, my_table_reservations, MyTablesArgs())
    assert [t.id for t in mine.upcoming] == [booked.id]
    theirs = call(
        db, world, world.bob, my_table_reservations, MyTablesArgs(guest_id=world.alice.id)
    )
    assert booked.id not in [t.id for t in theirs.upcoming + theirs.past]
    cancel = TableCancelArgs(reservation_id=booked.id)
    assert "can't find table reservation" in refusal(
        db, world, world.bob, cancel_table_reservation, cancel
    )
    assert (
        "free of charge" in call(db, world, world.alice, quote_table_cancellation, cancel).message
    )
    done = call(db, world, world.alice, cancel_table_reservation, cancel)
    assert done.reservation.status is TableReservationStatus.CANCELLED
    with db.owner() as session:
        row = session.get_one(TableReservation, booked.id)
        actions = session.scalars(
            select(AuditEntry.action).where(
                AuditEntry.entity_id == str(booked.id), AuditEntry.entity == "table_reservations"
            )
        ).all()
        notes = session.scalars(
            select(Notification.data["action"].as_string()).where(
                Notification.data["table_reservation_id"].as_integer() == booked.id
            )
        ).all()
    assert row.status is TableReservationStatus.CANCELLED
    assert sorted(actions) == ["cancel_table_reservation", "reserve_table"]
    assert sorted(notes) == ["table_booked", "table_cancelled"]
    assert "already cancelled" in refusal(db, world, world.alice, cancel_table_reservation, cancel)


def names(db: Database, world: World, **args: object) -> list[str]:
    result = call(db, world, world.bob, menu_search, MenuSearchArgs.model_validate(args))
    return [item.name for item in result.items]


def test_menu_allergen_filtering(db: Database, world: World) -> None:
    no_nuts = call(db, world, world.bob, menu_search, MenuSearchArgs(exclude_allergens=["peanuts"]))
    assert "Roasted beet salad" not in [i.name for i in no_nuts.items]
    assert "Malabi" not in [i.name for i in no_nuts.items]
    assert no_nuts.left_out_for_allergens == 2 and no_nuts.excluded_allergens == ["nuts"]
    no_dairy = names(db, world, exclude_allergens=["milk"])
    # The garden salad has no dairy label, but its feta cheese is enough to leave it out.
    assert "Garden salad" not in no_dairy and "Margherita pizza" not in no_dairy
    assert "Stuffed peppers" in no_dairy
    assert names(db, world, query="nut-free dessert") == []
    assert "allergy" in no_nuts.note


def test_menu_words_labels_and_availability(db: Database, world: World) -> None:
    assert sorted(names(db, world, query="pasta")) == ["Penne arrabbiata", "Seafood linguine"]
    assert sorted(names(db, world, query="vegan")) == [
        "Fresh orange juice",
        "Penne arrabbiata",
        "Stuffed peppers",
    ]
    vegetarian = names(db, world, dietary=["veggie"])
    assert {"Garden salad", "Stuffed peppers", "Margherita pizza"} <= set(vegetarian)
    assert "Seafood linguine" not in vegetarian
    assert names(db, world, query="nuts") == ["Roasted beet salad", "Malabi"]
    kebab = call(db, world, world.bob, menu_search, MenuSearchArgs(query="kebab"))
    assert [(i.name, i.available) for i in kebab.items] == [("Lamb kebab", False)]
    assert names(db, world, room_service=True)[0] == "Club sandwich"
    halal = call(db, world, world.bob, menu_search, MenuSearchArgs(dietary=["halal"]))
    assert halal.items == [] and halal.unknown_dietary == ["halal"]
    mixed = call(db, world, world.bob, menu_search, MenuSearchArgs(query="linguine pizza"))
    assert mixed.partial_match
    assert sorted(i.name for i in mixed.items) == ["Margherita pizza", "Seafood linguine"]


ORDER = RoomServiceArgs.model_validate(
    {"items": [{"item": "club sandwich", "quantity": 2}, {"item": "orange juice"}]}
)


def test_room_service_only_for_a_guest_staying_now(db: Database, world: World) -> None:
    message = refusal(db, world, world.bob, quote_room_service, ORDER)
    assert message.startswith("Room service is for guests staying with us now")
    late = datetime(2030, 3, 4, 23, 30, tzinfo=TZ)
    assert "runs 07:00-23:00" in refusal(db, world, world.alice, quote_room_service, ORDER, late)
    for item, expected in (
        ("Pancakes", "not available today"),
        ("Seafood linguine", "not on the room-service menu"),
    ):
        args = RoomServiceArgs.model_validate({"items": [{"item": item}]})
        assert expected in refusal(db, world, world.alice, quote_room_service, args)
    after_checkout = datetime(2030, 3, 7, 9, 0, tzinfo=TZ)
    assert "staying with us now" in refusal(
        db, world, world.alice, quote_room_service, ORDER, after_checkout
    )


def test_room_service_order_to_the_guests_room(db: Database, world: World) -> None:
    quote = call(db, world, world.alice, quote_room_service, ORDER)
    assert quote.room_number == "102" and quote.total == Decimal("170.00")  # 2 × 74 + 22
    assert [(line.name, line.line_total) for line in quote.lines] == [
        ("Club sandwich", Decimal("148.00")),
        ("Fresh orange juice", Decimal("22.00")),
    ]
    departure_morning = datetime(2030, 3, 6, 8, 0, tzinfo=TZ)  # not checked out yet
    placed = call(db, world, world.alice, place_room_service_order, ORDER, departure_morning)
    with db.owner() as session:
        order = session.get_one(Order, placed.id)
        items = session.scalars(select(OrderItem).where(OrderItem.order_id == placed.id)).all()
        audited = session.scalar(
            select(AuditEntry.action).where(
                AuditEntry.entity == "orders", AuditEntry.entity_id == str(placed.id)
            )
        )
    assert (order.kind, order.room_reservation_id, order.guest_id, order.total_amount) == (
        OrderKind.ROOM_SERVICE,
        world.alice_stay,
        world.alice.id,
        Decimal("170.00"),
    )
    assert sorted(i.quantity for i in items) == [1, 2] and audited == "place_room_service_order"
    status = call(db, world, world.alice, order_status, OrderStatusArgs())
    assert [o.id for o in status.orders] == [placed.id] and status.orders[0].status == "placed"
    assert len(status.orders[0].lines) == 2
    assert "can't find order" in refusal(
        db, world, world.bob, order_status, OrderStatusArgs(order_id=placed.id)
    )
    assert call(db, world, world.bob, order_status, OrderStatusArgs()).orders == []
    desk = call(db, world, STAFF, order_status, OrderStatusArgs(order_id=placed.id))
    assert desk.orders[0].room_number == "102"
