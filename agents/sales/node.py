"""The sales funnel node: takes an event, wedding, group or package enquiry from the first
message, qualifies it one question at a time, proposes the package priced by the quote tool,
and handles the answer (a discount, yes, no, a person).

Code reads what it can (``reading``); the model is asked only when a message carried nothing
code could read, and its values are grounded in the message. Every number the guest sees
comes from a tool. The lead's id and the questions asked are kept in the checkpointed state
(``sales``), so the next turn ("about 80 people") continues the same lead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Literal, TypeVar

from langchain_core.messages import AIMessage, HumanMessage, SystemMessage
from langgraph.runtime import Runtime
from pydantic import BaseModel, Field, ValidationError

from agents.llm.binding import with_tools
from agents.reception.node import receptionist
from agents.reception.steps import action
from agents.router import SALES
from agents.sales import llm_tools as t
from agents.sales.questions import next_field, question
from agents.sales.reading import (
    Facts,
    discount_asked,
    read_facts,
    read_kind,
    wants_a_person,
    wants_to_accept,
    wants_to_decline,
)
from agents.sales.site_visit import site_visit_asked, visit_moment
from agents.state import AgentState, TurnContext
from domain.sales import LeadKind, LeadStage
from tools.base import ToolContext, ToolError
from tools.reception.context import current_time, property_rules, show_money
from tools.reception.handoff import HandoffArgs, handoff_to_staff
from tools.sales import (
    CloseLeadArgs,
    DiscountArgs,
    LeadInfo,
    OpenLeadArgs,
    ProposalArgs,
    SiteVisitArgs,
    UpdateLeadArgs,
    book_site_visit,
    close_lead,
    conversation_lead,
    open_lead,
    request_discount,
    send_proposal,
    update_lead,
)
from tools.sales.leads import KIND_LABELS

PROPOSED = (LeadStage.PROPOSAL, LeadStage.NEGOTIATION)
VISIT = "site_visit"  # the question asked: when to visit
R = TypeVar("R")


class SalesMemory(BaseModel):
    """The checkpointed part: which lead, and what was asked (each detail is asked once)."""

    lead_id: int | None = None
    asked: list[str] = Field(default_factory=list)
    last_asked: str | None = None


@dataclass
class Turn:
    ctx: ToolContext
    text: str
    today: date
    memory: SalesMemory
    actions: list[dict[str, Any]] = field(default_factory=list)
    llm_called: bool = False
    done: bool = False  # the lead is closed or with a person: sales lets go of the thread


def sales_funnel(state: AgentState, runtime: Runtime[TurnContext]) -> AgentState:
    ctx = runtime.context.tools
    text = state.get("text", "")
    if state.get("agent") != SALES and conversation_lead(ctx) is None:
        # Kept here only by a lead that staff closed meanwhile: the receptionist answers.
        handed_back = dict(receptionist(state, runtime))
        return {**handed_back, "sales": None}  # type: ignore[typeddict-item]
    memory = SalesMemory.model_validate(state.get("sales") or {})
    turn = Turn(ctx, text, current_time(ctx, property_rules(ctx)).date(), memory)
    try:
        reply = _respond(turn, runtime.context)
    except ToolError as error:
        reply = str(error)
    update: dict[str, Any] = {
        "agent": SALES,
        "reply": reply,
        "actions": turn.actions,
        "llm_called": turn.llm_called,
        "pending": None,  # a new request replaces another agent's question
        "upsell": None,
        "sales": None if turn.done else turn.memory.model_dump(mode="json"),
    }
    return update  # type: ignore[return-value]


def _respond(turn: Turn, context: TurnContext) -> str:
    ctx, text = turn.ctx, turn.text
    lead = conversation_lead(ctx)
    if lead is None:
        return _open(turn)
    turn.memory.lead_id = lead.id
    if wants_a_person(text):
        return _to_a_person(turn, lead, "the guest asked for a person")
    if site_visit_asked(text) or turn.memory.last_asked == VISIT:
        visit = _site_visit(turn, lead)
        if visit is not None:
            return visit
    percent = discount_asked(text)
    if isinstance(percent, Decimal):
        result = _run(turn, "request_discount", DiscountArgs(lead_id=lead.id, percent=percent),
                      request_discount)  # fmt: skip
        if result.handed_off or result.sent:
            turn.done = result.handed_off
            return str(result.message)
        lead = result.lead
    elif percent is True and lead.stage in PROPOSED:
        return "Which discount did you have in mind, in percent? I'll see what I can do."
    if lead.stage in PROPOSED:
        if wants_to_decline(text):
            return _close(turn, lead, "lost")
        if wants_to_accept(text):
            return _close(turn, lead, "won")
    facts = read_facts(text, turn.today, turn.memory.last_asked, lead.currency)
    if not facts.any() and context.chat_model is not None and lead.stage not in PROPOSED:
        facts = _ask_model(turn, context)
        if turn.done:
            return _to_a_person(turn, lead, "the guest asked for a person")
    return _advance(turn, _record(turn, lead, facts), facts)


def _open(turn: Turn) -> str:
    facts = read_facts(turn.text, turn.today, None, property_rules(turn.ctx).currency)
    kind = read_kind(turn.text) or LeadKind.EVENT
    values = _fields(facts, turn.today)
    values.pop("kind", None)
    args = OpenLeadArgs(kind=kind, **values)
    lead = _run(turn, "open_lead", args, open_lead)
    turn.memory = SalesMemory(lead_id=lead.id)
    greeting = f"Thank you for thinking of us for your {KIND_LABELS[kind]}!"
    percent = discount_asked(turn.text)
    if isinstance(percent, Decimal):
        result = _run(turn, "request_discount", DiscountArgs(lead_id=lead.id, percent=percent),
                      request_discount)  # fmt: skip
        if result.handed_off:
            turn.done = True
            return f"{greeting} {result.message}"
        lead = result.lead
    if _notes(facts):
        lead = _run(turn, "update_lead", UpdateLeadArgs(lead_id=lead.id, notes=_notes(facts)),
                    update_lead)  # fmt: skip
    return _advance(turn, lead, facts, greeting)


def _record(turn: Turn, lead: LeadInfo, facts: Facts) -> LeadInfo:
    values = _fields(facts, turn.today)
    notes = _notes(facts)
    if not values and not notes:
        return lead
    if lead.kind is not LeadKind.EVENT or facts.kind is None:
        values.pop("kind", None)  # the kind is set once, unless it was the generic one
    args = UpdateLeadArgs(lead_id=lead.id, notes=notes, **values)
    return _run(turn, "update_lead", args, update_lead)


def _advance(turn: Turn, lead: LeadInfo, facts: Facts, prefix: str = "") -> str:
    """Ask the next question, or propose once nothing is left to ask."""
    asked = turn.memory.last_asked
    wanted = next_field(lead, turn.memory.asked)
    lead_in = prefix
    if facts.date_phrase and lead.event_date is None:
        lead_in += f" I couldn't tell which date you mean by “{facts.date_phrase}”."
    elif facts.event_date is not None and facts.event_date < turn.today:
        lead_in += " That date has already passed."
    elif wanted is not None and wanted == asked and not facts.any():
        lead_in += " Sorry, I didn't catch that."
    if wanted is not None:
        if wanted not in turn.memory.asked:
            turn.memory.asked.append(wanted)
        turn.memory.last_asked = wanted
        return f"{lead_in} {question(wanted, lead)}".strip()
    turn.memory.last_asked = None
    if lead.stage is LeadStage.QUALIFIED:
        result = _run(turn, "send_proposal", ProposalArgs(lead_id=lead.id), send_proposal)
        turn.done = result.handed_off
        return f"{lead_in} {result.message}".strip()
    if lead.quote_amount is not None:
        total = show_money(lead.quote_amount, lead.currency)
        return f"{lead_in} Would you like to go ahead with the proposal ({total})?".strip()
    return f"{lead_in} Our team will be in touch about your {lead.kind.value}.".strip()


def _close(turn: Turn, lead: LeadInfo, outcome: Literal["won", "lost"]) -> str:
    args = CloseLeadArgs(lead_id=lead.id, outcome=outcome, reason=turn.text[:300])
    closed = _run(turn, "close_lead", args, close_lead)
    turn.done = True
    if closed.stage is LeadStage.WON:
        total = show_money(closed.quote_amount or Decimal(0), closed.currency)
        return (
            f"Wonderful, thank you! I've noted that you'd like to go ahead ({total}). Our team "
            "will contact you to confirm the details and the deposit."
        )
    return "Thank you for letting us know. If anything changes, we'd be happy to help."


def _site_visit(turn: Turn, lead: LeadInfo) -> str | None:
    """Book the visit the guest asked for; ask for the day and time if the message lacks
    them (once: an answer without them goes back to the enquiry)."""
    moment = visit_moment(turn.text, turn.today)
    if moment is not None:
        turn.memory.last_asked = None
        args = SiteVisitArgs(lead_id=lead.id, start=moment)
        return _run(turn, "book_site_visit", args, book_site_visit).message
    if turn.memory.last_asked == VISIT:
        turn.memory.last_asked = None
        return None
    turn.memory.last_asked = VISIT
    return "We'd love to show you around! Which day and time suit you, e.g. Friday at 11am?"


def _to_a_person(turn: Turn, lead: LeadInfo, reason: str) -> str:
    args = HandoffArgs(reason=f"Sales lead #{lead.id} ({lead.kind.value}): {reason}")
    result = _run(turn, "handoff_to_staff", args, handoff_to_staff)
    turn.done = True
    return str(result.message)


def _ask_model(turn: Turn, context: TurnContext) -> Facts:
    """The model reads what code could not; only values grounded in the message count."""
    assert context.chat_model is not None
    model = context.chat_model()
    messages = [SystemMessage(t.SYSTEM_PROMPT), HumanMessage(turn.text)]
    turn.llm_called = True
    with context.llm_clock:
        answer = with_tools(model, t.TOOLS).invoke(messages)
    assert isinstance(answer, AIMessage)
    facts = Facts()
    for call in answer.tool_calls:
        tool = t.TOOLS_BY_NAME.get(call["name"])
        try:
            parsed = tool.model_validate(call["args"]) if tool else None
        except ValidationError:
            continue
        if isinstance(parsed, t.talk_to_person):
            turn.done = True
        elif isinstance(parsed, t.event_details):
            details = t.ground(parsed, turn.text)
            facts.group_size = details.group_size if (details.group_size or 0) >= 1 else None
            facts.needs = details.needs
            if details.event_date:
                facts.date_phrase = details.event_date
                read = read_facts(details.event_date, turn.today, "event_date", "")
                facts.event_date = read.event_date
                facts.date_phrase = None if read.event_date else details.event_date
        break
    return facts


def _fields(facts: Facts, today: date) -> dict[str, Any]:
    values = {
        "kind": facts.kind,
        "event_date": facts.event_date if facts.event_date and facts.event_date >= today else None,
        "group_size": facts.group_size,
        "budget": facts.budget,
        "contact_email": facts.contact_email,
        "contact_phone": facts.contact_phone,
        "contact_name": facts.contact_name,
        "needs": facts.needs,
        "decision_timeline": facts.decision_timeline,
    }
    return {k: v for k, v in values.items() if v is not None}


def _notes(facts: Facts) -> dict[str, str]:
    return {"budget": facts.budget_note} if facts.budget_note else {}


def _run(turn: Turn, name: str, args: BaseModel, tool: Callable[[ToolContext, Any], R]) -> R:
    """Run a tool and record it in the turn's actions."""
    result = tool(turn.ctx, args)
    turn.actions.append(action(name, args, result))
    return result
