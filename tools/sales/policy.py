"""The property's sales rules, read from its policies (``policies["sales"]``), with safe
defaults: a property that sets nothing hands every discount and every deal above 50,000 to a
person rather than letting the agent promise it."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel

from tools.reception.context import PropertyRules

DEFAULT_HANDOFF_ABOVE = Decimal(50_000)
DEFAULT_FOLLOW_UP_DAYS = (2, 7)


class SalesPolicy(BaseModel):
    handoff_above: Decimal  # a quote above this goes to a person
    max_discount_pct: Decimal  # a discount above this goes to a person
    follow_up_days: tuple[int, ...]  # after a proposal, in days
    owner: str | None  # the staff member who owns new leads, by name
    room_upgrade_per_night: Decimal | None
    late_checkout: Decimal | None
    spa_per_person: Decimal | None
    breakfast_per_adult: Decimal | None
    breakfast_per_child: Decimal | None


def sales_policy(rules: PropertyRules) -> SalesPolicy:
    sales = _mapping(rules.policy("sales"))
    upsells = _mapping(sales.get("upsells"))
    breakfast = _mapping(rules.policy("breakfast"))
    days = sales.get("follow_up_days")
    return SalesPolicy(
        handoff_above=_amount(sales.get("handoff_above")) or DEFAULT_HANDOFF_ABOVE,
        max_discount_pct=_amount(sales.get("max_discount_pct")) or Decimal(0),
        follow_up_days=tuple(int(d) for d in days if int(d) > 0)
        if isinstance(days, list)
        else DEFAULT_FOLLOW_UP_DAYS,
        owner=sales.get("owner") if isinstance(sales.get("owner"), str) else None,
        room_upgrade_per_night=_amount(upsells.get("room_upgrade_per_night")),
        late_checkout=_amount(upsells.get("late_checkout")),
        spa_per_person=_amount(upsells.get("spa_per_person")),
        breakfast_per_adult=_amount(breakfast.get("price_per_adult")),
        breakfast_per_child=_amount(breakfast.get("price_per_child")),
    )


def _mapping(value: object) -> dict[str, object]:
    return value if isinstance(value, dict) else {}


def _amount(value: object) -> Decimal | None:
    """A number from the policies JSON as a Decimal (via its text, so 0.1 stays 0.1)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        amount = Decimal(str(value))
    except ArithmeticError:
        return None
    return amount if amount >= 0 else None
