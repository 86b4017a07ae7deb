"""``buffr bench turn`` runs real turns: the fast path writes its movements, the instant
models' turns go through the graph, and every row gets one sample per turn."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from agents.llm.fake import InstantChatModel
from agents.runtime import AgentRuntime
from buffr.bench import turn as bench
from buffr.db.session import Database
from domain.inventory import StockMovement
from tests.inventory_helpers import level

pytestmark = pytest.mark.demo_data()


def _movements(db: Database) -> int:
    with db.owner() as session:
        return int(session.scalar(select(func.count()).select_from(StockMovement)) or 0)


def test_bench_turn_measures_real_turns(db: Database) -> None:
    before, stock = _movements(db), level(db, "HEIN-330-BTL")
    progress: list[str] = []
    figures = bench.run(db, 20, progress.append)
    assert [f.name.split(" (")[0] for f in figures] == [
        "fast path stock update",
        "overhead around an instant LLM",
        "overhead around an instant LLM",
        "reference: fixed pure-Python loop",
    ]
    assert all(len(f.samples) == 20 and min(f.samples) > 0 for f in figures)
    assert progress == ["turns 1-20 of 20 (each row in turn)"]
    # 20 warm-up and 20 measured fast-path turns, received and taken in turn: 40 movements
    # that leave the level where it was.
    assert _movements(db) == before + 40
    assert level(db, "HEIN-330-BTL") == stock


def test_a_fast_path_row_refuses_a_turn_that_called_the_model(db: Database) -> None:
    runtime = AgentRuntime(db, chat_model=lambda: InstantChatModel(reply="?"))
    with pytest.raises(RuntimeError, match="the fast path called the model"):
        bench._time_turn(runtime, bench.UNREADABLE, fast=True)
    assert bench._time_turn(runtime, bench.UPDATES[0], fast=True) > 0
