"""The tools the model is given for stock messages the parser could not read.

They only *describe* what the person asked, in the same shapes the parser produces; the
clarification flow then decides and writes. The model never writes stock itself.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from langchain_core.messages import AIMessage
from pydantic import BaseModel, Field, ValidationError

from agents.inventory.grounding import ground
from agents.inventory.requests import StockQuery, StockRequest


class update_stock(BaseModel):
    """Record that stock changed: taken/used/sold (OUT), received/delivered (IN),
    broken/spilled/expired (WASTE), or counted/set to a number (ADJUST)."""

    action: Literal["IN", "OUT", "WASTE", "ADJUST"]
    product: str = Field(description="Product words as the person said them, e.g. 'small cola'")
    quantity: float = Field(description="How many, as a number")
    unit: Literal["unit", "box", "kg"] | None = Field(
        default=None, description="box for boxes/cases/crates/trays; unit for single items"
    )


class stock_level(BaseModel):
    """How many of a product are in stock."""

    product: str


class low_stock(BaseModel):
    """Which products are below their minimum level."""


class expiring_soon(BaseModel):
    """Which products expire within the next N days."""

    days: int = Field(default=7, ge=0, le=366)


class undo_last(BaseModel):
    """Undo the last stock update."""


TOOLS: list[type[BaseModel]] = [update_stock, stock_level, low_stock, expiring_soon, undo_last]

SYSTEM_PROMPT = (
    "You are the stock clerk of a hotel. Staff tell you what they took, received, broke or "
    "counted, in English or Hebrew, or ask about stock. Call one tool per item they mention. "
    "Use the product words exactly as written."
)


def requests_from(message: AIMessage, text: str) -> list[StockRequest] | StockQuery | None:
    """Turn the model's tool calls into what the flow understands, each update checked against
    the message ``text`` (see ``grounding``); None if nothing usable was called."""
    updates: list[StockRequest] = []
    for call in message.tool_calls:
        parsed = _validated(call["name"], call["args"])
        if isinstance(parsed, update_stock):
            proposal = StockRequest(
                action=parsed.action,
                product=parsed.product,
                quantity=Decimal(str(parsed.quantity)),
                unit=parsed.unit,
                absolute=parsed.action == "ADJUST",
            )
            grounded = ground(proposal, text)
            if grounded is not None and grounded not in updates:  # small models repeat calls
                updates.append(grounded)
        elif isinstance(parsed, stock_level):
            return StockQuery(kind="level", product=parsed.product)
        elif isinstance(parsed, low_stock):
            return StockQuery(kind="low")
        elif isinstance(parsed, expiring_soon):
            return StockQuery(kind="expiring", days=parsed.days)
        elif isinstance(parsed, undo_last):
            return StockQuery(kind="undo")
    return updates or None


def _validated(name: str, args: dict[str, Any]) -> BaseModel | None:
    for tool in TOOLS:
        if tool.__name__ == name:
            try:
                return tool.model_validate(args)
            except ValidationError:
                return None
    return None
