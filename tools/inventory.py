"""Inventory tools: find products, read levels, record movements, undo, low stock, expiry.

Stock is only ever changed by inserting a ``StockMovement``; the database applies it under the
stock row's lock (see migration 0002), so two staff updating one product at once both count.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any, cast

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Row, Select, and_, bindparam, insert, select, text
from sqlalchemy.exc import IntegrityError

from domain.inventory import MovementKind, Product, Stock, StockMovement
from domain.ops import Notification, NotificationKind
from domain.property import Property
from tools.base import ToolContext, ToolError, audit, require_staff


class ProductEntry(BaseModel):
    """A product as the catalogue defines it: what matching and questions need, without the
    stock level. Frozen: ``tools.catalogue`` shares the same entries between turns."""

    model_config = ConfigDict(frozen=True)

    id: int
    name: str
    local_name: str | None
    container: str
    size: str | None
    unit_type: str
    box_size: int
    box_name: str | None
    min_stock: Decimal
    aliases: tuple[str, ...] = ()


class ProductInfo(ProductEntry):
    """A product with its current stock, read in the turn that uses it."""

    stock: Decimal
    next_expiry: date | None = None

    @property
    def is_low(self) -> bool:
        return self.stock < self.min_stock


class MovementArgs(BaseModel):
    product_id: int
    kind: MovementKind
    quantity: Decimal | None = Field(
        default=None, description="Units (signed by kind); None with counted_quantity."
    )
    counted_quantity: Decimal | None = Field(default=None, ge=0)
    reason: str | None = None
    expiry_date: date | None = None


class MovementResult(BaseModel):
    movement_id: int
    product: ProductInfo
    delta: Decimal
    level_before: Decimal
    level_after: Decimal
    low_stock_alert: bool  # this movement took the product below its minimum


# What defines a product (ProductEntry's fields, in this order), then its stock.
ENTRY_COLUMNS = (
    Product.id,
    Product.name,
    Product.local_name,
    Product.container_type,
    Product.size_value,
    Product.size_unit,
    Product.unit_type,
    Product.box_size,
    Product.box_name,
    Product.min_stock,
    Product.aliases,
)
_STOCK_COLUMNS = (Stock.quantity, Stock.next_expiry)


def _product_select() -> Select[Any]:  # the column tuple is long; rows are read by position
    # Plain columns, not ORM entities: this runs on every stock message, and building 40 ORM
    # objects per turn cost more than the query itself.
    query = cast("Select[Any]", select(*ENTRY_COLUMNS, *_STOCK_COLUMNS))
    return query.join(Stock, Stock.product_id == Product.id, isouter=True)


# Built once, with a bound parameter where one is needed: constructing these statements
# cost ~0.5 ms per call, more than running them.
_ACTIVE_PRODUCTS = _product_select().where(Product.active.is_(True)).order_by(Product.name)
_PRODUCT_BY_ID = _product_select().where(Product.id == bindparam("product_id"))
_PRODUCTS_BY_ID = _product_select().where(Product.id.in_(bindparam("ids", expanding=True)))
# The property's catalogue version with its active products, read in one statement (one
# snapshot): a row per product, or one row of NULL products when there is none. Filtered by
# property as well as by row-level security: cached entries must never hold another
# property's products, even if a caller's session is not bound to one (the owner's).
VERSIONED_ENTRIES = (
    cast("Select[Any]", select(Property.catalogue_version, *ENTRY_COLUMNS))
    .select_from(Property)
    .outerjoin(Product, and_(Product.property_id == Property.id, Product.active.is_(True)))
    .where(Property.id == bindparam("property_id"))
    .order_by(Product.name)
)


def _entry_fields(values: tuple[Any, ...]) -> dict[str, Any]:
    # Unpacked by position (the order of ENTRY_COLUMNS): reading the fields by name from
    # each of 40 rows was a third of a stock query's time.
    (
        product_id,
        name,
        local_name,
        container,
        size_value,
        size_unit,
        unit_type,
        box_size,
        box_name,
        min_stock,
        aliases,
    ) = values
    size = None
    if size_value is not None and size_unit is not None:
        size = f"{size_value.normalize():f} {size_unit}"
    return {
        "id": product_id,
        "name": name,
        "local_name": local_name,
        "container": container.value,
        "size": size,
        "unit_type": unit_type.value,
        "box_size": box_size,
        "box_name": box_name,
        "min_stock": min_stock,
        "aliases": tuple(aliases or ()),
    }


def entry(values: tuple[Any, ...]) -> ProductEntry:
    """The ``ENTRY_COLUMNS`` of a row as a catalogue entry."""
    return ProductEntry(**_entry_fields(values))


def _info(row: Row[Any]) -> ProductInfo:
    *fields, quantity, next_expiry = tuple(row)
    return ProductInfo(
        **_entry_fields(tuple(fields)),
        stock=quantity if quantity is not None else Decimal(0),
        next_expiry=next_expiry,
    )


def all_products(ctx: ToolContext) -> list[ProductInfo]:
    """Every active product of the property with its current stock."""
    rows = ctx.session.execute(_ACTIVE_PRODUCTS).all()
    return [_info(row) for row in rows]


def products_by_id(ctx: ToolContext, ids: list[int]) -> list[ProductInfo]:
    """These products with their current stock, in the order of ``ids`` (unknown ids are
    left out)."""
    if not ids:
        return []
    found = {p.id: p for p in map(_info, ctx.session.execute(_PRODUCTS_BY_ID, {"ids": ids}))}
    return [found[i] for i in ids if i in found]


def get_product(ctx: ToolContext, product_id: int) -> ProductInfo:
    row = ctx.session.execute(_PRODUCT_BY_ID, {"product_id": product_id}).first()
    if row is None:
        raise ToolError(f"There is no product with id {product_id}.")
    return _info(row)


# One transaction-scoped advisory lock per product, taken in the order of the array (sorted by
# the caller): unnest emits its elements in order and nothing here sorts, so the locks are
# taken in that order. (The stock rows themselves cannot be locked from here: FOR UPDATE needs
# the UPDATE privilege, which the application role does not have on ``stock``.)
_LOCK_PRODUCTS = text(
    "SELECT count(pg_advisory_xact_lock(hashtextextended('stock:' || id::text, 0))) "
    "FROM unnest(CAST(:ids AS bigint[])) AS id"
)


def lock_for_movements(ctx: ToolContext, product_ids: list[int]) -> None:
    """Before moving several products in one transaction, take their locks in product order.

    The movement trigger locks each product's stock row, in the order of the movements. Two
    staff members' "took a heineken and a sprite" and "a sprite and a heineken" at the same
    moment each held one row and waited for the other's: Postgres failed one turn with a
    deadlock (13 of 40 such turns, four at a time). Two transactions that both take these
    locks first, in the same order, queue on the first product they share instead. A
    transaction moving one product holds one row only and waits for nothing after it, so it
    needs no lock of this kind. Released at commit or rollback."""
    ids = sorted(set(product_ids))
    if len(ids) > 1:
        ctx.session.execute(_LOCK_PRODUCTS, {"ids": ids})


def record_movement(ctx: ToolContext, args: MovementArgs) -> MovementResult:
    """Record a stock movement (IN, OUT, WASTE, ADJUST) and return the new level.

    Staff only. Refuses to take stock below zero: the caller must ask first and then record
    the movement that sets it to zero."""
    require_staff(ctx)
    before = get_product(ctx, args.product_id)
    delta = _signed(args)
    values = {
        "property_id": ctx.property_id,
        "product_id": args.product_id,
        "kind": args.kind,
        "quantity": delta,
        "counted_quantity": args.counted_quantity,
        "actor_staff_id": ctx.actor.id if ctx.actor.kind == "staff" else None,
        "actor_label": ctx.actor.label,
        "reason": args.reason,
        "source_message": ctx.source_message,
        "conversation_id": ctx.conversation_id,
        "expiry_date": args.expiry_date,
    }
    returning = (StockMovement.id, StockMovement.quantity, StockMovement.balance_after)
    try:
        with ctx.session.begin_nested():  # a refused movement must not abort the whole turn
            row = ctx.session.execute(
                insert(StockMovement).values(**values).returning(*returning)
            ).one()
    except IntegrityError as error:
        if "quantity_nonnegative" in str(error.orig):
            raise ToolError(
                f"Only {before.stock.normalize():f} of {before.name} in stock: that would go "
                "below zero."
            ) from error
        if "quantity_nonzero" in str(error.orig):
            message = f"{before.name} is already at that level: nothing to change."
            raise ToolError(message) from error
        raise
    movement_id, applied, level_after = row
    assert applied is not None and level_after is not None  # set by the trigger
    # The trigger computed balance_after under the row lock: exact even when others move the
    # same product concurrently, so the crossing is detected exactly once.
    level_before = level_after - applied
    after = _after(before, level_after, applied, args.expiry_date)
    alert = level_before >= before.min_stock > level_after
    if alert:
        _alert_low_stock(ctx, after)
    audit(
        ctx,
        "record_movement",
        "stock_movements",
        movement_id,
        {"quantity": str(level_before)},
        {"quantity": str(level_after), "kind": args.kind.value, "delta": str(applied)},
    )
    return MovementResult(
        movement_id=movement_id,
        product=after,
        delta=applied,
        level_before=level_before,
        level_after=level_after,
        low_stock_alert=alert,
    )


def undo_last_movement(ctx: ToolContext) -> MovementResult:
    """Reverse the actor's most recent movement that is not yet reversed."""
    require_staff(ctx)
    reversed_ids = select(StockMovement.reverses_movement_id).where(
        StockMovement.reverses_movement_id.is_not(None)
    )
    last = ctx.session.scalars(
        select(StockMovement)
        .where(
            StockMovement.actor_staff_id == ctx.actor.id,
            StockMovement.reverses_movement_id.is_(None),
            StockMovement.id.not_in(reversed_ids),
        )
        .order_by(StockMovement.id.desc())
        .limit(1)
    ).first()
    if last is None or last.quantity is None:
        raise ToolError("There is no movement of yours to undo.")
    before = get_product(ctx, last.product_id)
    reversal = StockMovement(
        property_id=ctx.property_id,
        product_id=last.product_id,
        kind=MovementKind.ADJUST,
        quantity=-last.quantity,
        actor_staff_id=ctx.actor.id,
        actor_label=ctx.actor.label,
        reason=f"undo of movement {last.id}",
        source_message=ctx.source_message,
        conversation_id=ctx.conversation_id,
        reverses_movement_id=last.id,
    )
    try:
        with ctx.session.begin_nested():
            ctx.session.add(reversal)
            ctx.session.flush()
    except IntegrityError as error:
        if "quantity_nonnegative" in str(error.orig):
            raise ToolError(
                f"Cannot undo: {before.name} has only {before.stock.normalize():f} left now."
            ) from error
        raise
    after = get_product(ctx, last.product_id)
    alert = before.stock >= before.min_stock > after.stock
    if alert:
        _alert_low_stock(ctx, after)
    audit(
        ctx,
        "undo_last_movement",
        "stock_movements",
        reversal.id,
        {"quantity": str(before.stock), "undone_movement": last.id},
        {"quantity": str(after.stock)},
    )
    return MovementResult(
        movement_id=reversal.id,
        product=after,
        delta=-last.quantity,
        level_before=before.stock,
        level_after=after.stock,
        low_stock_alert=alert,
    )


