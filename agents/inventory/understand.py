"""The fast path: the deterministic parser's reading of a message, as flow requests.

Returns None when the parser cannot read the message completely (no verb, no product): then the
model gets its turn, and its tool calls become the same requests.
"""

from __future__ import annotations

from agents.inventory.parse import ParsedItem, ParsedMessage
from agents.inventory.parse import language_of as _language_of
from agents.inventory.requests import Lang, StockQuery, StockRequest

__all__ = ["language_of", "to_request", "understand"]


def language_of(text: str) -> Lang:
    return _language_of(text)


def to_request(item: ParsedItem) -> StockRequest | None:
    if item.action is None or not item.product_text:
        return None
    # "2 cases of 24": the product's own box size decides; the parsed size is only a hint.
    return StockRequest(
        action=item.action.value,
        product=item.product_text,
        quantity=item.quantity,
        unit=item.unit,
        containers=sorted(item.containers),
        absolute=item.absolute,
    )


def understand(parsed: ParsedMessage) -> list[StockRequest] | StockQuery | None:
    """The parsed message as flow requests, or None when it is not completely read."""
    if parsed.intent == "undo":
        return StockQuery(kind="undo")
    if parsed.intent == "query_low":
        return StockQuery(kind="low")
    if parsed.intent == "query_expiring":
        return StockQuery(kind="expiring", days=parsed.days if parsed.days is not None else 7)
    if parsed.intent == "query_level" and parsed.product_text:
        containers = sorted(parsed.items[0].containers) if parsed.items else []
        return StockQuery(kind="level", product=parsed.product_text, containers=containers)
    if parsed.intent == "movement" and parsed.items:
        requests = [to_request(item) for item in parsed.items]
        if all(r is not None for r in requests):
            return [r for r in requests if r is not None]
    return None
