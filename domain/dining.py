"""Venues (restaurant, bar), dining tables, table reservations, menus and orders."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Boolean, CheckConstraint, Integer, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import ARRAY, ExcludeConstraint
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql import text

from domain.base import (
    Base,
    created_at,
    currency_check,
    currency_col,
    pk,
    property_fk,
    same_property_fk,
    str_enum,
    updated_at,
)


class VenueKind(enum.StrEnum):
    RESTAURANT = "restaurant"
    BAR = "bar"


class TableReservationStatus(enum.StrEnum):
    BOOKED = "booked"
    SEATED = "seated"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"


class OrderKind(enum.StrEnum):
    ROOM_SERVICE = "room_service"
    TABLE = "table"


class OrderStatus(enum.StrEnum):
    PLACED = "placed"
    PREPARING = "preparing"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


class Venue(Base):
    __tablename__ = "venues"
    __table_args__ = (
        UniqueConstraint("property_id", "id"),
        UniqueConstraint("property_id", "name"),
    )

    id: Mapped[int] = pk()
    property_id: Mapped[int] = property_fk()
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[VenueKind] = mapped_column(str_enum(VenueKind, "venue_kind"))
    opening_hours: Mapped[str | None] = mapped_column(Text)  # human text, e.g. "18:00-22:30"


class DiningTable(Base):
    __tablename__ = "dining_tables"
    __table_args__ = (
        UniqueConstraint("property_id", "id"),
        UniqueConstraint("venue_id", "label"),
        same_property_fk(["venue_id"], "venues"),
        CheckConstraint("seats BETWEEN 1 AND 40", name="seats"),
    )

    id: Mapped[int] = pk()
    property_id: Mapped[int] = property_fk()
    venue_id: Mapped[int] = mapped_column(BigInteger)
    label: Mapped[str] = mapped_column(String(32))
    seats: Mapped[int] = mapped_column(Integer)
    area: Mapped[str | None] = mapped_column(String(64))  # "terrace", "window"


class TableReservation(Base):
    __tablename__ = "table_reservations"
    __table_args__ = (
        UniqueConstraint("property_id", "id"),
        same_property_fk(["table_id"], "dining_tables"),
        same_property_fk(["guest_id"], "guests"),
        CheckConstraint("party_size >= 1", name="party_size"),
        CheckConstraint("ends_at > starts_at", name="has_duration"),
        # No two live reservations of one table overlap (same trick as rooms: no btree_gist).
        ExcludeConstraint(
            (text("int8range(table_id, table_id, '[]')"), "&&"),
            (text("tstzrange(starts_at, ends_at)"), "&&"),
            name="no_overlapping_tables",
            using="gist",
            where=text("status IN ('booked', 'seated')"),
        ),
    )

    id: Mapped[int] = pk()
    property_id: Mapped[int] = property_fk()
    table_id: Mapped[int] = mapped_column(BigInteger)
    guest_id: Mapped[int] = mapped_column(BigInteger)
    starts_at: Mapped[datetime] = mapped_column()
    ends_at: Mapped[datetime] = mapped_column()
    party_size: Mapped[int] = mapped_column(Integer)
    status: Mapped[TableReservationStatus] = mapped_column(
        str_enum(TableReservationStatus, "table_reservation_status"),
        default=TableReservationStatus.BOOKED,
    )
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at()


class Menu(Base):
    __tablename__ = "menus"
    __table_args__ = (
        UniqueConstraint("property_id", "id"),
        same_property_fk(["venue_id"], "venues"),
    )

    id: Mapped[int] = pk()
    property_id: Mapped[int] = property_fk()
    venue_id: Mapped[int | None] = mapped_column(BigInteger)
    name: Mapped[str] = mapped_column(String(200))
    available_for_room_service: Mapped[bool] = mapped_column(Boolean, default=False)


class MenuItem(Base):
    __tablename__ = "menu_items"
    __table_args__ = (
        UniqueConstraint("property_id", "id"),
        same_property_fk(["menu_id"], "menus", ondelete="CASCADE"),
        currency_check(),
        CheckConstraint("price >= 0", name="price_nonnegative"),
    )

    id: Mapped[int] = pk()
    property_id: Mapped[int] = property_fk()
    menu_id: Mapped[int] = mapped_column(BigInteger)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    course: Mapped[str | None] = mapped_column(String(32))  # starter, main, dessert, drink
    price: Mapped[Decimal] = mapped_column()
    currency: Mapped[str] = currency_col()
    allergens: Mapped[list[str]] = mapped_column(ARRAY(String(32)), default=list)
    dietary_tags: Mapped[list[str]] = mapped_column(ARRAY(String(32)), default=list)
    available: Mapped[bool] = mapped_column(Boolean, default=True)


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("property_id", "id"),
        same_property_fk(["guest_id"], "guests"),
        same_property_fk(["room_reservation_id"], "room_reservations"),
        same_property_fk(["table_id"], "dining_tables"),
        currency_check(),
        CheckConstraint("total_amount >= 0", name="total_nonnegative"),
        CheckConstraint(
            "(kind = 'room_service' AND room_reservation_id IS NOT NULL) OR "
            "(kind = 'table' AND table_id IS NOT NULL)",
            name="kind_has_target",
        ),
    )

    id: Mapped[int] = pk()
    property_id: Mapped[int] = property_fk()
    kind: Mapped[OrderKind] = mapped_column(str_enum(OrderKind, "order_kind"))
    guest_id: Mapped[int | None] = mapped_column(BigInteger)
    room_reservation_id: Mapped[int | None] = mapped_column(BigInteger)
    table_id: Mapped[int | None] = mapped_column(BigInteger)
    status: Mapped[OrderStatus] = mapped_column(
        str_enum(OrderStatus, "order_status"), default=OrderStatus.PLACED
    )
    total_amount: Mapped[Decimal] = mapped_column()
    currency: Mapped[str] = currency_col()
    notes: Mapped[str | None] = mapped_column(Text)
    placed_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()


class OrderItem(Base):
    __tablename__ = "order_items"
    __table_args__ = (
        same_property_fk(["order_id"], "orders", ondelete="CASCADE"),
        same_property_fk(["menu_item_id"], "menu_items"),
        CheckConstraint("quantity >= 1", name="quantity_positive"),
        CheckConstraint("unit_price >= 0", name="unit_price_nonnegative"),
    )

    id: Mapped[int] = pk()
    property_id: Mapped[int] = property_fk()
    order_id: Mapped[int] = mapped_column(BigInteger)
    menu_item_id: Mapped[int] = mapped_column(BigInteger)
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[Decimal] = mapped_column()
    notes: Mapped[str | None] = mapped_column(Text)
