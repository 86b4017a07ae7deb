"""Shared helpers for the inventory clerk tests: a seeded database and one-line turns."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from agents.runtime import AgentRuntime
from agents.turn import Turn, TurnResult
from buffr.db.session import Database
from domain.conversations import Channel
from domain.inventory import Product, Stock
from domain.ops import Notification

MANAGER = "+972501110002"  # Yossi Cohen, manager of the demo hotel
STAFF = "+972501110003"  # Noa Mizrahi
OTHER_STAFF = "+972501110004"  # Avi Peretz
GUEST = "+447700900123"


def say(runtime: AgentRuntime, text: str, sender: str = STAFF, slug: str = "demo") -> TurnResult:
    return runtime.handle(Turn(slug, Channel.TERMINAL, sender, text))


def level(db: Database, sku: str, slug: str = "demo") -> Decimal:
    with db.tenant(db.property_id(slug)) as session:
        value = session.scalar(
            select(Stock.quantity)
            .join(Product, Product.id == Stock.product_id)
            .where(Product.sku == sku)
        )
    assert value is not None, sku
    return value


def set_level(db: Database, sku: str, quantity: int, slug: str = "demo") -> None:
    """Put a product at a known level, through a counted movement like a person would."""
    from tools.base import Actor, ToolContext
    from tools.inventory import MovementArgs, record_movement

    pid = db.property_id(slug)
    with db.tenant(pid) as session:
        product_id = session.scalar(select(Product.id).where(Product.sku == sku))
        assert product_id is not None
        if session.scalar(select(Stock.quantity).where(Stock.product_id == product_id)) == quantity:
            return
        ctx = ToolContext(session, pid, Actor(kind="staff", id=None, name="test setup"))
        record_movement(
            ctx,
            MovementArgs(product_id=product_id, kind="ADJUST", counted_quantity=Decimal(quantity)),
        )


def low_stock_alerts(db: Database, sku: str, slug: str = "demo") -> int:
    with db.tenant(db.property_id(slug)) as session:
        product_id = session.scalar(select(Product.id).where(Product.sku == sku))
        count = session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.data["product_id"].as_integer() == product_id)
        )
    return int(count or 0)
