"""The graph's state (checkpointed per thread) and the per-turn context (never checkpointed)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
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
    sales: dict[str, Any] | None  # the open lead and the questions asked (agents.sales)
    upsell: dict[str, Any] | None  # an upsell offered after a booking, awaiting yes or no


class LlmClock:
    """Adds up the time a turn spends waiting for the model, so callers can tell the model's
    own latency from everything around it (the voice benchmark reports them apart)."""

    def __init__(self) -> None:
        self.ms = 0.0
        self._started = 0.0

    def __enter__(self) -> LlmClock:
        self._started = time.perf_counter()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.ms += (time.perf_counter() - self._started) * 1000


@dataclass
class TurnContext:
    tools: ToolContext
    # Called only when a message needs the model: the fast path never loads it.
    chat_model: Callable[[], BaseChatModel] | None
    llm_clock: LlmClock = field(default_factory=LlmClock)
    # The campaign message this guest's turn answers (the runtime routes by it), if any.
    campaign_message: int | None = None
