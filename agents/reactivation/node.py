"""The reactivation agent: a guest answering a win-back campaign.

Code decides what it can without the model, in this order:

* an opt-out in any words ("STOP", "please stop texting me", "הסר") is honoured at once:
  ``opted_out_at`` set, consent withdrawn, no campaign message goes to them again;
* a plain "no thanks" is thanked, with nothing written;
* interest without a date ("yes, I'd love to come back in May": a month is not a date) gets
  the campaign's offer and the question the booking needs (which dates, how many guests);
* anything else, including dates, a question or the yes to a booking, is the receptionist's,
  with the same tools and the same confirm-before-write (``agents.reception``). A booking
  made in this conversation is the campaign's conversion.

Every turn marks the campaign message replied (the first reply counts).
"""

from __future__ import annotations

import re
from typing import Any

from langgraph.runtime import Runtime
from sqlalchemy import select

from agents.reactivation.replies import (
    mark_converted,
    mark_replied,
    offer_of,
)
from agents.reception.grounding import date_phrase_in
from agents.reception.node import receptionist
from agents.state import AgentState, TurnContext
from channels import optout, templates
from domain.guests import Guest
from domain.property import Property
from tools.base import ToolContext, audit

REACTIVATION = "reactivation"

_OPT_OUT = re.compile(
    r"\b(unsubscribe|opt[ -]?out|remove me|take me off|"
    r"stop (messaging|texting|sending|contacting|writing|emailing)|"
    r"(don'?t|do not|never) (message|text|contact|write to|email) me|"
    r"no more (messages|texts|offers))\b|הסר|הסירו|תפסיקו",
    re.IGNORECASE,
)
_DECLINE = re.compile(
    r"^\W*(no|nope|nah|not interested|no thanks?|no thank you|maybe later|not now|לא)\b",
    re.IGNORECASE,
)
_INTEREST = re.compile(
    r"^\W*(yes|yeah|yep|sure|ok|okay|great|sounds|lovely|wonderful|definitely|absolutely|כן)\b"
    r"|\b(love to|like to (come|book|visit|stay)|interested|tell me more|count me in|"
    r"what('s| is) the offer|come back|book (again|a stay|a room))\b|מעוניין|מעוניינת",
    re.IGNORECASE,
)


def reactivation(state: AgentState, runtime: Runtime[TurnContext]) -> AgentState:
    ctx = runtime.context.tools
    text = state.get("text", "")
    guest_id = ctx.actor.id if ctx.actor.kind == "guest" else None
    sent = runtime.context.campaign_message  # found by the runtime, which routed here by it
    if guest_id is None or sent is None:
        return {**receptionist(state, runtime), "agent": REACTIVATION}
    mark_replied(ctx.session, sent, ctx.now)
    keyword = optout.classify(text)
    if (keyword is not None and keyword.command is optout.OptCommand.STOP) or _OPT_OUT.search(text):
        return _opt_out(ctx, guest_id, text)
    if _opted_out(ctx, guest_id):
        # They left the campaign: no offer again; what they ask is the receptionist's.
        return {**receptionist(state, runtime), "agent": REACTIVATION}
    if not state.get("pending"):
        if _DECLINE.search(text):
            return _said(
                "No problem at all, thank you for letting us know. If you ever want to come "
                "back, just write to us here."
            )
        if _INTEREST.search(text) and date_phrase_in(text) is None:
            return _said(_offer_reply(ctx, sent))
    out = receptionist(state, runtime)
    for done in out.get("actions") or []:
        booked = (done.get("result") or {}).get("reservation")
        if done.get("tool") == "create_reservation" and isinstance(booked, dict):
            mark_converted(ctx.session, sent, int(booked["id"]))
    return {**out, "agent": REACTIVATION}


def _opted_out(ctx: ToolContext, guest_id: int) -> bool:
    found = ctx.session.scalar(select(Guest.opted_out_at).where(Guest.id == guest_id))
    return found is not None


def _offer_reply(ctx: ToolContext, sent: int) -> str:
    offer = offer_of(ctx.session, sent)
    name = (ctx.actor.name or "").split(" ")[0]
    hello = f"Wonderful, {name}!" if name else "Wonderful!"
    said = f" {offer.rstrip('.')}." if offer else ""
    return (
        f"{hello}{said} Which dates would you like to stay, and for how many guests? "
        "I'll check what's available for you."
    )


def _opt_out(ctx: ToolContext, guest_id: int, text: str) -> AgentState:
    optout.apply(ctx.session, guest_id, optout.OptCommand.STOP, ctx.now)
    audit(ctx, "opt_out", "guest", guest_id, None, {"opted_out": True, "said": text[:200]})
    name = ctx.session.scalar(select(Property.name).where(Property.id == ctx.property_id))
    reply = templates.text("stop", optout.language_of(text), property=str(name or "us"))
    return _said(reply, [{"tool": "opt_out", "arguments": {}, "result": {"opted_out": True}}])


def _said(reply: str, actions: list[dict[str, Any]] | None = None) -> AgentState:
    return {
        "reply": reply,
        "actions": actions or [],
        "llm_called": False,
        "pending": None,
        "agent": REACTIVATION,
    }
