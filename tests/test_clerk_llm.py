"""The inventory clerk end to end with the real local model (Qwen2.5-Coder 0.5B): messages the
parser cannot read go to the model, whose tool calls are grounded and run through the same
flow and tools. The database's end state is what is checked.

Marked ``llm``; skipped only when the model file is missing (``buffr models pull
qwen2.5-coder-0.5b``, which ``./dev test`` runs first).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from langchain_core.language_models import BaseChatModel

from agents.runtime import AgentRuntime
from buffr.db.session import Database
from tests.inventory_helpers import STAFF, level, say, set_level

pytestmark = [pytest.mark.llm, pytest.mark.demo_data()]


@pytest.fixture(scope="module")
def seeded(db: Database) -> Database:
    return db


@pytest.fixture
def runtime(seeded: Database, small_model: Callable[[], BaseChatModel]) -> AgentRuntime:
    rt = AgentRuntime(seeded, chat_model=small_model)
    rt.forget_thread("demo", STAFF)
    return rt


def test_a_count_in_free_words(runtime: AgentRuntime, seeded: Database) -> None:
    set_level(seeded, "WINE-RED-HOUSE", 30)
    asked = say(runtime, "do a stock take of red wine: 12 on the shelf")
    assert asked.llm_called and asked.pending_question, asked.reply  # 12 cases or bottles?
    assert level(seeded, "WINE-RED-HOUSE") == 30, "nothing written before the answer"
    done = say(runtime, "bottles")
    assert level(seeded, "WINE-RED-HOUSE") == 12, done.reply


def test_undo_in_free_words(runtime: AgentRuntime, seeded: Database) -> None:
    set_level(seeded, "HEIN-330-BTL", 100)
    assert not say(runtime, "took 4 bottles of heineken").llm_called
    assert level(seeded, "HEIN-330-BTL") == 96
    result = say(runtime, "scratch the last entry")
    assert result.llm_called
    assert level(seeded, "HEIN-330-BTL") == 100, result.reply


def test_write_off_asks_until_unambiguous_then_records(
    runtime: AgentRuntime, seeded: Database
) -> None:
    set_level(seeded, "GOLD-330-BTL", 50)
    reply = say(runtime, "write off 2 goldstar, they were flat")
    assert reply.llm_called and reply.pending_question, reply.reply
    assert level(seeded, "GOLD-330-BTL") == 50, "nothing written before the answers"
    for _ in range(3):  # which goldstar (bottle or keg)? then cases or single units?
        if not reply.pending_question:
            break
        answer = "the bottles" if "Which" in reply.reply else "single units"
        reply = say(runtime, answer)
    assert level(seeded, "GOLD-330-BTL") == 48, reply.reply


def test_chit_chat_writes_nothing(runtime: AgentRuntime, seeded: Database) -> None:
    set_level(seeded, "HEIN-330-BTL", 100)
    result = say(runtime, "how was your weekend? the weather was lovely")
    assert result.llm_called and result.actions == []
    assert level(seeded, "HEIN-330-BTL") == 100
