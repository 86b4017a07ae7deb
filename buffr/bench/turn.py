"""``buffr bench turn``: per-turn latency on the embedded stack.

* fast path: a well-formed stock update end to end (parse, match, movement, audit, transcript,
  checkpoint, commit), a model configured but not called;
* overhead around an LLM call: the same turn machinery with a model that answers instantly,
  once answering with no tool call (graph + checkpoint + transcript) and once with a read-only
  tool call (graph + tools + checkpoint); the model's own time is measured apart and subtracted.
  The row also shows the time each turn spent inside its model call by the turn's own clock
  (``TurnResult.timings_ms["llm"]``): ~0.5 ms against ~0.1 ms alone. In a turn, LangChain's
  machinery in the call carries the graph's callbacks and config (and the CPU's caches are
  colder); that difference is counted as overhead, not as the model's;
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
from langchain_core.messages import HumanMessage

from agents.inventory.llm_tools import TOOLS
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


def _time_turns(
    runtime: AgentRuntime, messages: tuple[str, ...], n: int, *, fast: bool = False
) -> list[float]:
    return [_time_turn(runtime, messages[i % len(messages)], fast=fast) for i in range(n)]


def _time_turn(
    runtime: AgentRuntime,
    message: str,
    in_model: list[float] | None = None,
    *,
    fast: bool = False,
) -> float:
    """The turn's milliseconds; with ``in_model``, the time it spent inside its model call
    (by the turn's own clock) is appended there. A ``fast`` turn must not call the model."""
    started = time.perf_counter()
    result = runtime.handle(Turn("demo", Channel.TERMINAL, STAFF, message))
    elapsed = (time.perf_counter() - started) * 1000
    if fast and result.llm_called:
        raise RuntimeError(f"the fast path called the model for {message!r}: not a fast turn")
    if in_model is not None:
        in_model.append(result.timings_ms.get("llm", 0.0))
    return elapsed


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
    """The rows are measured interleaved, one turn of each in turn, so that a slow spell of
    the host hits them all alike instead of whichever row happened to be running."""
    plain_model = InstantChatModel(reply="?")
    # With a model, as in production, though the fast path never calls it: the clerk then also
    # checks that the parser's product exists before it trusts the parser's reading.
    fast = AgentRuntime(db, chat_model=_factory(plain_model))
    fast.forget_thread("demo", STAFF)
    tool_model = InstantChatModel(
        tool_call={"name": "stock_level", "args": {"product": "heineken"}}
    )
    plain = AgentRuntime(db, chat_model=_factory(plain_model))
    tooled = AgentRuntime(db, chat_model=_factory(tool_model))
    # Warm connections, prepared statements and imports.
    _time_turns(fast, UPDATES, 20, fast=True)
    for runtime in (plain, tooled):
        _time_turns(runtime, (UNREADABLE,), 10)
    plain_ms, tool_ms = _model_time(plain_model), _model_time(tool_model)

    samples: dict[str, list[float]] = {"fast": [], "plain": [], "tool": [], "reference": []}
    plain_in: list[float] = []  # the model call's time inside each turn
    tool_in: list[float] = []
    for i in range(turns):
        if i % 100 == 0:
            progress(f"turns {i + 1}-{min(i + 100, turns)} of {turns} (each row in turn)")
        samples["fast"].append(_time_turn(fast, UPDATES[i % len(UPDATES)], fast=True))
        samples["plain"].append(_time_turn(plain, UNREADABLE, plain_in))
        samples["tool"].append(_time_turn(tooled, UNREADABLE, tool_in))
        samples["reference"].append(reference_loop_ms())
    return [
        Figures("fast path stock update (durability=exit)", samples["fast"]),
        Figures(
            f"overhead around an instant LLM (no tool call; model's own {plain_ms:.2f} ms "
            f"subtracted; in the turn {statistics.median(plain_in):.2f})",
            samples["plain"],
            subtract_ms=plain_ms,
        ),
        Figures(
            f"overhead around an instant LLM (stock_level tool call; model's own {tool_ms:.2f} "
            f"ms subtracted; in the turn {statistics.median(tool_in):.2f})",
            samples["tool"],
            subtract_ms=tool_ms,
        ),
        Figures(
            "reference: fixed pure-Python loop (machine speed, not a turn)", samples["reference"]
        ),
    ]
