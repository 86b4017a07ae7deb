"""The graph's state (checkpointed per thread) and the per-turn context (never checkpointed)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypedDict

from langchain_core.language_models import BaseChatModel

from tools.base import ToolContext


class AgentState(TypedDict, total=False):
    text: str  # this turn's message
    agent: str  # who handled it
    reply: str
    actions: list[dict[str, Any]]
    llm_called: bool
    # Kept across turns: a question waiting for its answer, and the last update (for "no, the
    # glass ones"). Both plain dicts so the checkpoint serialises them as JSON.
    pending: dict[str, Any] | None
    last: dict[str, Any] | None
    history: list[list[str]]  # the receptionist's last exchanges: [role, text] pairs


@dataclass
class TurnContext:
    tools: ToolContext
    # Called only when a message needs the model: the fast path never loads it.
    chat_model: Callable[[], BaseChatModel] | None
