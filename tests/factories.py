"""Small builders for test data, written through the owner role like the seed."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from domain.guests import Guest
from domain.inventory import ContainerType, Product, UnitType
from domain.property import Property, PropertyType
from domain.rooms import Room, RoomType


def make_property(session: Session, slug: str) -> Property:
    prop = Property(
        slug=slug,
        name=slug.title(),
        type=PropertyType.HOTEL,
        timezone="Asia/Jerusalem",
        currency="ILS",
        languages=["en", "he"],
    )
    session.add(prop)
    session.flush()
    return prop


def make_room(session: Session, prop: Property, number: str = "101") -> Room:
    room_type = RoomType(property_id=prop.id, code=f"STD{number}", name="Standard", max_occupancy=2)
    session.add(room_type)
    session.flush()
    room = Room(property_id=prop.id, room_type_id=room_type.id, number=number)
    session.add(room)
    session.flush()
    return room


def make_guest(session: Session, prop: Property, phone: str = "+972541234567") -> Guest:
    guest = Guest(property_id=prop.id, name="Test Guest", phone=phone, preferences=[])
    session.add(guest)
    session.flush()
    return guest


def make_product(session: Session, prop: Property, sku: str = "COKE-330") -> Product:
    product = Product(
        property_id=prop.id,
        sku=sku,
        name="Coca-Cola 330 ml can",
        container_type=ContainerType.CAN,
        unit_type=UnitType.UNIT,
        box_size=24,
        min_stock=Decimal(24),
    )
    session.add(product)
    session.flush()
    return product


STAY = (date(2030, 1, 10), date(2030, 1, 13))


def make_reception_hotel(session: Session, slug: str = "harbour") -> Property:
    """A small hotel for the reception tools' tests (prices in ILS, tax 17%, city tax 5 per
    person per night, free cancellation until 48 hours before the 15:00 check-in, then the
    first night; room service 07:00-23:00).

    Rooms: STD "Standard Room" sleeps 2 (101, 102; rates STD-FLEX 500, STD-BB 600, STD-NR
    440 non-refundable), DLX "Sea View Deluxe" sleeps 3 (301; DLX-FLEX 800, no rate calendar),
    FAM "Family Suite" sleeps 5 (401, and 402 out of service; FAM-FLEX 1200). STD-FLEX costs 650
    on 2030-03-07 and 700 on 2030-03-08, and its calendar is published until 2030-04-30.

    Dining: "The Tide" (restaurant, dinner 18:00-22:30; T1 seats 2, T2 seats 4) and "Deck Bar"
    (bar, 17:00-01:00 daily; B1 seats 4), a dinner menu and a room-service menu."""
    from datetime import time

    from domain.dining import DiningTable, Menu, MenuItem, Venue, VenueKind
    from domain.rooms import RatePlan, RatePrice

    prop = Property(
        slug=slug,
        name="Harbour View Hotel",
        type=PropertyType.HOTEL,
        timezone="Asia/Jerusalem",
        currency="ILS",
        languages=["en", "he"],
        phone="+97235550199",
        check_in_time=time(15, 0),
        check_out_time=time(11, 0),
        cancellation_window_hours=48,
        tax_rate_percent=Decimal("17.00"),
        policies={
            "cancellation": {"late_cancellation_charge": "first night"},
            "city_tax": {"per_person_per_night": 5, "currency": "ILS"},
            "room_service": {"hours": "07:00-23:00"},
        },
    )
    session.add(prop)
    session.flush()
    rooms = {"STD": ("Standard Room", 2, ("101", "102")), "DLX": ("Sea View Deluxe", 3, ("301",)),
             "FAM": ("Family Suite", 5, ("401", "402"))}  # fmt: skip
    plans = {"STD-FLEX": ("STD", 500, False, True), "STD-BB": ("STD", 600, True, True),
             "STD-NR": ("STD", 440, False, False), "DLX-FLEX": ("DLX", 800, False, True),
             "FAM-FLEX": ("FAM", 1200, False, True)}  # fmt: skip
    types: dict[str, RoomType] = {}
    for code, (name, occupancy, numbers) in rooms.items():
        types[code] = RoomType(property_id=prop.id, code=code, name=name, max_occupancy=occupancy)
        session.add(types[code])
        session.flush()
        session.add_all(
            Room(property_id=prop.id, room_type_id=types[code].id, number=n, in_service=n != "402")
            for n in numbers
        )
    rate_plans = {
        code: RatePlan(property_id=prop.id, room_type_id=types[t].id, code=code, name=code,
                       base_nightly_price=Decimal(price), currency="ILS",
                       includes_breakfast=breakfast, refundable=refundable)
        for code, (t, price, breakfast, refundable) in plans.items()
    }  # fmt: skip
    session.add_all(rate_plans.values())
    session.flush()
    session.add_all(
        RatePrice(property_id=prop.id, rate_plan_id=rate_plans["STD-FLEX"].id, night=night,
                  price=Decimal(price))
        for night, price in ((date(2030, 3, 7), 650), (date(2030, 3, 8), 700),
                             (date(2030, 4, 30), 520))
    )  # fmt: skip
    tide = Venue(property_id=prop.id, name="The Tide", kind=VenueKind.RESTAURANT,
                 opening_hours="Dinner 18:00-22:30")  # fmt: skip
    bar = Venue(property_id=prop.id, name="Deck Bar", kind=VenueKind.BAR,
                opening_hours="17:00-01:00 daily")  # fmt: skip
    session.add_all([tide, bar])
    session.flush()
    session.add_all([
        DiningTable(property_id=prop.id, venue_id=tide.id, label="T1", seats=2, area="window"),
        DiningTable(property_id=prop.id, venue_id=tide.id, label="T2", seats=4, area="main room"),
        DiningTable(property_id=prop.id, venue_id=bar.id, label="B1", seats=4, area="deck"),
    ])  # fmt: skip
    dinner = Menu(property_id=prop.id, venue_id=tide.id, name="Dinner")
    room_service = Menu(property_id=prop.id, venue_id=tide.id, name="Room service",
                        available_for_room_service=True)  # fmt: skip
    session.add_all([dinner, room_service])
    session.flush()
    items: tuple[tuple[Menu, str, str, str, int, list[str], list[str], bool], ...] = (
        (dinner, "Seafood linguine", "Shrimp, mussels and chili.", "main", 124,
         ["shellfish", "gluten"], [], True),
        (dinner, "Penne arrabbiata", "Tomato, garlic and chili.", "main", 70, ["gluten"],
         ["vegan"], True),
        (dinner, "Roasted beet salad", "Goat cheese, candied walnuts.", "starter", 52,
         ["dairy", "nuts"], ["vegetarian", "gluten_free"], True),
        (dinner, "Garden salad", "Leaves, cucumber and feta cheese.", "starter", 40, [],
         ["vegetarian"], True),
        (dinner, "Stuffed peppers", "Rice, herbs and tomato.", "main", 78, [],
         ["vegan", "gluten_free"], True),
        (dinner, "Malabi", "Rose-water milk pudding, pistachios.", "dessert", 42,
         ["dairy", "nuts"], ["vegetarian"], True),
        (dinner, "Lamb kebab", "Smoked wheat and yogurt.", "main", 118, ["gluten", "dairy"],
         [], False),
        (room_service, "Club sandwich", "Chicken, egg and mayonnaise.", "main", 74,
         ["gluten", "eggs"], [], True),
        (room_service, "Margherita pizza", "Tomato, mozzarella, basil.", "main", 64,
         ["gluten", "dairy"], ["vegetarian"], True),
        (room_service, "Fresh orange juice", "Squeezed to order.", "drink", 22, [],
         ["vegan", "gluten_free"], True),
        (room_service, "Pancakes", "Maple syrup.", "breakfast", 38, ["gluten", "eggs"], [],
         False),
    )  # fmt: skip
    session.add_all(
        MenuItem(property_id=prop.id, menu_id=menu.id, name=name, description=text, course=course,
                 price=Decimal(price), currency="ILS", allergens=allergens, dietary_tags=tags,
                 available=available)
        for menu, name, text, course, price, allergens, tags, available in items
    )  # fmt: skip
    session.flush()
    return prop


def make_stay(
    session: Session,
    property_id: int,
    guest_id: int,
    room_number: str,
    check_in: date,
    check_out: date,
    status: str = "confirmed",
    plan_code: str | None = "STD-FLEX",
    total: Decimal = Decimal("1000.00"),
) -> int:
    """A room reservation written directly (as the seed would), returning its id."""
    import secrets

    from sqlalchemy import select

    from domain.rooms import RatePlan, ReservationStatus, RoomReservation

    room_id = session.scalar(
        select(Room.id).where(Room.property_id == property_id, Room.number == room_number)
    )
    plan_id = session.scalar(
        select(RatePlan.id).where(RatePlan.property_id == property_id, RatePlan.code == plan_code)
    )
    assert room_id is not None, room_number
    reservation = RoomReservation(
        property_id=property_id, code=f"T{secrets.token_hex(4).upper()}", room_id=room_id,
        guest_id=guest_id, rate_plan_id=plan_id, check_in=check_in, check_out=check_out,
        adults=2, children=0, status=ReservationStatus(status), total_amount=total,
        currency="ILS",
    )  # fmt: skip
    session.add(reservation)
    session.flush()
    return reservation.id


def make_conversation(session: Session, property_id: int, guest_id: int) -> int:
    from domain.conversations import Channel, Conversation

    conversation = Conversation(
        property_id=property_id,
        thread_key=f"guest:{guest_id}",
        guest_id=guest_id,
        last_channel=Channel.WHATSAPP,
    )
    session.add(conversation)
    session.flush()
    return conversation.id
