"""``buffr bench turn``: per-turn latency on the embedded stack.

* fast path: a well-formed stock update end to end (parse, match, movement, audit, transcript,
  checkpoint, commit), no model;
* overhead around an LLM call: the same turn machinery with a model that answers instantly,
  once answering with no tool call (graph + checkpoint + transcript) and once with a read-only
  tool call (graph + tools + checkpoint); each turn's time less the time it spent inside the
  model call, as the turn's own clock measured it (``TurnResult.timings_ms["llm"]``, as
  ``buffr bench voice`` leaves the model out). Measured in the turn, that call (LangChain's
  chat-model machinery around an instant answer) takes ~0.7-1 ms: more than the ~0.4 ms the same
  call took alone in a loop, which is what was subtracted before 2026-11-23;
* a reference: a fixed pure-Python loop, to tell a slow host from a slow turn.

The checkpoint is written with durability "exit" only: see ``agents.runtime`` for why the other
modes are unsafe here.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

from langchain_core.language_models import BaseChatModel

from agents.llm.fake import InstantChatModel
from agents.runtime import AgentRuntime
from agents.turn import Turn
from buffr.bench.reference import reference_loop_ms
from buffr.db.session import Database
from domain.conversations import Channel

STAFF = "+972501110004"
UPDATES = ("received 1 bottle of heineken", "took 1 bottle of heineken")
UNREADABLE = "hmm, thoughts on the shelves, mate?"


@dataclass
class Figures:
    name: str
    samples: list[float]

    def _pct(self, q: float) -> float:
        ordered = sorted(self.samples)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    @property
    def p50(self) -> float:
        return statistics.median(self.samples)

    @property
    def p95(self) -> float:
        return self._pct(0.95)

    @property
    def mean(self) -> float:
        return statistics.fmean(self.samples)


def _time_turns(runtime: AgentRuntime, messages: tuple[str, ...], n: int) -> list[float]:
    return [_time_turn(runtime, messages[i % len(messages)]) for i in range(n)]


def _time_turn(runtime: AgentRuntime, message: str) -> float:
    return _time_turn_and_model(runtime, message)[0]


def _time_turn_and_model(runtime: AgentRuntime, message: str) -> tuple[float, float]:
    """The turn's milliseconds, and those it spent inside the model call."""
    started = time.perf_counter()
    result = runtime.handle(Turn("demo", Channel.TERMINAL, STAFF, message))
    return (time.perf_counter() - started) * 1000, result.timings_ms.get("llm", 0.0)


def _around_model(runtime: AgentRuntime, model_ms: list[float]) -> float:
    """One turn's time outside its model call; the call's time is added to ``model_ms``."""
    turn_ms, in_model = _time_turn_and_model(runtime, UNREADABLE)
    assert in_model > 0, "the turn never called the model"
    model_ms.append(in_model)
    return turn_ms - in_model


def _factory(model: BaseChatModel) -> Callable[[], BaseChatModel]:
    return lambda: model


def run(db: Database, turns: int, progress: Callable[[str], None]) -> list[Figures]:
    """The rows are measured interleaved, one turn of each in turn, so that a slow spell of
    the host hits them all alike instead of whichever row happened to be running."""
    fast = AgentRuntime(db)
    fast.forget_thread("demo", STAFF)
    plain_model = InstantChatModel(reply="?")
    tool_model = InstantChatModel(
        tool_call={"name": "stock_level", "args": {"product": "heineken"}}
    )
    plain = AgentRuntime(db, chat_model=_factory(plain_model))
    tooled = AgentRuntime(db, chat_model=_factory(tool_model))
    # Warm connections, prepared statements and imports.
    _time_turns(fast, UPDATES, 20)
    for runtime in (plain, tooled):
        _time_turns(runtime, (UNREADABLE,), 10)

    samples: dict[str, list[float]] = {"fast": [], "plain": [], "tool": [], "reference": []}
    plain_ms: list[float] = []
    tool_ms: list[float] = []
    for i in range(turns):
        if i % 100 == 0:
            progress(f"turns {i + 1}-{min(i + 100, turns)} of {turns} (each row in turn)")
        samples["fast"].append(_time_turn(fast, UPDATES[i % len(UPDATES)]))
        samples["plain"].append(_around_model(plain, plain_ms))
        samples["tool"].append(_around_model(tooled, tool_ms))
        samples["reference"].append(reference_loop_ms())
    return [
        Figures("fast path stock update (durability=exit)", samples["fast"]),
        Figures(
            "overhead around an instant LLM (no tool call; each turn less its model call, "
            f"p50 {statistics.median(plain_ms):.2f} ms)",
            samples["plain"],
        ),
        Figures(
            "overhead around an instant LLM (stock_level tool call; each turn less its model "
            f"call, p50 {statistics.median(tool_ms):.2f} ms)",
            samples["tool"],
        ),
        Figures(
            "reference: fixed pure-Python loop (machine speed, not a turn)", samples["reference"]
        ),
    ]
