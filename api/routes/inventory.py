"""Inventory: products, stock levels, the movement history, recording a movement, and daily
totals for a chart.

A movement is recorded through ``tools.inventory.record_movement``, exactly as the inventory
clerk records one from chat: the database trigger applies it under the stock row's lock, a
movement that would take stock below zero is refused (409), and crossing below the minimum
notifies the managers once. The tool writes the audit entry.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, Field, field_validator, model_validator
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from api.deps import PropertySession, PropertyStaff, ServicesDep
from api.routes.schemas import (
    MAX_ID,
    PREFIX,
    IdFilter,
    Limit,
    Number,
    Public,
    not_found,
    refused,
    staff_context,
)
from channels.outbound import notify_later
from domain.inventory import (
    ContainerType,
    InventoryCategory,
    MovementKind,
    Product,
    StockMovement,
    UnitType,
)
from domain.property import Property
from tools.base import ToolError
from tools.inventory import MovementArgs, all_products, record_movement

router = APIRouter(prefix=PREFIX, tags=["inventory"])

Kind = Literal["in", "out", "waste", "adjust"]
_KINDS: dict[MovementKind, Kind] = {
    MovementKind.IN: "in",
    MovementKind.OUT: "out",
    MovementKind.WASTE: "waste",
    MovementKind.ADJUST: "adjust",
}
BigId = Annotated[int, Field(ge=1, le=MAX_ID)]
Amount = Annotated[
    Decimal, Field(ge=Decimal(-1_000_000), le=Decimal(1_000_000), max_digits=12, decimal_places=3)
]


class ProductPublic(Public):
    id: int
    sku: str
    name: str
    local_name: str | None
    category: str | None = None
    brand: str | None
    size_value: Number | None
    size_unit: str | None
    container_type: ContainerType
    unit_type: UnitType
    box_size: int
    box_name: str | None
    min_stock: Number
    tracks_expiry: bool
    active: bool


class StockPublic(BaseModel):
    product_id: int
    name: str
    local_name: str | None
    unit: str
    quantity: Number
    min_stock: Number
    low: bool
    next_expiry: date | None
    box_size: int
    box_name: str | None


class MovementPublic(BaseModel):
    id: int
    product_id: int
    product_name: str
    kind: Kind
    quantity: Number
    balance_after: Number | None
    actor_label: str | None
    reason: str | None
    expiry_date: date | None
    reverses_movement_id: int | None
    created_at: datetime


class MovementCreate(BaseModel):
    """``quantity`` is how much came in or went out (in/out/waste: a positive amount, signed
    by the kind). For ``adjust`` give either a signed ``quantity`` or the ``counted_quantity``
    found on the shelf (the database computes the difference)."""

    product_id: BigId
    kind: Kind
    quantity: Amount | None = None
    counted_quantity: Amount | None = Field(default=None, ge=0)
    reason: str | None = Field(default=None, max_length=500)
    expiry_date: date | None = None

    @field_validator("kind", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _consistent(self) -> MovementCreate:
        if self.counted_quantity is not None:
            if self.kind != "adjust" or self.quantity is not None:
                raise ValueError("'counted_quantity' goes alone, with kind 'adjust'.")
        elif self.quantity is None or self.quantity == 0:
            raise ValueError("Give a quantity other than zero.")
        elif self.kind != "adjust" and self.quantity < 0:
            raise ValueError(f"For '{self.kind}' give a positive quantity; the kind sets the sign.")
        if self.expiry_date is not None and self.kind != "in":
            raise ValueError("'expiry_date' belongs to goods coming in.")
        return self


class MovementRecorded(BaseModel):
    movement_id: int
    product_id: int
    product_name: str
    kind: Kind
    delta: Number
    level_before: Number
    level_after: Number
    min_stock: Number
    low: bool
    low_stock_alert: bool  # this movement took the product below its minimum


class DayTotals(BaseModel):
    day: date
    in_: Number = Field(serialization_alias="in")
    out: Number
    waste: Number
    adjust: Number  # net of counts and corrections


@router.get("/inventory/products", summary="Products of the property")
def list_products(
    _: PropertyStaff,
    session: PropertySession,
    include_inactive: bool = False,
) -> list[ProductPublic]:
    query = select(Product, InventoryCategory.name).outerjoin(
        InventoryCategory, InventoryCategory.id == Product.category_id
    )
    if not include_inactive:
        query = query.where(Product.active.is_(True))
    rows = session.execute(query.order_by(Product.name)).all()
    return [
        ProductPublic.model_validate(product).model_copy(update={"category": category})
        for product, category in rows
    ]


@router.get("/inventory/stock", summary="Current level of every active product")
def list_stock(staff: PropertyStaff, session: PropertySession) -> list[StockPublic]:
    return [
        StockPublic(
            product_id=p.id,
            name=p.name,
            local_name=p.local_name,
            unit=p.unit_type,
            quantity=p.stock,
            min_stock=p.min_stock,
            low=p.is_low,
            next_expiry=p.next_expiry,
            box_size=p.box_size,
            box_name=p.box_name,
        )
        for p in all_products(staff_context(session, staff))
    ]


@router.get("/inventory/movements", summary="Stock movements, newest first")
def list_movements(
    _: PropertyStaff,
    session: PropertySession,
    product_id: IdFilter = None,
    since: Annotated[
        datetime | None, Query(description="ISO date or time (local if naive).")
    ] = None,
    limit: Limit = 100,
) -> list[MovementPublic]:
    query = select(StockMovement, Product.name).join(
        Product, Product.id == StockMovement.product_id
    )
    if product_id is not None:
        _require_product(session, product_id)
        query = query.where(StockMovement.product_id == product_id)
    if since is not None:
        if since.tzinfo is None:
            since = since.replace(tzinfo=_zone(session))
        query = query.where(StockMovement.created_at >= since)
    rows = session.execute(query.order_by(StockMovement.id.desc()).limit(limit)).all()
    return [_movement(movement, name) for movement, name in rows]


@router.post(
    "/inventory/movements",
    status_code=status.HTTP_201_CREATED,
    summary="Record a delivery, usage, waste or count",
)
def create_movement(
    body: MovementCreate, staff: PropertyStaff, session: PropertySession, services: ServicesDep
) -> MovementRecorded:
    _require_product(session, body.product_id)
    args = MovementArgs(
        product_id=body.product_id,
        kind=MovementKind(body.kind.upper()),
        quantity=body.quantity,
        counted_quantity=body.counted_quantity,
        reason=body.reason,
        expiry_date=body.expiry_date,
    )
    try:
        result = record_movement(staff_context(session, staff), args)
    except ToolError as error:
        raise refused(error) from error
    session.commit()  # before the worker looks for the notification
    if result.low_stock_alert:
        notify_later(services, staff.property_id)  # the managers get it by SMS or WhatsApp
    return MovementRecorded(
        movement_id=result.movement_id,
        product_id=result.product.id,
        product_name=result.product.name,
        kind=body.kind,
        delta=result.delta,
        level_before=result.level_before,
        level_after=result.level_after,
        min_stock=result.product.min_stock,
        low=result.product.is_low,
        low_stock_alert=result.low_stock_alert,
    )


@router.get("/inventory/movements/daily", summary="In, out and waste per local day (a chart)")
def daily_movements(
    _: PropertyStaff,
    session: PropertySession,
    days: Annotated[int, Query(ge=1, le=366)] = 30,
    product_id: IdFilter = None,
) -> list[DayTotals]:
    zone = _zone(session)
    today = datetime.now(zone).date()
    first = today - timedelta(days=days - 1)
    local_day = func.date(func.timezone(zone.key, StockMovement.created_at))

    def total(kind: MovementKind, sign: int) -> Any:
        picked = case((StockMovement.kind == kind, StockMovement.quantity * sign), else_=0)
        return func.coalesce(func.sum(picked), 0)

    query = (
        select(
            local_day,
            total(MovementKind.IN, 1),
            total(MovementKind.OUT, -1),
            total(MovementKind.WASTE, -1),
            total(MovementKind.ADJUST, 1),
        )
        .where(StockMovement.created_at >= datetime.combine(first, time(0), tzinfo=zone))
        .group_by(local_day)
    )
    if product_id is not None:
        _require_product(session, product_id)
        query = query.where(StockMovement.product_id == product_id)
    found = {row[0]: row[1:] for row in session.execute(query).all()}
    zero = (Decimal(0),) * 4
    return [
        DayTotals(day=day, in_=t[0], out=t[1], waste=t[2], adjust=t[3])
        for day in (first + timedelta(days=i) for i in range(days))
        for t in (found.get(day, zero),)
    ]


def _require_product(session: Session, product_id: int) -> None:
    if session.get(Product, product_id) is None:
        raise not_found("product", product_id)


def _zone(session: Session) -> ZoneInfo:
    """The property's timezone: days and naive times are the property's local ones."""
    timezone = session.scalar(select(Property.timezone))
    return ZoneInfo(timezone or "UTC")


def _movement(movement: StockMovement, product_name: str) -> MovementPublic:
    return MovementPublic(
        id=movement.id,
        product_id=movement.product_id,
        product_name=product_name,
        kind=_KINDS[movement.kind],
        quantity=movement.quantity or Decimal(0),
        balance_after=movement.balance_after,
        actor_label=movement.actor_label,
        reason=movement.reason,
        expiry_date=movement.expiry_date,
        reverses_movement_id=movement.reverses_movement_id,
        created_at=movement.created_at,
    )
