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
