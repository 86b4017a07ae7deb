"""The clarification flow of the inventory clerk ("the model proposes, code disposes").

For each requested update: find the product (none: suggest the closest; several: ask which, by
what tells them apart) -> settle the unit (a boxed product with no unit: ask boxes or units) ->
check the quantity (absurd: confirm; more than in stock for OUT/WASTE: warn and ask before
setting to zero) -> record the movement -> below the minimum: the tool alerts the managers.
Nothing is written until a request is unambiguous; a question stops the flow and is kept as
``Pending`` (with the requests still to do) until the next message answers it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from agents.inventory.match import describe_option, match_products
from agents.inventory.phrases import BOX_HE, PLURAL, VERBS, num, say
from agents.inventory.requests import Lang, LastUpdate, Pending, StockQuery, StockRequest
from domain.inventory import MovementKind
from tools.base import ToolContext, ToolError
from tools.catalogue import catalogue as product_catalogue
from tools.inventory import (
    MovementArgs,
    ProductEntry,
    ProductInfo,
    expiring,
    get_product,
    lock_for_movements,
    low_stock,
    products_by_id,
    record_movement,
    undo_last_movement,
)

# Beyond this many units (and this many boxes) a quantity is confirmed before it is written.
LARGE_UNITS = Decimal(2000)
LARGE_BOXES = Decimal(100)


@dataclass
class Action:
    """A tool the flow called, for the turn's record (``--json`` prints these)."""

    tool: str
    arguments: dict[str, Any]
    result: dict[str, Any]


@dataclass
class Outcome:
    lines: list[str] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    pending: Pending | None = None
    last: LastUpdate | None = None

    @property
    def reply(self) -> str:
        return "\n".join(self.lines)


def run_requests(
    ctx: ToolContext, requests: list[StockRequest], lang: Lang, outcome: Outcome | None = None
) -> Outcome:
    """Process updates in order until one needs a question."""
    outcome = outcome or Outcome()
    catalogue: tuple[ProductEntry, ...] | None = None
    if len(requests) > 1:
        catalogue = product_catalogue(ctx)
        lock_for_movements(ctx, _resolvable(requests, catalogue, lang))
    for index, request in enumerate(requests):
        if request.product_id is None:
            catalogue = catalogue or product_catalogue(ctx)
            question = _resolve_product(request, catalogue, lang, requests[index + 1 :])
            if question is not None:
                outcome.lines.append(question[0])
                outcome.pending = question[1]
                return outcome
        pending = _record(ctx, request, lang, outcome)
        if pending is not None:
            pending.remaining = requests[index + 1 :]
            outcome.pending = pending
            return outcome
    return outcome


def _resolvable(
    requests: list[StockRequest], catalogue: tuple[ProductEntry, ...], lang: Lang
) -> list[int]:
    """The products of the requests that can be settled without asking, up to the first
    that needs a question (nothing after it is written in this turn)."""
    ids = []
    for request in requests:
        if request.product_id is None and _resolve_product(request, catalogue, lang, []):
            break
        assert request.product_id is not None
        ids.append(request.product_id)
    return ids


def _resolve_product(
    request: StockRequest,
    catalogue: tuple[ProductEntry, ...],
    lang: Lang,
    rest: list[StockRequest],
) -> tuple[str, Pending | None] | None:
    found = match_products(
        request.product, _candidates(request, catalogue), frozenset(request.containers)
    )
    if found.unique is not None:
        request.product_id = found.unique.id
        return None
    if not found.products:
        options = ", ".join(product_name(p, lang) for p in found.suggestions)
        return say("no_match", lang, text=request.product, options=options), None
    options = " / ".join(describe_option(p, found.distinguishing, lang) for p in found.products)
    pending = Pending(
        kind="which_product",
        request=request,
        options=[p.id for p in found.products],
        remaining=rest,
        lang=lang,
    )
    return say("which_product", lang, text=request.product, options=options), pending


