"""The receptionist node: a guest's yes or no to the question asked, else the model chooses one
tool and the receptionist runs it (see ``dispatch``), or the model's own words for small talk.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from langgraph.runtime import Runtime
from pydantic import ValidationError

from agents.inventory.lexicon import wordset
from agents.inventory.parse import parse_reply
from agents.llm.binding import with_tools
from agents.reception.answers import answer_from_documents
from agents.reception.dispatch import run_call
from agents.reception.grounding import ground
from agents.reception.language import unsupported_language_reply
from agents.reception.llm_tools import TOOLS, TOOLS_BY_NAME
from agents.reception.prompt import SYSTEM_PROMPT, returning_greeting
from agents.reception.steps import Pending, Step, run_write
from agents.sales.upsell_turn import answer_offer, offer_after_booking
from agents.state import AgentState, TurnContext
from tools.base import ToolContext, ToolError
from tools.reception.context import current_time, property_rules

HISTORY_TURNS = 2  # earlier exchanges the model sees, for "and for three nights?"
HISTORY_CHARS = 300
_QUESTION = re.compile(
    r"\?|^(what|when|where|which|who|how|is|are|do|does|can|could|may|will|would)\b"
    r"|^(מה|מתי|איפה|האם|כמה|איך|יש)",
    re.IGNORECASE,
)


def receptionist(state: AgentState, runtime: Runtime[TurnContext]) -> AgentState:
    ctx = runtime.context.tools
    text = state.get("text", "")
    llm_called = False
    if not text:
        step = Step(reply="Hello! How can I help you today?")
    elif (refusal := unsupported_language_reply(ctx, text)) is not None:
        step = Step(reply=refusal)
    elif (upsold := _answer_to_upsell(ctx, state, text)) is not None:
        step = upsold
    elif (answered := _answer_to_question(ctx, state, text)) is not None:
        step = answered
    elif runtime.context.chat_model is None:
        step = Step(reply="I'm sorry, I can't answer right now. Please call the front desk.")
    else:
        today = current_time(ctx, property_rules(ctx)).date()
        step = _ask_model(ctx, runtime.context, state, text, today)
        llm_called = True
        greeting = None if state.get("history") else returning_greeting(ctx)
        if greeting:
            step.reply = f"{greeting} {step.reply}"
    return _done(step, state, text, llm_called)


def _answer_to_question(ctx: ToolContext, state: AgentState, text: str) -> Step | None:
    """The guest's yes (carry out the write) or no to a pending question; None otherwise, and
    the pending question is dropped: a new request replaces it."""
    raw = state.get("pending")
    if not raw:
        return None
    try:
        pending = Pending.model_validate(raw)
    except ValidationError:  # another agent's question (the same person, another role)
        return None
    hint = _yes_or_no(text)
    if hint == "yes":
        try:
            return offer_after_booking(ctx, run_write(ctx, pending))
        except ToolError as error:
            return Step(reply=str(error))
    if hint == "no":
        return Step(reply="Alright, I haven't changed anything. Is there anything else?")
    return None


def _answer_to_upsell(ctx: ToolContext, state: AgentState, text: str) -> Step | None:
    """The guest's yes or no to the extra offered after their booking; None otherwise (the
    offer lapses)."""
    upsell = state.get("upsell")
    hint = _yes_or_no(text) if upsell else "unknown"
    if upsell is None or hint == "unknown":
        return None
    return answer_offer(ctx, upsell, taken=hint == "yes")


def _yes_or_no(text: str) -> str:
    """The first word decides ("yes, cancel it" is a yes; "no, leave it" a no); failing that,
    the clerk's reading of a whole answer ("go ahead", "בטח")."""
    first = re.findall(r"[^\W\d_]+", text.lower())[:1]
    if first and first[0] in _YES_WORDS:
        return "yes"
    if first and first[0] in _NO_WORDS:
        return "no"
    kind = parse_reply(text).kind
    return kind if kind in ("yes", "no") else "unknown"


_YES_WORDS = wordset(
    "yes yeah yep yup sure ok okay confirm confirmed definitely absolutely "
    "כן בטח אוקיי אוקי סבבה בסדר מאשר מאשרת"
)
_NO_WORDS = wordset("no nope nah don dont stop לא")  # "don't" reads as "don"


def _ask_model(
    ctx: ToolContext,
    turn: TurnContext,
    state: AgentState,
    text: str,
    today: date,
) -> Step:
    messages: list[BaseMessage] = [SystemMessage(SYSTEM_PROMPT)]
    for role, said in (state.get("history") or [])[-2 * HISTORY_TURNS :]:
        messages.append(HumanMessage(said) if role == "guest" else AIMessage(said))
    messages.append(HumanMessage(text))
    assert turn.chat_model is not None
    model = turn.chat_model()
    with turn.llm_clock:
        answer = with_tools(model, TOOLS).invoke(messages)
    assert isinstance(answer, AIMessage)
    for call in answer.tool_calls:
        tool = TOOLS_BY_NAME.get(call["name"])
        if tool is None:
            continue
        try:
            parsed = tool.model_validate(call["args"])
        except ValidationError:
            continue
        return run_call(ctx, ground(parsed, text, state.get("history") or []), today, text)
    words = answer.content if isinstance(answer.content, str) else ""
    if _QUESTION.search(text.strip()):
        # A question answered in the model's own words could be invented: the documents
        # answer it, or a colleague does.
        return answer_from_documents(ctx, text)
    return Step(reply=words.strip() or "Sorry, could you say that another way?")


def _done(step: Step, state: AgentState, text: str, llm_called: bool) -> AgentState:
    history: list[list[str]] = list(state.get("history") or [])
    history += [["guest", text[:HISTORY_CHARS]], ["agent", step.reply[:HISTORY_CHARS]]]
    update: dict[str, Any] = {
        "reply": step.reply,
        "actions": step.actions,
        "llm_called": llm_called,
        "pending": step.pending.model_dump(mode="json") if step.pending else None,
        "upsell": step.upsell,
        "history": history[-2 * HISTORY_TURNS :],
    }
    return update  # type: ignore[return-value]
