"""The agents' prompts evaluated once when the server starts, so their states are in the
local model's prompt cache (``agents.llm.prompt_cache``): a guest's first turn then starts in
about 0.3 s instead of the 20-30 s that ~2,000 prompt tokens cost on 2 cores. The local model
keeps these states on disk too, so the next start reads them instead of evaluating again.

Only for the local provider: a remote endpoint caches (or bills) on its own side.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Protocol, runtime_checkable

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage
from pydantic import BaseModel

from agents.llm.binding import with_tools
from buffr.heap import settle

log = logging.getLogger(__name__)


@runtime_checkable
class Prefills(Protocol):
    """A model that can evaluate a prompt without answering it (the local one, which is not
    imported here: that would load llama.cpp for every provider)."""

    def prefill(self, messages: list[BaseMessage], tools: Sequence[type[BaseModel]]) -> None: ...


def agent_prompts() -> list[tuple[str, Sequence[type[BaseModel]]]]:
    """(system prompt, tools) of each agent that asks the model, the guests' first."""
    from agents.inventory import llm_tools as clerk
    from agents.reception import llm_tools as reception
    from agents.reception.prompt import SYSTEM_PROMPT as RECEPTION_PROMPT
    from agents.sales import llm_tools as sales

    return [
        (RECEPTION_PROMPT, reception.TOOLS),
        (sales.SYSTEM_PROMPT, sales.TOOLS),
        (clerk.SYSTEM_PROMPT, clerk.TOOLS),
    ]


def bind_agent_tools(model: BaseChatModel) -> None:
    """Bind each agent's tools once (``with_tools`` keeps the binding): converting their
    schemas took ~27 ms, which the first turn after a start paid otherwise."""
    for _, tools in agent_prompts():
        with_tools(model, tools)


def warm_prompts(chat_model: Callable[[], BaseChatModel]) -> float:
    """Each agent's prompt, evaluated once; the seconds it took. The local model only
    evaluates it (``prefill``); any other model is asked in full."""
    started = time.perf_counter()
    model = chat_model()
    bind_agent_tools(model)
    for prompt, tools in agent_prompts():
        messages: list[BaseMessage] = [SystemMessage(prompt), HumanMessage("hello")]
        if isinstance(model, Prefills):
            model.prefill(messages, tools)
        else:
            with_tools(model, tools).invoke(messages)
    return time.perf_counter() - started


def warm_prompts_in_background(chat_model: Callable[[], BaseChatModel]) -> threading.Thread:
    def warm() -> None:
        try:
            log.info("agent prompts warmed in %.1f s", warm_prompts(chat_model))
            settle()  # the model and its prompts are loaded for good: see buffr.heap
        except Exception:  # a missing model is reported by the first turn that needs it
            log.warning("warming the agent prompts failed", exc_info=True)

    thread = threading.Thread(target=warm, name="llm-warmup", daemon=True)
    thread.start()
    return thread


def bind_tools_in_background(chat_model: Callable[[], BaseChatModel]) -> threading.Thread:
    """For a model whose prompts are not warmed (a remote one: warming would be a paid
    request per agent): only the tool bindings."""

    def bind() -> None:
        try:
            bind_agent_tools(chat_model())
        except Exception:  # a misconfigured model is reported by the first turn that needs it
            log.warning("binding the agents' tools failed", exc_info=True)

    thread = threading.Thread(target=bind, name="llm-tools", daemon=True)
    thread.start()
    return thread
