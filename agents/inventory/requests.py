"""What the clerk is asked, in one typed shape whichever path understood the message.

The deterministic parser and the LLM both produce ``StockRequest`` / ``StockQuery``; the
clarification flow takes them from there, so both paths go through the same code and tools.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

Action = Literal["IN", "OUT", "WASTE", "ADJUST"]
Unit = Literal["unit", "box", "kg", "g", "l"]
Lang = Literal["en", "he"]


class StockRequest(BaseModel):
    """One stock update, e.g. OUT 3 "small cola" (unit unclear)."""

    action: Action
    product: str = Field(description="The words naming the product, e.g. 'small cola'.")
    quantity: Decimal | None = None
    unit: Unit | None = None
    containers: list[str] = Field(default_factory=list)  # can, glass_bottle, plastic_bottle...
    absolute: bool = False  # ADJUST given as a count ("counted 40") rather than a difference
    # Filled in as the conversation resolves the request:
    product_id: int | None = None
    confirmed_large: bool = False
    confirmed_zero: bool = False


class StockQuery(BaseModel):
    kind: Literal["level", "low", "expiring", "undo"]
    product: str | None = None
    containers: list[str] = Field(default_factory=list)
    days: int = 7


PendingKind = Literal["which_product", "which_unit", "how_many", "confirm_zero", "confirm_large"]


class Pending(BaseModel):
    """A question the clerk asked and is waiting on; checkpointed with the conversation."""

    kind: PendingKind
    request: StockRequest
    options: list[int] = Field(default_factory=list)  # product ids, for which_product
    remaining: list[StockRequest] = Field(default_factory=list)
    lang: Lang = "en"


class LastUpdate(BaseModel):
    """The last recorded update, so "no, the glass ones" can correct it."""

    request: StockRequest
    movement_id: int
