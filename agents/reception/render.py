"""Replies for the read tools whose results are lists rather than one message."""

from __future__ import annotations

from decimal import Decimal

from tools.reception import (
    AvailabilityResult,
    GuestProfile,
    MenuSearchResult,
    MyReservations,
    MyTables,
)
from tools.reception.availability import RoomTypeOffer
from tools.reception.pricing import PriceQuote

MAX_DISHES = 8


def money(amount: Decimal, currency: str) -> str:
    return f"{amount:,.2f} {currency}"


def render_availability(result: AvailabilityResult) -> str:
    """Each free room type with its rates' totals, the cheapest rate's nightly breakdown and
    taxes; or, when nothing asked for is free, the tool's alternatives."""
    if not result.available:
        lines = [result.message]
        lines += [_offer(o) for o in result.other_room_types]
        return "\n".join(lines)
    head = (
        f"Free from {result.check_in:%a %d %b} to {result.check_out:%a %d %b %Y} "
        f"({result.nights} night{'s' if result.nights != 1 else ''}, {result.guests} "
        f"guest{'s' if result.guests != 1 else ''}):"
    )
    return "\n".join([head, *(_offer(o) for o in result.available)])


def _offer(offer: RoomTypeOffer) -> str:
    if not offer.rates:
        return f"- {offer.name}: no published rate for these dates"
    rates = "; ".join(
        f"{r.rate_name.split(' - ')[-1]} {money(r.total, r.currency)}" for r in offer.rates
    )
    return (
        f"- {offer.name} (up to {offer.max_occupancy} guests): {rates}. {breakdown(offer.rates[0])}"
    )


def breakdown(quote: PriceQuote) -> str:
    nights = ", ".join(f"{n.night:%d %b} {n.price:,.2f}" for n in quote.nights)
    taxes = "; ".join(
        f"{t.name}{'' if t.included else ' added'}: {t.amount:,.2f}" for t in quote.taxes
    )
    return f"({quote.rate_name.split(' - ')[-1]}: {nights}" + (f"; {taxes})" if taxes else ")")


def render_menu(result: MenuSearchResult) -> str:
    if not result.items:
        return result.message
    shown = result.items[:MAX_DISHES]
    lines = [
        f"- {item.name} ({money(item.price, item.currency)})"
        + (f": {item.description}" if item.description else "")
        + (f" Allergens: {', '.join(item.allergens)}." if item.allergens else "")
        + (
            f" [{', '.join(t.replace('_', ' ') for t in item.dietary_tags)}]"
            if item.dietary_tags
            else ""
        )
        + ("" if item.available else " (not available today)")
        for item in shown
    ]
    more = len(result.items) - len(shown)
    tail = [f"…and {more} more."] if more > 0 else []
    intro = (
        "Some dishes match part of what you asked:" if result.partial_match else "From our menu:"
    )
    notes = [result.note] if result.excluded_allergens or any(i.allergens for i in shown) else []
    return "\n".join([intro, *lines, *tail, *notes])


def render_bookings(rooms: MyReservations, tables: MyTables) -> str:
    lines = [
        f"- {r.code}: {r.room_type_name}, {r.check_in:%a %d %b %Y} to {r.check_out:%a %d %b %Y}"
        f" ({r.nights} night{'s' if r.nights != 1 else ''}, {r.guests} guest"
        f"{'s' if r.guests != 1 else ''}), {r.total:,.2f} {r.currency}, {r.status.value}"
        for r in rooms.upcoming
    ]
    lines += [
        f"- Table #{b.id} at {b.venue}, {b.starts_at:%a %d %b %H:%M}, {b.party_size} people"
        for b in tables.upcoming
    ]
    if not lines:
        recent = rooms.past[0] if rooms.past else None
        tail = (
            f" Your last stay was {recent.check_in:%d %b %Y} to {recent.check_out:%d %b %Y}."
            if recent
            else ""
        )
        return f"You have no upcoming reservations with us.{tail}"
    return "Your upcoming reservations:\n" + "\n".join(lines)


def render_profile(profile: GuestProfile) -> str:
    """Everything stored about the guest, in plain words (their right to know)."""
    marketing = profile.marketing_consent and not profile.opted_out
    lines = [
        f"Name: {profile.name or 'not given'}",
        f"Phone: {profile.phone or 'not given'}",
        f"E-mail: {profile.email or 'not given'}",
        f"Language: {profile.language}",
        "Preferences: " + ("; ".join(profile.preferences) or "none"),
        f"Stays with us: {profile.stays_count}"
        + (
            f" (last: {profile.last_stay.check_in:%d %b %Y}–{profile.last_stay.check_out:%d %b %Y})"
            if profile.last_stay
            else ""
        ),
        f"Upcoming stays: {profile.upcoming_stays}",
        f"Marketing messages: {'yes' if marketing else 'no'}",
        f"Loyalty points: {profile.loyalty_points}",
    ]
    return (
        "This is what we have stored about you:\n"
        + "\n".join(f"- {line}" for line in lines)
        + "\nYou can ask me to forget your preferences or all your personal details."
    )