def _candidates(
    request: StockRequest, catalogue: tuple[ProductEntry, ...]
) -> tuple[ProductEntry, ...]:
    """The products a request can name: "1 kg lemons" only what is sold by weight."""
    if request.unit in ("kg", "g"):
        by_weight = tuple(p for p in catalogue if p.unit_type == "kg")
        return by_weight or catalogue
    return catalogue


def names_unknown_product(ctx: ToolContext, understood: list[StockRequest] | StockQuery) -> bool:
    """Whether a reading names a product that nothing in the catalogue matches, as the
    parser's "note prosecco" in "please note two bottles of prosecco got smashed": the model
    may read the message better. Matching runs on the catalogue in memory (tools.catalogue)."""
    if isinstance(understood, StockQuery):
        if understood.kind != "level":
            return False
        phrases = [(understood.product or "", understood.containers, product_catalogue(ctx))]
    else:
        catalogue = product_catalogue(ctx)
        phrases = [(r.product, r.containers, _candidates(r, catalogue)) for r in understood]
    return any(
        not match_products(text, products, frozenset(containers)).products
        for text, containers, products in phrases
    )


def _record(
    ctx: ToolContext, request: StockRequest, lang: Lang, outcome: Outcome
) -> Pending | None:
    """Settle unit and quantity, ask if needed, else write the movement."""
    assert request.product_id is not None
    product = get_product(ctx, request.product_id)
    if request.quantity is None:
        outcome.lines.append(say("how_many", lang, name=product_name(product, lang)))
        return Pending(kind="how_many", request=request, lang=lang)
    if request.quantity <= 0:
        outcome.lines.append(say("not_positive", lang, text=product_name(product, lang)))
        return None
    units = _units(request, product)
    if units is None:
        box = product.box_name or "box"
        outcome.lines.append(
            say(
                "which_unit",
                lang,
                qty=num(request.quantity),
                name=product_name(product, lang),
                boxes=PLURAL.get(box, box + "s"),
                box_he=BOX_HE.get(box, "קרטונים"),
                box_size=product.box_size,
            )
        )
        return Pending(kind="which_unit", request=request, lang=lang)
    if not request.confirmed_large and _is_large(units, product):
        outcome.lines.append(
            say("confirm_large", lang, units=num(units), name=product_name(product, lang))
        )
        return Pending(kind="confirm_large", request=request, lang=lang)
    kind = MovementKind(request.action)
    if kind in (MovementKind.OUT, MovementKind.WASTE) and units > product.stock:
        if not request.confirmed_zero:
            outcome.lines.append(
                say(
                    "confirm_zero",
                    lang,
                    level=num(product.stock),
                    name=product_name(product, lang),
                    qty=num(units),
                )
            )
            return Pending(kind="confirm_zero", request=request, lang=lang)
        units = product.stock
        if units == 0:
            outcome.lines.append(
                say(
                    "level",
                    lang,
                    name=product_name(product, lang),
                    level="0",
                    min=num(product.min_stock),
                )
            )
            return None
    args = _movement_args(request, kind, units)
    try:
        result = record_movement(ctx, args)
    except ToolError as error:
        outcome.lines.append(str(error))
        return None
    outcome.actions.append(
        Action("record_movement", args.model_dump(mode="json"), result.model_dump(mode="json"))
    )
    outcome.last = LastUpdate(request=request, movement_id=result.movement_id)
    name = product_name(result.product, lang)
    if request.absolute:
        outcome.lines.append(
            say(
                "counted",
                lang,
                name=name,
                level=num(result.level_after),
                before=num(result.level_before),
            )
        )
    else:
        outcome.lines.append(
            say(
                "recorded",
                lang,
                verb=VERBS[kind.value][lang],
                qty=num(abs(result.delta)),
                name=name,
                level=num(result.level_after),
            )
        )
    if result.low_stock_alert:
        outcome.lines.append(say("low_alert", lang, min=num(result.product.min_stock)))
    return None


