"""Who handles a turn. Staff go to the inventory clerk; guests to the receptionist; campaign
replies to reactivation; event, group and corporate enquiries to sales. Agents that are not
built yet are routed to all the same, and answered politely by ``unavailable``."""

from __future__ import annotations

import re

from agents.sales.routing import stays_with_sales
from agents.state import AgentState
from tools.base import Actor

INVENTORY = "inventory_clerk"
RECEPTIONIST = "receptionist"
SALES = "sales_funnel"
REACTIVATION = "reactivation"
AGENTS = (INVENTORY, RECEPTIONIST, SALES, REACTIVATION)
IMPLEMENTED = frozenset({INVENTORY, RECEPTIONIST, SALES, REACTIVATION})

_SALES_WORDS = re.compile(
    r"\b(weddings?|conferences?|corporate|group of \d+|events?|banquets?|retreats?"
    r"|birthday party|gala|offsite|team building|group (stay|booking|rate)|spa weekend)\b"
    r"|חתונה|כנס|אירוע",
    re.IGNORECASE,
)


def choose_agent(actor: Actor, text: str) -> str:
    """Decided before the graph runs and passed in as ``agent``: routing needs no model and no
    database, so a graph step of its own would only cost time."""
    if actor.kind == "staff":
        return INVENTORY
    if _SALES_WORDS.search(text):
        return SALES
    return RECEPTIONIST


def next_node(state: AgentState) -> str:
    agent = state.get("agent", RECEPTIONIST)
    # An open lead keeps the guest's follow-up answers ("about 80") with sales.
    if agent == RECEPTIONIST and stays_with_sales(state, state.get("text", "")):
        agent = SALES
    return agent if agent in IMPLEMENTED else "unavailable"


UNAVAILABLE = {
    RECEPTIONIST: "I'm sorry, I can't help with that here yet. Please call the front desk.",
    SALES: "I'm sorry, I can't help with event or group requests here yet. "
    "Please call the front desk and ask for sales.",
    REACTIVATION: "Thank you for your reply! I can't continue this conversation here yet.",
}


def unavailable(state: AgentState) -> AgentState:
    """A polite answer for an agent that is not built: no stub posing as an agent."""
    agent = state.get("agent", RECEPTIONIST)
    return {"reply": UNAVAILABLE.get(agent, UNAVAILABLE[RECEPTIONIST]), "actions": []}
