"""Upsells after a booking: one relevant extra, priced here from the policies, offered at most
once per conversation, and whether the guest took it.

Relevance, in order: breakfast when the rate does not include it; a room upgrade to the next
larger room type when one is free for the whole stay; late checkout; the spa. The price is
code's: breakfast per adult and child per night, the upgrade per night, late checkout once,
the spa per guest. "At most once" is the database's rule (one offer per conversation,
``uq_upsell_offers_property_id_conversation_id``): the insert does nothing when an offer
exists, so two racing turns cannot both offer. A taken offer is applied to the reservation:
its special requests carry the extra and its price, for the front desk to charge.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from domain.ops import NotificationKind
from domain.rooms import RoomReservation
from domain.sales import UpsellKind, UpsellOffer
from tools.base import ToolContext, ToolError, audit
from tools.reception.context import (
    PropertyRules,
    current_time,
    money,
    notify_staff,
    property_rules,
    show_money,
)
from tools.reception.records import Booking, find_booking
from tools.reception.stays import load_inventory, load_room_types
from tools.sales.policy import SalesPolicy, sales_policy

MAX_REQUESTS = 500  # room_reservations.special_requests as the booking tools allow it


class OfferUpsellArgs(BaseModel):
    reservation_id: int


class UpsellAnswerArgs(BaseModel):
    offer_id: int
    taken: bool


class UpsellInfo(BaseModel):
    id: int
    reservation_id: int | None
    kind: UpsellKind
    description: str
    price: Decimal
    currency: str
    taken: bool | None
    question: str  # what the guest is asked
    message: str  # what the guest is told after answering (empty before)


def offer_upsell(ctx: ToolContext, args: OfferUpsellArgs) -> UpsellInfo | None:
    """Offer the most relevant extra for a just-made booking; None when nothing fits or this
    conversation was already offered one."""
    if ctx.conversation_id is None:
        return None
    rules = property_rules(ctx)
    today = current_time(ctx, rules).date()
    booking = find_booking(ctx, rules, today, args.reservation_id)
    choice = _choose(ctx, rules, sales_policy(rules), booking)
    if choice is None:
        return None
    kind, description, price = choice
    offer_id = ctx.session.execute(
        pg_insert(UpsellOffer)
        .values(
            property_id=ctx.property_id,
            conversation_id=ctx.conversation_id,
            reservation_id=booking.info.id,
            kind=kind,
            description=description,
            price=price,
            currency=rules.currency,
        )
        .on_conflict_do_nothing(index_elements=["property_id", "conversation_id"])
        .returning(UpsellOffer.id)
    ).scalar_one_or_none()
    if offer_id is None:  # offered before in this conversation: never twice
        return None
    offer = ctx.session.get(UpsellOffer, offer_id)
    assert offer is not None
    info = _info(offer)
    audit(ctx, "offer_upsell", "upsell_offers", offer_id, None, info.model_dump(mode="json"))
    return info


def answer_upsell(ctx: ToolContext, args: UpsellAnswerArgs) -> UpsellInfo:
    """Record the guest's yes or no to the offer; a yes adds the extra and its price to the
    reservation's requests and tells the front desk."""
    offer = ctx.session.scalars(
        select(UpsellOffer)
        .where(UpsellOffer.id == args.offer_id, UpsellOffer.conversation_id == ctx.conversation_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if offer is None:
        raise ToolError("I can't find that offer any more.")
    if offer.taken is not None:  # answered already: the first answer stands
        return _info(offer)
    offer.taken = args.taken
    offer.answered_at = ctx.now.astimezone(UTC) if ctx.now else datetime.now(UTC)
    if args.taken and offer.reservation_id is not None:
        _apply(ctx, offer)
    ctx.session.flush()
    info = _info(offer)
    audit(ctx, "answer_upsell", "upsell_offers", offer.id, None, info.model_dump(mode="json"))
    return info


def _choose(
    ctx: ToolContext, rules: PropertyRules, policy: SalesPolicy, booking: Booking
) -> tuple[UpsellKind, str, Decimal] | None:
    info = booking.info
    adults = info.guests - info.children
    if not booking.includes_breakfast and policy.breakfast_per_adult is not None:
        per_child = policy.breakfast_per_child or policy.breakfast_per_adult
        price = (policy.breakfast_per_adult * adults + per_child * info.children) * info.nights
        what = f"breakfast for {info.guests} every morning of your {info.nights}-night stay"
        return UpsellKind.BREAKFAST, what, money(price)
    if policy.room_upgrade_per_night is not None and (better := _upgrade(ctx, booking)):
        price = policy.room_upgrade_per_night * info.nights
        return UpsellKind.ROOM_UPGRADE, f"an upgrade to the {better}", money(price)
    if policy.late_checkout is not None:
        clock = f"{rules.check_out_time.hour + 2:02d}:00"
        return UpsellKind.LATE_CHECKOUT, f"late checkout until {clock}", money(policy.late_checkout)
    if policy.spa_per_person is not None:
        what = f"a spa treatment for {info.guests}"
        return UpsellKind.SPA, what, money(policy.spa_per_person * info.guests)
    return None


def _upgrade(ctx: ToolContext, booking: Booking) -> str | None:
    """The next larger room type that sleeps the party and is free for the whole stay."""
    types = load_room_types(ctx)  # ordered by size
    current = next((i for i, t in enumerate(types) if t.id == booking.room_type_id), None)
    if current is None:
        return None
    info = booking.info
    for candidate in types[current + 1 :]:
        if candidate.max_occupancy < info.guests:
            continue
        free = load_inventory(ctx, [candidate.id], info.check_in, info.check_out)
        if free.free_rooms(candidate.id, info.check_in, info.check_out):
            return candidate.name
    return None


def _apply(ctx: ToolContext, offer: UpsellOffer) -> None:
    reservation = ctx.session.get(RoomReservation, offer.reservation_id, with_for_update=True)
    if reservation is None:
        return
    extra = f"Extra: {offer.description}, {show_money(offer.price, offer.currency)}"
    before = reservation.special_requests
    reservation.special_requests = "; ".join(p for p in (before, extra) if p)[:MAX_REQUESTS]
    audit(
        ctx,
        "apply_upsell",
        "room_reservations",
        reservation.id,
        {"special_requests": before},
        {"special_requests": reservation.special_requests},
    )
    notify_staff(
        ctx,
        NotificationKind.BOOKING,
        f"Extra for booking {reservation.code}: {offer.kind.value.replace('_', ' ')}",
        f"The guest added {offer.description} to {reservation.code}: "
        f"{show_money(offer.price, offer.currency)}.",
        {"reservation_id": reservation.id, "upsell_offer_id": offer.id},
    )


def _info(offer: UpsellOffer) -> UpsellInfo:
    price = show_money(offer.price, offer.currency)
    if offer.taken is None:
        message = ""
    elif offer.taken:
        message = f"Added {offer.description} to your booking ({price})."
    else:
        message = "No problem."
    return UpsellInfo(
        id=offer.id,
        reservation_id=offer.reservation_id,
        kind=offer.kind,
        description=offer.description,
        price=offer.price,
        currency=offer.currency,
        taken=offer.taken,
        question=f"Would you like to add {offer.description} for {price}? (yes/no)",
        message=message,
    )
