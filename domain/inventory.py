"""Inventory: categories, products, stock levels and the movements that alone change them.

Stock is never written directly by the application: a trigger applies each inserted movement to
the product's stock row with one atomic ``UPDATE ... SET quantity = quantity + delta``, so
concurrent movements serialise on the row lock and none is lost (see the migration).
"""

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
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from domain.base import Base, created_at, pk, property_fk, same_property_fk, str_enum, updated_at

Quantity = Numeric(12, 3)


class ContainerType(enum.StrEnum):
    CAN = "can"
    PLASTIC_BOTTLE = "plastic_bottle"
    GLASS_BOTTLE = "glass_bottle"
    CARTON = "carton"
    BAG = "bag"
    LOOSE = "loose"
    PACK = "pack"
    KEG = "keg"
    JAR = "jar"


class UnitType(enum.StrEnum):
    UNIT = "unit"  # counted items: cans, bottles, eggs
    KG = "kg"
    LITRE = "l"


class MovementKind(enum.StrEnum):
    IN = "IN"
    OUT = "OUT"
    WASTE = "WASTE"
    ADJUST = "ADJUST"


class InventoryCategory(Base):
    __tablename__ = "inventory_categories"
    __table_args__ = (
        UniqueConstraint("property_id", "id"),
        UniqueConstraint("property_id", "name"),
    )

    id: Mapped[int] = pk()
    property_id: Mapped[int] = property_fk()
    name: Mapped[str] = mapped_column(String(100))
    local_name: Mapped[str | None] = mapped_column(String(100))


class Product(Base):
    __tablename__ = "products"
    __table_args__ = (
        UniqueConstraint("property_id", "id"),
        UniqueConstraint("property_id", "sku"),
        same_property_fk(["category_id"], "inventory_categories"),
        CheckConstraint("box_size >= 1", name="box_size_positive"),
        CheckConstraint("min_stock >= 0", name="min_stock_nonnegative"),
    )

    id: Mapped[int] = pk()
    property_id: Mapped[int] = property_fk()
    category_id: Mapped[int | None] = mapped_column(BigInteger)
    sku: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    local_name: Mapped[str | None] = mapped_column(String(200))  # e.g. the Hebrew name
    aliases: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    brand: Mapped[str | None] = mapped_column(String(100))
    size_value: Mapped[Decimal | None] = mapped_column(Numeric(10, 3))
    size_unit: Mapped[str | None] = mapped_column(String(8))  # ml, l, g, kg
    container_type: Mapped[ContainerType] = mapped_column(str_enum(ContainerType, "container_type"))
    unit_type: Mapped[UnitType] = mapped_column(str_enum(UnitType, "unit_type"))
    box_size: Mapped[int] = mapped_column(Integer, default=1)  # units per box/case/tray
    box_name: Mapped[str | None] = mapped_column(String(16))  # box, case, tray, crate
    min_stock: Mapped[Decimal] = mapped_column(Quantity, default=0)
    tracks_expiry: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = created_at()


class Stock(Base):
    """Current level of one product, in its units. Written only by the movement trigger."""

    __tablename__ = "stock"
    __table_args__ = (
        UniqueConstraint("product_id"),
        same_property_fk(["product_id"], "products", ondelete="CASCADE"),
        CheckConstraint("quantity >= 0", name="quantity_nonnegative"),
    )

    id: Mapped[int] = pk()
    property_id: Mapped[int] = property_fk()
    product_id: Mapped[int] = mapped_column(BigInteger)
    quantity: Mapped[Decimal] = mapped_column(Quantity, default=0)
    # The earliest expiry among what is on the shelf, for products that track expiry.
    next_expiry: Mapped[date | None] = mapped_column(Date)
    updated_at: Mapped[datetime] = updated_at()


class StockMovement(Base):
    __tablename__ = "stock_movements"
    __table_args__ = (
        UniqueConstraint("property_id", "id"),
        same_property_fk(["product_id"], "products"),
        same_property_fk(["actor_staff_id"], "staff_users"),
        same_property_fk(["reverses_movement_id"], "stock_movements"),
        UniqueConstraint("reverses_movement_id"),  # a movement is undone at most once
        CheckConstraint("quantity <> 0", name="quantity_nonzero"),
        CheckConstraint(
            "counted_quantity IS NULL OR (kind = 'ADJUST' AND counted_quantity >= 0)",
            name="count_is_adjust",
        ),
        CheckConstraint(
            "(kind = 'IN' AND quantity > 0) OR (kind IN ('OUT', 'WASTE') AND quantity < 0) "
            "OR kind = 'ADJUST' OR reverses_movement_id IS NOT NULL",
            name="sign_matches_kind",
        ),
    )

    id: Mapped[int] = pk()
    property_id: Mapped[int] = property_fk()
    product_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[MovementKind] = mapped_column(str_enum(MovementKind, "movement_kind"))
    # Signed, in the product's units. For a count ("set to 12") leave it NULL and give
    # counted_quantity: the trigger computes the difference under the stock row's lock.
    quantity: Mapped[Decimal | None] = mapped_column(Quantity, nullable=False)
    counted_quantity: Mapped[Decimal | None] = mapped_column(Quantity)
    balance_after: Mapped[Decimal | None] = mapped_column(Quantity)  # set by the trigger
    actor_staff_id: Mapped[int | None] = mapped_column(BigInteger)
    actor_label: Mapped[str | None] = mapped_column(String(200))
    reason: Mapped[str | None] = mapped_column(Text)
    source_message: Mapped[str | None] = mapped_column(Text)
    conversation_id: Mapped[int | None] = mapped_column(BigInteger)
    expiry_date: Mapped[date | None] = mapped_column(Date)  # for IN of expiry-tracked goods
    reverses_movement_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = created_at()
