"""Room availability with a price quote per room type and rate, and alternatives when full."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from pydantic import BaseModel, Field

from tools.base import ToolContext
from tools.reception.context import PropertyRules, current_time, property_rules
from tools.reception.pricing import PriceQuote, load_plans, price_stays
from tools.reception.stays import (
    DateOption,
    RoomTypeRow,
    check_party_fits,
    find_room_type,
    load_inventory_around,
    load_room_types,
    nearest_dates,
    validate_party,
    validate_stay,
)


class AvailabilityArgs(BaseModel):
    check_in: date = Field(description="Arrival date (YYYY-MM-DD).")
    check_out: date = Field(description="Departure date (YYYY-MM-DD), after check_in.")
    guests: int = Field(ge=1, le=1000, description="Number of people, children included.")
    children: int = Field(default=0, ge=0, description="How many of the guests are children.")
    room_type: str | None = Field(
        default=None, description="A room type code or name; omit to see every room type."
    )


class RoomTypeOffer(BaseModel):
    room_type: str  # code
    name: str
    description: str | None
    max_occupancy: int
    bed_config: str | None
    rooms_left: int
    rates: list[PriceQuote]  # cheapest first


class AvailabilityResult(BaseModel):
    check_in: date
    check_out: date
    nights: int
    guests: int
    available: list[RoomTypeOffer]
    other_room_types: list[RoomTypeOffer]  # free for these dates when the type asked is not
    nearest_dates: list[DateOption]  # when nothing asked for is free on these dates
    message: str


def room_availability(ctx: ToolContext, args: AvailabilityArgs) -> AvailabilityResult:
    """Which room types are free for the dates, each with its rates priced night by night
    (subtotal, taxes, total, cancellation terms). When nothing fits, other room types and the
    nearest dates (up to a week earlier or later) that are free. Read only."""
    rules = property_rules(ctx)
    today = current_time(ctx, rules).date()
    nights = validate_stay(rules, today, args.check_in, args.check_out)
    validate_party(args.guests, args.children)
    types = load_room_types(ctx)
    fitting = check_party_fits(types, args.guests)
    wanted = fitting
    notes: list[str] = []
    if args.room_type is not None:
        asked = find_room_type(types, args.room_type)
        wanted = [asked] if asked in fitting else []
        if not wanted:
            notes.append(f"The {asked.name} sleeps at most {asked.max_occupancy}.")
    inventory = load_inventory_around(ctx, [t.id for t in fitting], args.check_in, args.check_out)

    def free(room_type: RoomTypeRow) -> int:
        return len(inventory.free_rooms(room_type.id, args.check_in, args.check_out))

    available = [t for t in wanted if free(t)]
    others = [t for t in fitting if t not in wanted and free(t)] if not available else []
    options: list[DateOption] = []
    if not available:
        options = nearest_dates(inventory, wanted, args.check_in, args.check_out, today)
        if not options and not others:
            options = nearest_dates(inventory, fitting, args.check_in, args.check_out, today)
    offers = _offers(ctx, rules, available + others, args, free)
    result = AvailabilityResult(
        check_in=args.check_in,
        check_out=args.check_out,
        nights=nights,
        guests=args.guests,
        available=[o for o in offers if o.room_type in {t.code for t in available}],
        other_room_types=[o for o in offers if o.room_type in {t.code for t in others}],
        nearest_dates=options,
        message="",
    )
    result.message = " ".join([*notes, _summary(result)])
    return result


def _offers(
    ctx: ToolContext,
    rules: PropertyRules,
    types: list[RoomTypeRow],
    args: AvailabilityArgs,
    rooms_left: Callable[[RoomTypeRow], int],
) -> list[RoomTypeOffer]:
    if not types:
        return []
    plans = load_plans(ctx, [t.id for t in types])
    all_plans = [plan for t in types for plan in plans.get(t.id, [])]
    quotes = price_stays(ctx, rules, all_plans, args.check_in, args.check_out, args.guests)
    offers = []
    for room_type in types:
        rates = sorted(
            (quotes[plan.id] for plan in plans.get(room_type.id, [])), key=lambda q: q.total
        )
        offers.append(
            RoomTypeOffer(
                room_type=room_type.code,
                name=room_type.name,
                description=room_type.description,
                max_occupancy=room_type.max_occupancy,
                bed_config=room_type.bed_config,
                rooms_left=rooms_left(room_type),
                rates=rates,
            )
        )
    return offers


def _summary(result: AvailabilityResult) -> str:
    span = f"{result.check_in:%d %b} to {result.check_out:%d %b %Y}"
    if result.available:
        names = ", ".join(o.name for o in result.available)
        return f"Free from {span} for {result.guests}: {names}."
    if result.other_room_types:
        names = ", ".join(o.name for o in result.other_room_types)
        return f"Not free from {span}; these room types are: {names}."
    if result.nearest_dates:
        dates = "; ".join(
            f"{o.check_in:%d %b} to {o.check_out:%d %b}" for o in result.nearest_dates
        )
        return f"Nothing is free from {span}. Nearest dates with rooms: {dates}."
    return (
        f"Nothing is free from {span}, nor within a week either side. I can pass you to our "
        "team to be told if a room frees up."
    )
