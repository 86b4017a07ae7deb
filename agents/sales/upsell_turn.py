"""The receptionist's upsell: after a confirmed room booking, one relevant extra (priced by
``tools.sales.upsells``), at most once per conversation; the guest's yes or no on the next
turn is recorded, and a yes is applied to the booking.

The offer waits in the checkpointed ``upsell`` state, not in ``pending``: it is an offer, not
a write the guest asked for, so a booking turn still ends without a pending question, and any
other message simply lets the offer lapse (recorded as unanswered).
"""

from __future__ import annotations

from typing import Any

from agents.reception.steps import Step, action
from tools.base import ToolContext, ToolError
from tools.sales.upsells import OfferUpsellArgs, UpsellAnswerArgs, answer_upsell, offer_upsell


def offer_after_booking(ctx: ToolContext, step: Step) -> Step:
    """Add an upsell question to a booking's confirmation, when one fits and none was
    offered in this conversation before."""
    booked = next((a for a in step.actions if a["tool"] == "create_reservation"), None)
    if booked is None:
        return step
    reservation_id = int(booked["result"]["reservation"]["id"])
    try:
        offer = offer_upsell(ctx, OfferUpsellArgs(reservation_id=reservation_id))
    except ToolError:  # the booking stands; an extra is never worth an error
        return step
    if offer is None:
        return step
    step.reply = f"{step.reply}\n{offer.question}"
    step.upsell = {"offer_id": offer.id}
    return step


def answer_offer(ctx: ToolContext, upsell: dict[str, Any], taken: bool) -> Step:
    """Record the guest's answer to the offer (and apply a yes)."""
    args = UpsellAnswerArgs(offer_id=int(upsell["offer_id"]), taken=taken)
    try:
        result = answer_upsell(ctx, args)
    except ToolError as error:
        return Step(reply=str(error))
    more = " Is there anything else I can help with?"
    return Step(reply=result.message + more, actions=[action("answer_upsell", args, result)])
