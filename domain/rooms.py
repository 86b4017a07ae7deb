"""Room types, rooms, rate plans with nightly prices, and room reservations."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import ExcludeConstraint
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


class ReservationStatus(enum.StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    CHECKED_IN = "checked_in"
    CHECKED_OUT = "checked_out"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"


# Statuses that hold a room: these may never overlap for one room.
ACTIVE_RESERVATION_STATUSES = ("pending", "confirmed", "checked_in")


class RoomType(Base):
    __tablename__ = "room_types"
    __table_args__ = (
        UniqueConstraint("property_id", "id"),
        UniqueConstraint("property_id", "code"),
        CheckConstraint("max_occupancy BETWEEN 1 AND 20", name="max_occupancy"),
    )

    id: Mapped[int] = pk()
    property_id: Mapped[int] = property_fk()
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    max_occupancy: Mapped[int] = mapped_column(Integer)
    bed_config: Mapped[str | None] = mapped_column(String(100))


class Room(Base):
    __tablename__ = "rooms"
    __table_args__ = (
        UniqueConstraint("property_id", "id"),
        UniqueConstraint("property_id", "number"),
        same_property_fk(["room_type_id"], "room_types"),
    )

    id: Mapped[int] = pk()
    property_id: Mapped[int] = property_fk()
    room_type_id: Mapped[int] = mapped_column(BigInteger)
    number: Mapped[str] = mapped_column(String(16))
    floor: Mapped[int | None] = mapped_column(Integer)
    features: Mapped[str | None] = mapped_column(Text)  # "sea view, quiet side"
    in_service: Mapped[bool] = mapped_column(Boolean, default=True)


class RatePlan(Base):
    __tablename__ = "rate_plans"
    __table_args__ = (
        UniqueConstraint("property_id", "id"),
        UniqueConstraint("property_id", "code"),
        same_property_fk(["room_type_id"], "room_types"),
        currency_check(),
        CheckConstraint("base_nightly_price > 0", name="base_price_positive"),
    )

    id: Mapped[int] = pk()
    property_id: Mapped[int] = property_fk()
    room_type_id: Mapped[int] = mapped_column(BigInteger)
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    base_nightly_price: Mapped[Decimal] = mapped_column()
    currency: Mapped[str] = currency_col()
    includes_breakfast: Mapped[bool] = mapped_column(Boolean, default=False)
    refundable: Mapped[bool] = mapped_column(Boolean, default=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class RatePrice(Base):
    """The price of one night on a rate plan where it differs from the base price."""

    __tablename__ = "rate_prices"
    __table_args__ = (
        UniqueConstraint("rate_plan_id", "night"),
        same_property_fk(["rate_plan_id"], "rate_plans", ondelete="CASCADE"),
        CheckConstraint("price > 0", name="price_positive"),
    )

    id: Mapped[int] = pk()
    property_id: Mapped[int] = property_fk()
    rate_plan_id: Mapped[int] = mapped_column(BigInteger)
    night: Mapped[date] = mapped_column(Date)
    price: Mapped[Decimal] = mapped_column()


class RoomReservation(Base):
    __tablename__ = "room_reservations"
    __table_args__ = (
        UniqueConstraint("property_id", "id"),
        UniqueConstraint("property_id", "code"),
        same_property_fk(["room_id"], "rooms"),
        same_property_fk(["guest_id"], "guests"),
        same_property_fk(["rate_plan_id"], "rate_plans"),
        currency_check(),
        CheckConstraint("check_out > check_in", name="stay_has_nights"),
        CheckConstraint("adults >= 1 AND children >= 0", name="party_size"),
        CheckConstraint("total_amount >= 0", name="total_nonnegative"),
        # No two active reservations of one room overlap. int8range over the room id stands in
        # for "room_id WITH =" so that no btree_gist extension is needed.
        ExcludeConstraint(
            (text("int8range(room_id, room_id, '[]')"), "&&"),
            (text("daterange(check_in, check_out, '[)')"), "&&"),
            name="no_overlapping_stays",
            using="gist",
            where=text(f"status IN {ACTIVE_RESERVATION_STATUSES!r}"),
        ),
    )

    id: Mapped[int] = pk()
    property_id: Mapped[int] = property_fk()
    code: Mapped[str] = mapped_column(String(16))
    room_id: Mapped[int] = mapped_column(BigInteger)
    guest_id: Mapped[int] = mapped_column(BigInteger)
    rate_plan_id: Mapped[int | None] = mapped_column(BigInteger)
    check_in: Mapped[date] = mapped_column(Date)
    check_out: Mapped[date] = mapped_column(Date)
    adults: Mapped[int] = mapped_column(Integer, default=1)
    children: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[ReservationStatus] = mapped_column(
        str_enum(ReservationStatus, "reservation_status"), default=ReservationStatus.PENDING
    )
    total_amount: Mapped[Decimal] = mapped_column()
    currency: Mapped[str] = currency_col()
    source_channel: Mapped[str | None] = mapped_column(String(16))
    special_requests: Mapped[str | None] = mapped_column(Text)
    cancelled_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()
