"""Room service: a quote, the order (delivered to the guest's room), and order status.

Only a guest staying now may order: one with a checked-in reservation whose stay covers today
(departure day included: a guest who has not checked out yet is still in the room). The order
goes to that reservation's room and is charged to it; menu prices are final (no tax added).
Staff take room-service orders outside this tool.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from pydantic import BaseModel, Field
from sqlalchemy import select

from domain.dining import MenuItem, Order, OrderItem, OrderKind, OrderStatus
from domain.ops import NotificationKind
from domain.rooms import ReservationStatus, Room, RoomReservation
from tools.base import ToolContext, ToolError, audit
from tools.reception.context import (
    PropertyRules,
    current_time,
    guest_label,
    guest_scope,
    money,
    notify_staff,
    property_rules,
    show_money,
)
from tools.reception.hours import is_open, windows_on
from tools.reception.menu import find_item, load_menu_items

MAX_ORDERS_SHOWN = 5


class OrderLine(BaseModel):
    item: str | int = Field(description="Menu item name or id from the room-service menu.")
    quantity: int = Field(default=1, ge=1, le=20)
    notes: str | None = Field(default=None, max_length=200, description="E.g. 'no onions'.")


class RoomServiceArgs(BaseModel):
    items: list[OrderLine] = Field(min_length=1, max_length=20)
    notes: str | None = Field(default=None, max_length=300, description="For the whole order.")


class LineInfo(BaseModel):
    item_id: int
    name: str
    quantity: int
    unit_price: Decimal
    line_total: Decimal
    notes: str | None
    allergens: list[str] = Field(default_factory=list)


class RoomServiceQuote(BaseModel):
    reservation_code: str
    room_number: str
    lines: list[LineInfo]
    total: Decimal
    currency: str
    notes: str | None
    message: str


class OrderInfo(BaseModel):
    id: int
    status: OrderStatus
    placed_at: datetime
    room_number: str | None
    lines: list[LineInfo]
    total: Decimal
    currency: str
    notes: str | None


class OrderStatusArgs(BaseModel):
    order_id: int | None = Field(default=None, description="Omit for the latest orders.")


class OrderStatusResult(BaseModel):
    orders: list[OrderInfo]  # newest first
    message: str


def quote_room_service(ctx: ToolContext, args: RoomServiceArgs) -> RoomServiceQuote:
    """Price a room-service order for the guest's room. Read only: read the order back to the
    guest and ask them to confirm before place_room_service_order."""
    return _prepare(ctx, args)[0]


def place_room_service_order(ctx: ToolContext, args: RoomServiceArgs) -> OrderInfo:
    """Place the room-service order the guest confirmed (same arguments as the quote)."""
    quote, reservation_id, guest_id = _prepare(ctx, args)
    order = Order(
        property_id=ctx.property_id,
        kind=OrderKind.ROOM_SERVICE,
        guest_id=guest_id,
        room_reservation_id=reservation_id,
        status=OrderStatus.PLACED,
        total_amount=quote.total,
        currency=quote.currency,
        notes=quote.notes,
    )
    if ctx.now is not None:  # a pinned clock (tests, evals): the order is placed "now" too
        order.placed_at = ctx.now
    ctx.session.add(order)
    ctx.session.flush()
    ctx.session.add_all(
        OrderItem(
            property_id=ctx.property_id,
            order_id=order.id,
            menu_item_id=line.item_id,
            quantity=line.quantity,
            unit_price=line.unit_price,
            notes=line.notes,
        )
        for line in quote.lines
    )
    ctx.session.flush()
    summary = ", ".join(f"{line.quantity} × {line.name}" for line in quote.lines)
    audit(
        ctx,
        "place_room_service_order",
        "orders",
        order.id,
        None,
        {"room": quote.room_number, "items": summary, "total": str(quote.total)},
    )
    notify_staff(
        ctx,
        NotificationKind.BOOKING,
        f"Room service: room {quote.room_number}",
        f"{guest_label(ctx, guest_id)} ordered to room {quote.room_number}: {summary}. "
        f"Total {show_money(quote.total, quote.currency)}."
        + (f" Notes: {quote.notes}" if quote.notes else ""),
        {"action": "room_service", "order_id": order.id, "guest_id": guest_id},
    )
    return OrderInfo(
        id=order.id,
        status=OrderStatus.PLACED,
        placed_at=order.placed_at,
        room_number=quote.room_number,
        lines=quote.lines,
        total=quote.total,
        currency=quote.currency,
        notes=quote.notes,
    )


def order_status(ctx: ToolContext, args: OrderStatusArgs) -> OrderStatusResult:
    """The caller's orders (one by id, or the latest ones) with their items and status. A guest
    sees only their own orders; staff see any (without an id, the open ones)."""
    rules = property_rules(ctx)
    own = guest_scope(ctx)
    query = (
        select(Order.id, Order.status, Order.placed_at, Room.number, Order.total_amount,
               Order.currency, Order.notes)
        .join(RoomReservation, RoomReservation.id == Order.room_reservation_id, isouter=True)
        .join(Room, Room.id == RoomReservation.room_id, isouter=True)
        .order_by(Order.placed_at.desc(), Order.id.desc())
    )  # fmt: skip
    if own is not None:
        query = query.where(Order.guest_id == own)
    if args.order_id is not None:
        query = query.where(Order.id == args.order_id)
    elif own is None:
        query = query.where(Order.status.in_((OrderStatus.PLACED, OrderStatus.PREPARING)))
    rows = ctx.session.execute(query.limit(MAX_ORDERS_SHOWN)).all()
    if args.order_id is not None and not rows:
        whose = "of yours" if own is not None else "at this property"
        raise ToolError(f"I can't find order {args.order_id} {whose}.")
    lines = _lines(ctx, [row[0] for row in rows])
    orders = [
        OrderInfo(
            id=row[0], status=OrderStatus(row[1]), placed_at=row[2].astimezone(rules.tz),
            room_number=row[3], lines=lines.get(row[0], []), total=row[4], currency=row[5],
            notes=row[6],
        )
        for row in rows
    ]  # fmt: skip
    message = (
        "; ".join(f"order {o.id}: {o.status.value}" for o in orders)
        if orders
        else "There are no orders to show."
    )
    return OrderStatusResult(orders=orders, message=message)


def _prepare(ctx: ToolContext, args: RoomServiceArgs) -> tuple[RoomServiceQuote, int, int]:
    """The quote, the reservation it is delivered to, and the guest."""
    rules = property_rules(ctx)
    now = current_time(ctx, rules)
    guest_id = guest_scope(ctx)
    if guest_id is None:
        raise ToolError("Room service is ordered by the staying guest, in their own name.")
    stay = _stay_now(ctx, guest_id, now.date())
    if stay is None:
        raise ToolError(
            "Room service is for guests staying with us now, once checked in. I can book you "
            "a table in our restaurant instead, or pass you to reception."
        )
    _check_hours(rules, now)
    reservation_id, code, room_number = stay
    menu = load_menu_items(ctx, room_service_only=True)
    if not menu:
        raise ToolError("There is no room-service menu at this property.")
    lines = []
    for line in args.items:
        item = find_item(menu, line.item, "room-service")
        if not item.available:
            raise ToolError(f"{item.name} is not available today; shall I suggest something else?")
        lines.append(
            LineInfo(
                item_id=item.id,
                name=item.name,
                quantity=line.quantity,
                unit_price=item.price,
                line_total=money(item.price * line.quantity),
                notes=line.notes,
                allergens=item.allergens,
            )
        )
    total = money(sum((line.line_total for line in lines), Decimal(0)))
    currency = menu[0].currency
    quote = RoomServiceQuote(
        reservation_code=code,
        room_number=room_number,
        lines=lines,
        total=total,
        currency=currency,
        notes=args.notes,
        message=(
            ", ".join(f"{line.quantity} × {line.name}" for line in lines)
            + f" to room {room_number}: {show_money(total, currency)}, charged to the room."
        ),
    )
    return quote, reservation_id, guest_id


def _stay_now(ctx: ToolContext, guest_id: int, today: date) -> tuple[int, str, str] | None:
    row = ctx.session.execute(
        select(RoomReservation.id, RoomReservation.code, Room.number)
        .join(Room, Room.id == RoomReservation.room_id)
        .where(
            RoomReservation.guest_id == guest_id,
            RoomReservation.status == ReservationStatus.CHECKED_IN,
            RoomReservation.check_in <= today,
            RoomReservation.check_out >= today,
        )
        .order_by(RoomReservation.check_in.desc())
        .limit(1)
    ).first()
    return None if row is None else (row[0], row[1], row[2])


def _check_hours(rules: PropertyRules, now: datetime) -> None:
    hours = rules.policy("room_service", "hours")
    if not isinstance(hours, str):
        return  # no hours defined: always on
    if not is_open(windows_on(hours, now.date(), rules.tz), now, timedelta(0)):
        raise ToolError(
            f"Room service runs {hours} and it is {now:%H:%M} now: please order again then, or "
            "I can pass you to reception."
        )


def _lines(ctx: ToolContext, order_ids: list[int]) -> dict[int, list[LineInfo]]:
    if not order_ids:
        return {}
    rows = ctx.session.execute(
        select(OrderItem.order_id, OrderItem.menu_item_id, MenuItem.name, OrderItem.quantity,
               OrderItem.unit_price, OrderItem.notes, MenuItem.allergens)
        .join(MenuItem, MenuItem.id == OrderItem.menu_item_id)
        .where(OrderItem.order_id.in_(order_ids))
        .order_by(OrderItem.id)
    ).all()  # fmt: skip
    lines: dict[int, list[LineInfo]] = {}
    for order_id, item_id, name, quantity, unit_price, notes, allergens in rows:
        lines.setdefault(order_id, []).append(
            LineInfo(
                item_id=item_id, name=name, quantity=quantity, unit_price=unit_price,
                line_total=money(unit_price * quantity), notes=notes,
                allergens=list(allergens or []),
            )
        )  # fmt: skip
    return lines
