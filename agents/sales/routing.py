"""Whether a turn stays with the sales agent: once a conversation has an open lead, the
guest's next messages ("about 80 people", "June 12") continue it, until the lead is closed,
a person has it, or the guest clearly asks the receptionist something else."""

from __future__ import annotations

import re

from agents.state import AgentState

_RECEPTION_REQUEST = re.compile(
    r"\b(room service|restaurant|table for|menu|wi-?fi|password|check-?in time|check-?out time"
    r"|parking|pool|gym|my (booking|reservation|order)|cancel my|towels?|taxi|directions"
    r"|opening hours|what time)\b",
    re.IGNORECASE,
)


_QUESTION = re.compile(
    r"\?|^(what|when|where|which|who|how|is|are|do|does|can|could|may|will|would)\b",
    re.IGNORECASE,
)
FREE_TEXT_ANSWERS = ("needs", "budget", "decision_timeline")


def stays_with_sales(state: AgentState, text: str) -> bool:
    memory = state.get("sales")
    if not memory or not memory.get("lead_id"):
        return False
    if state.get("pending") or state.get("upsell"):  # the receptionist waits on a yes or no
        return False
    if _RECEPTION_REQUEST.search(text) is None:
        return True
    # "A vegetarian menu and a DJ" answers the question about needs; "what time is
    # check-out?" is a question of its own.
    free_answer = memory.get("last_asked") in FREE_TEXT_ANSWERS
    return free_answer and _QUESTION.search(text.strip()) is None
