"""The inventory clerk node: answer a pending question, correct the last update, or read a new
message (parser first, the model only when the parser cannot) and run the flow."""

from __future__ import annotations

import logging

from langchain_core.messages import AIMessage, HumanMessage, SystemMessage
from langgraph.runtime import Runtime

from agents.inventory.flow import Outcome, names_unknown_product, run_query, run_requests
from agents.inventory.llm_tools import SYSTEM_PROMPT, TOOLS, requests_from
from agents.inventory.parse import parse_reply, parse_stock_message
from agents.inventory.pending import answer_pending, correct_last
from agents.inventory.phrases import say
from agents.inventory.requests import Lang, LastUpdate, Pending, StockQuery, StockRequest
from agents.inventory.understand import language_of, understand
from agents.llm.binding import with_tools
from agents.state import AgentState, TurnContext
from tools.base import ToolContext

log = logging.getLogger(__name__)


def inventory_clerk(state: AgentState, runtime: Runtime[TurnContext]) -> AgentState:
    ctx = runtime.context.tools
    text = state.get("text", "")
    lang = language_of(text)
    if not text:
        return _done(Outcome(lines=[say("empty", lang)]), state, llm_called=False)

    # Read once, up to three ways: as an answer, as a correction, as a new message. As an
    # answer or a correction only when there is a question or an update to answer or correct:
    # reading a message as a reply is ~4% of a turn's time (py-spy, a turn the model answers).
    parsed = parse_stock_message(text)
    pending = Pending.model_validate(state["pending"]) if state.get("pending") else None
    last = LastUpdate.model_validate(state["last"]) if state.get("last") else None
    if pending is not None or last is not None:
        hint = parse_reply(text)
        if pending is not None:
            answered = answer_pending(ctx, pending, hint, parsed)
            if answered is not None:
                return _done(answered, state, llm_called=False)
        if last is not None:
            corrected = correct_last(ctx, last, hint, parsed, lang)
            if corrected is not None:
                return _done(corrected, state, llm_called=False)

    understood = understand(parsed)
    llm_called = False
    if runtime.context.chat_model is not None:
        if understood is None:
            understood = _ask_model(runtime, text)
            llm_called = True
        elif _misread(ctx, understood):
            understood = _second_reading(runtime, text, understood)
            llm_called = True
    if understood is None:
        outcome = Outcome(lines=[say("not_understood", lang)])
    elif isinstance(understood, StockQuery):
        outcome = run_query(ctx, understood, lang)
    else:
        outcome = run_requests(ctx, understood, lang)
    return _done(outcome, state, llm_called=llm_called)


def _misread(ctx: ToolContext, understood: list[StockRequest] | StockQuery) -> bool:
    """One item read with a product the catalogue lacks, as "the bar" in "the bar finished off
    our last 2 bottles of gin": the parser likely took the wrong words. Only a single item: in
    "took 3 heinekens and 2 guinness" the model's reading would replace the heinekens the
    parser read right, and its numbers are only checked against the message, not the item."""
    single = isinstance(understood, StockQuery) or len(understood) == 1
    return single and names_unknown_product(ctx, understood)


def _second_reading(
    runtime: Runtime[TurnContext], text: str, understood: list[StockRequest] | StockQuery
) -> list[StockRequest] | StockQuery:
    """The model's reading of a message the parser misread, if it names a known product;
    else the parser's, which gets the closest products. A failing model (a server down) costs
    the better reading, not the turn: the parser's is a complete answer."""
    try:
        read = _ask_model(runtime, text)
    except Exception:
        log.warning(
            "the model failed on a misread stock message; using the parser's", exc_info=True
        )
        return understood
    if read is None or names_unknown_product(runtime.context.tools, read):
        return understood
    return read


def _ask_model(runtime: Runtime[TurnContext], text: str) -> list[StockRequest] | StockQuery | None:
    factory = runtime.context.chat_model
    assert factory is not None
    with runtime.context.llm_clock:
        answer = with_tools(factory(), TOOLS).invoke(
            [SystemMessage(SYSTEM_PROMPT), HumanMessage(text)]
        )
    return requests_from(answer, text) if isinstance(answer, AIMessage) else None


def _done(outcome: Outcome, state: AgentState, *, llm_called: bool) -> AgentState:
    update = AgentState(
        reply=outcome.reply,
        actions=[
            {"tool": a.tool, "arguments": a.arguments, "result": a.result} for a in outcome.actions
        ],
        llm_called=llm_called,
        pending=outcome.pending.model_dump(mode="json") if outcome.pending else None,
    )
    if outcome.last is not None:
        update["last"] = outcome.last.model_dump(mode="json")
    return update


__all__ = ["Lang", "inventory_clerk"]