def low_stock(ctx: ToolContext) -> list[ProductInfo]:
    """Products below their minimum level, lowest first relative to the minimum."""
    low = [p for p in all_products(ctx) if p.is_low]
    return sorted(low, key=lambda p: p.stock / p.min_stock if p.min_stock else Decimal(0))


def expiring(ctx: ToolContext, days: int) -> list[ProductInfo]:
    """Products in stock whose earliest expiry falls within ``days`` days (0 = today)."""
    if days < 0 or days > 366:
        raise ToolError("Ask about expiry within the next year (0 to 366 days).")
    horizon = date.today() + timedelta(days=days)
    return [
        p
        for p in all_products(ctx)
        if p.next_expiry is not None and p.stock > 0 and p.next_expiry <= horizon
    ]


def _after(before: ProductInfo, level: Decimal, delta: Decimal, expiry: date | None) -> ProductInfo:
    """The product after a movement, as the trigger left it, without reading it again."""
    next_expiry = before.next_expiry
    if level == 0:
        next_expiry = None
    elif expiry is not None and delta > 0:
        next_expiry = min(next_expiry, expiry) if next_expiry else expiry
    return before.model_copy(update={"stock": level, "next_expiry": next_expiry})


def _signed(args: MovementArgs) -> Decimal | None:
    if args.kind is MovementKind.ADJUST and args.counted_quantity is not None:
        return None  # the database computes the difference under the row lock
    if args.quantity is None or args.quantity == 0:
        raise ToolError("Give a quantity other than zero.")
    magnitude = abs(args.quantity)
    if args.kind is MovementKind.IN:
        return magnitude
    if args.kind in (MovementKind.OUT, MovementKind.WASTE):
        return -magnitude
    return args.quantity


def _alert_low_stock(ctx: ToolContext, product: ProductInfo) -> None:
    """Tell the managers once per crossing below the minimum (not on every movement)."""
    ctx.session.add(
        Notification(
            property_id=ctx.property_id,
            kind=NotificationKind.LOW_STOCK,
            recipient_staff_id=None,
            title=f"Low stock: {product.name}",
            body=(
                f"{product.name} is at {product.stock.normalize():f}, below the minimum of "
                f"{product.min_stock.normalize():f}."
            ),
            data={"product_id": product.id, "level": str(product.stock)},
        )
    )
