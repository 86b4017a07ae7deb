"""Prices of a stay: the nightly breakdown from a rate plan's calendar, the property's taxes,
and the cancellation terms that come with the rate.

A night's price is its ``RatePrice`` where the calendar has one, else the plan's base price.
The calendar only stores nights that differ from the base, so within the calendar's horizon a
missing night *is* the base price; after the last published night the price is not known yet,
and such nights are quoted at the base price and marked provisional.

Taxes: ``Property.tax_rate_percent`` on the room subtotal, or, where the policies say the
published prices include it, its share of them (shown, not added); plus an optional city tax
from the policies JSON, which is not subject to that rate::

    "tax": {"included_in_prices": true},
    "city_tax": {"per_night": 10, "per_person_per_night": 5, "currency": "ILS"}
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Literal

from pydantic import BaseModel
from sqlalchemy import func, select

from domain.rooms import RatePlan, RatePrice
from tools.base import ToolContext, ToolError
from tools.reception.context import PropertyRules, money, show_money

NightSource = Literal["rate calendar", "base rate", "not yet published"]


class NightPrice(BaseModel):
    night: date
    price: Decimal
    source: NightSource


class TaxLine(BaseModel):
    name: str
    basis: str
    amount: Decimal
    included: bool = False  # already inside the nightly prices: shown, not added


class CancellationTerms(BaseModel):
    refundable: bool
    free_until: datetime | None  # None: never free (a non-refundable rate)
    late_charge: str | None  # the property's words, e.g. "first night"; None: none defined
    text: str


class PriceQuote(BaseModel):
    rate_plan: str
    rate_name: str
    includes_breakfast: bool
    refundable: bool
    currency: str
    nights: list[NightPrice]
    subtotal: Decimal
    taxes: list[TaxLine]
    total: Decimal
    provisional: bool  # some night has no published price yet
    notes: list[str]
    cancellation: CancellationTerms


@dataclass(frozen=True)
class Plan:
    id: int
    room_type_id: int
    code: str
    name: str
    base_price: Decimal
    currency: str
    includes_breakfast: bool
    refundable: bool


_PLAN_COLUMNS = (
    RatePlan.id,
    RatePlan.room_type_id,
    RatePlan.code,
    RatePlan.name,
    RatePlan.base_nightly_price,
    RatePlan.currency,
    RatePlan.includes_breakfast,
    RatePlan.refundable,
)


def load_plans(ctx: ToolContext, room_type_ids: list[int]) -> dict[int, list[Plan]]:
    """Active rate plans by room type, cheapest first."""
    rows = ctx.session.execute(
        select(*_PLAN_COLUMNS)
        .where(RatePlan.room_type_id.in_(room_type_ids), RatePlan.active.is_(True))
        .order_by(RatePlan.base_nightly_price, RatePlan.code)
    ).all()
    plans: dict[int, list[Plan]] = {}
    for row in rows:
        plans.setdefault(row[1], []).append(Plan(*row))
    return plans


def load_plan(ctx: ToolContext, plan_id: int) -> Plan | None:
    """One rate plan, on sale or not (a booking keeps the rate it was made on)."""
    row = ctx.session.execute(select(*_PLAN_COLUMNS).where(RatePlan.id == plan_id)).one_or_none()
    return None if row is None else Plan(*row)


def default_plan(plans: list[Plan]) -> Plan:
    """The rate quoted when the guest names none: the cheapest flexible room-only rate."""
    for plan in plans:
        if plan.refundable and not plan.includes_breakfast:
            return plan
    return next((p for p in plans if p.refundable), plans[0])


def pick_plan(plans: list[Plan], wanted: str | None, room_type_name: str) -> Plan:
    if not plans:
        raise ToolError(f"The {room_type_name} has no rate on sale: our staff can help.")
    if wanted is None:
        return default_plan(plans)
    key = wanted.strip().lower()
    for plan in plans:
        if key in (plan.code.lower(), plan.name.lower()):
            return plan
    matches = [p for p in plans if key in p.name.lower() or key in p.code.lower()]
    if len(matches) == 1:
        return matches[0]
    names = ", ".join(f"{p.code} ({p.name})" for p in plans)
    raise ToolError(f"The {room_type_name} has these rates: {names}. Which one?")


def equivalent_plan(plans: list[Plan], includes_breakfast: bool, refundable: bool) -> Plan:
    """On another room type, the rate with the same terms (breakfast, refundability)."""
    for plan in plans:
        if (plan.includes_breakfast, plan.refundable) == (includes_breakfast, refundable):
            return plan
    return default_plan(plans)


def stay_nights(check_in: date, check_out: date) -> list[date]:
    return [check_in + timedelta(days=i) for i in range((check_out - check_in).days)]


def price_stays(
    ctx: ToolContext,
    rules: PropertyRules,
    plans: list[Plan],
    check_in: date,
    check_out: date,
    guests: int,
) -> dict[int, PriceQuote]:
    """A quote per plan for the same stay, from two queries whatever the number of plans."""
    if not plans:
        return {}
    ids = [plan.id for plan in plans]
    nights = stay_nights(check_in, check_out)
    calendar: dict[tuple[int, date], Decimal] = {
        (plan_id, night): price
        for plan_id, night, price in ctx.session.execute(
            select(RatePrice.rate_plan_id, RatePrice.night, RatePrice.price).where(
                RatePrice.rate_plan_id.in_(ids),
                RatePrice.night >= check_in,
                RatePrice.night < check_out,
            )
        ).all()
    }
    horizon: dict[int, date] = {
        plan_id: last
        for plan_id, last in ctx.session.execute(
            select(RatePrice.rate_plan_id, func.max(RatePrice.night))
            .where(RatePrice.rate_plan_id.in_(ids))
            .group_by(RatePrice.rate_plan_id)
        ).all()
    }
    return {
        plan.id: _quote(rules, plan, nights, guests, calendar, horizon.get(plan.id))
        for plan in plans
    }


def _quote(
    rules: PropertyRules,
    plan: Plan,
    nights: list[date],
    guests: int,
    calendar: dict[tuple[int, date], Decimal],
    horizon: date | None,
) -> PriceQuote:
    breakdown = []
    for night in nights:
        price = calendar.get((plan.id, night))
        source: NightSource = "rate calendar"
        if price is None:
            price = plan.base_price
            published = horizon is None or night <= horizon
            source = "base rate" if published else "not yet published"
        breakdown.append(NightPrice(night=night, price=money(price), source=source))
    subtotal = money(sum((n.price for n in breakdown), Decimal(0)))
    notes: list[str] = []
    taxes = tax_lines(rules, subtotal, len(nights), guests, plan.currency, notes)
    unpublished = [n.night for n in breakdown if n.source == "not yet published"]
    if unpublished:
        notes.append(
            f"Prices from {unpublished[0]:%d %b %Y} on are not published yet: those nights are "
            "quoted at the base rate and our team confirms the final price."
        )
    return PriceQuote(
        rate_plan=plan.code,
        rate_name=plan.name,
        includes_breakfast=plan.includes_breakfast,
        refundable=plan.refundable,
        currency=plan.currency,
        nights=breakdown,
        subtotal=subtotal,
        taxes=taxes,
        total=money(subtotal + sum((t.amount for t in taxes if not t.included), Decimal(0))),
        provisional=bool(unpublished),
        notes=notes,
        cancellation=cancellation_terms(rules, nights[0], plan.refundable),
    )


def tax_lines(
    rules: PropertyRules,
    subtotal: Decimal,
    nights: int,
    guests: int,
    currency: str,
    notes: list[str],
) -> list[TaxLine]:
    lines: list[TaxLine] = []
    rate = rules.tax_rate_percent
    if rate > 0 and rules.policy("tax", "included_in_prices") is True:
        # Published prices already include the tax (VAT in Israel): show its share only.
        lines.append(
            TaxLine(
                name=f"VAT {rate.normalize():f}% (included)",
                basis=f"{rate.normalize():f}% included in {show_money(subtotal, currency)}",
                amount=money(subtotal * rate / (100 + rate)),
                included=True,
            )
        )
    elif rate > 0:
        lines.append(
            TaxLine(
                name=f"Tax {rate.normalize():f}%",
                basis=f"{rate.normalize():f}% of {show_money(subtotal, currency)}",
                amount=money(subtotal * rate / 100),
            )
        )
    city = rules.policy("city_tax")
    if not isinstance(city, dict):
        return lines
    if city.get("currency", currency) != currency:
        notes.append(f"City tax is payable at the hotel in {city['currency']}.")
        return lines
    per_night = _amount(city.get("per_night"))
    if per_night:
        lines.append(
            TaxLine(
                name="City tax",
                basis=f"{show_money(per_night, currency)} per night × {nights} nights",
                amount=money(per_night * nights),
            )
        )
    per_person = _amount(city.get("per_person_per_night"))
    if per_person:
        lines.append(
            TaxLine(
                name="City tax",
                basis=(
                    f"{show_money(per_person, currency)} per person per night × {guests} "
                    f"guests × {nights} nights"
                ),
                amount=money(per_person * guests * nights),
            )
        )
    return lines


def _amount(value: object) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return None
    return amount if amount > 0 else None


def cancellation_terms(rules: PropertyRules, check_in: date, refundable: bool) -> CancellationTerms:
    """Free until the window before arrival (check-in day at check-in time); after that the
    charge the policies name. A non-refundable rate is never free."""
    if not refundable:
        words = rules.policy("cancellation", "non_refundable_rate")
        detail = f" ({words})" if isinstance(words, str) else ""
        return CancellationTerms(
            refundable=False,
            free_until=None,
            late_charge="full amount",
            text=f"Non-refundable rate{detail}: the full amount is charged if cancelled.",
        )
    arrival = rules.at(check_in, rules.check_in_time)
    free_until = arrival - timedelta(hours=rules.cancellation_window_hours)
    charge = rules.policy("cancellation", "late_cancellation_charge")
    late = str(charge) if isinstance(charge, str | int | float) else None
    after = (
        f"after that the {late} is charged"
        if isinstance(charge, str)
        else f"after that {late} {rules.currency} is charged"
        if late
        else "after that it can no longer be cancelled free of charge (our staff can help)"
    )
    return CancellationTerms(
        refundable=True,
        free_until=free_until,
        late_charge=late,
        text=(
            f"Free cancellation until {free_until:%a %d %b %Y, %H:%M} "
            f"({rules.cancellation_window_hours} hours before arrival); {after}."
        ),
    )
