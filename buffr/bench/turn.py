"""``buffr bench turn``: per-turn latency on the embedded stack.

* fast path: a well-formed stock update end to end (parse, match, movement, audit, transcript,
  checkpoint, commit), no model;
* overhead around an LLM call: the same turn machinery with a model that answers instantly,
  once answering with no tool call (graph + checkpoint + transcript) and once with a read-only
  tool call (graph + tools + checkpoint); the model's own time is measured apart and subtracted.

The checkpoint is written with durability "exit" only: see ``agents.runtime`` for why the other
modes are unsafe here.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage

from agents.inventory.llm_tools import TOOLS
from agents.llm.fake import InstantChatModel
from agents.runtime import AgentRuntime
from agents.turn import Turn
from buffr.db.session import Database
from domain.conversations import Channel

STAFF = "+972501110004"
UPDATES = ("received 1 bottle of heineken", "took 1 bottle of heineken")
UNREADABLE = "hmm, thoughts on the shelves, mate?"


@dataclass
class Figures:
    name: str
    samples: list[float]
    subtract_ms: float = 0.0

    def _pct(self, q: float) -> float:
        ordered = sorted(self.samples)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] - self.subtract_ms

    @property
    def p50(self) -> float:
        return statistics.median(self.samples) - self.subtract_ms

    @property
    def p95(self) -> float:
        return self._pct(0.95)

    @property
    def mean(self) -> float:
        return statistics.fmean(self.samples) - self.subtract_ms


def _time_turns(runtime: AgentRuntime, messages: tuple[str, ...], n: int) -> list[float]:
    samples = []
    for i in range(n):
        started = time.perf_counter()
        runtime.handle(Turn("demo", Channel.TERMINAL, STAFF, messages[i % len(messages)]))
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def _model_time(model: BaseChatModel, n: int = 200) -> float:
    """Median time of the instant model's own call, bound as the clerk binds it."""
    bound = model.bind_tools(TOOLS)
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        bound.invoke([HumanMessage(UNREADABLE)])
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def _factory(model: BaseChatModel) -> Callable[[], BaseChatModel]:
    return lambda: model


def run(db: Database, turns: int, progress: Callable[[str], None]) -> list[Figures]:
    results: list[Figures] = []
    fast = AgentRuntime(db)
    fast.forget_thread("demo", STAFF)
    _time_turns(fast, UPDATES, 20)  # warm connections, prepared statements, imports
    progress(f"fast path: {turns} turns")
    results.append(
        Figures("fast path stock update (durability=exit)", _time_turns(fast, UPDATES, turns))
    )

    for reply_kind, model in (
        ("no tool call", InstantChatModel(reply="?")),
        (
            "stock_level tool call",
            InstantChatModel(tool_call={"name": "stock_level", "args": {"product": "heineken"}}),
        ),
    ):
        runtime = AgentRuntime(db, chat_model=_factory(model))
        _time_turns(runtime, (UNREADABLE,), 10)
        progress(f"instant model, {reply_kind}: {turns} turns")
        model_ms = _model_time(model)
        results.append(
            Figures(
                f"overhead around an instant LLM ({reply_kind}; model's own {model_ms:.2f} ms "
                "subtracted)",
                _time_turns(runtime, (UNREADABLE,), turns),
                subtract_ms=model_ms,
            )
        )

    return results