def _movement_args(request: StockRequest, kind: MovementKind, units: Decimal) -> MovementArgs:
    reason = None if kind is MovementKind.IN else kind.value.lower()
    if kind is MovementKind.ADJUST and request.absolute:
        return MovementArgs(
            product_id=_id(request), kind=kind, counted_quantity=units, reason="count"
        )
    return MovementArgs(product_id=_id(request), kind=kind, quantity=units, reason=reason)


def _id(request: StockRequest) -> int:
    assert request.product_id is not None
    return request.product_id


def _units(request: StockRequest, product: ProductInfo) -> Decimal | None:
    """The request's quantity in the product's own units; None when the unit must be asked."""
    assert request.quantity is not None
    if product.unit_type != "unit":  # kg, litres: boxes do not apply
        return request.quantity / 1000 if request.unit == "g" else request.quantity
    if request.unit == "box":
        return request.quantity * product.box_size
    if request.unit in ("unit", "kg", "l", "g") or product.box_size == 1:
        return request.quantity
    return None


def _is_large(units: Decimal, product: ProductInfo) -> bool:
    boxes = units / max(product.box_size, 1)
    return units > LARGE_UNITS or (product.box_size > 1 and boxes > LARGE_BOXES)


def product_name(product: ProductEntry, lang: Lang) -> str:
    """The product's name in the person's language."""
    return product.local_name if lang == "he" and product.local_name else product.name


# -- questions ------------------------------------------------------------------------------


def run_query(ctx: ToolContext, query: StockQuery, lang: Lang) -> Outcome:
    outcome = Outcome()
    if query.kind == "low":
        items = low_stock(ctx)
        outcome.actions.append(Action("low_stock", {}, {"products": [p.id for p in items]}))
        if not items:
            outcome.lines.append(say("low_none", lang))
        else:
            outcome.lines.append(say("low_list", lang))
            outcome.lines += [
                f"- {product_name(p, lang)}: {num(p.stock)} / {num(p.min_stock)}" for p in items
            ]
    elif query.kind == "expiring":
        items = expiring(ctx, query.days)
        outcome.actions.append(
            Action("expiring", {"days": query.days}, {"products": [p.id for p in items]})
        )
        if not items:
            outcome.lines.append(say("expiring_none", lang, days=query.days))
        else:
            outcome.lines.append(say("expiring_list", lang, days=query.days))
            outcome.lines += [
                f"- {product_name(p, lang)}: {num(p.stock)} ({p.next_expiry})" for p in items
            ]
    elif query.kind == "undo":
        try:
            result = undo_last_movement(ctx)
        except ToolError as error:
            outcome.lines.append(str(error))
            return outcome
        outcome.actions.append(Action("undo_last_movement", {}, result.model_dump(mode="json")))
        outcome.lines.append(
            say(
                "undone",
                lang,
                name=product_name(result.product, lang),
                level=num(result.level_after),
            )
        )
    else:
        _level(ctx, query, lang, outcome)
    return outcome


def _level(ctx: ToolContext, query: StockQuery, lang: Lang, outcome: Outcome) -> None:
    found = match_products(query.product or "", product_catalogue(ctx), frozenset(query.containers))
    outcome.actions.append(
        Action(
            "stock_level", {"product": query.product}, {"products": [p.id for p in found.products]}
        )
    )
    if not found.products:
        options = ", ".join(product_name(p, lang) for p in found.suggestions)
        outcome.lines.append(say("no_match", lang, text=query.product or "", options=options))
        return
    # A question needs no choosing: show every match, at its level now.
    for product in products_by_id(ctx, [p.id for p in found.products]):
        outcome.lines.append(
            say(
                "level",
                lang,
                name=product_name(product, lang),
                level=num(product.stock),
                min=num(product.min_stock),
            )
        )
