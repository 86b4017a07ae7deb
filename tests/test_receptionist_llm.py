"""The receptionist end to end with the real local model (Qwen2.5-Coder 0.5B): the model picks
the tool, code grounds and runs it. What is checked is the reply's facts and the database.

Marked ``llm``; skipped only when the model file is missing (``buffr models pull
qwen2.5-coder-0.5b``, which ``./dev test`` runs first).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from langchain_core.language_models import BaseChatModel
from sqlalchemy import text

from agents.runtime import AgentRuntime
from agents.turn import Turn, TurnResult
from buffr.db.session import Database
from domain.conversations import Channel

TODAY = date(2027, 3, 1)
pytestmark = [pytest.mark.llm, pytest.mark.demo_data(today=TODAY)]
NOW = datetime(2027, 3, 1, 10, 0, tzinfo=ZoneInfo("Asia/Jerusalem"))


@pytest.fixture(scope="module")
def runtime(db: Database, small_model: Callable[[], BaseChatModel]) -> AgentRuntime:
    return AgentRuntime(db, chat_model=small_model)


def say(runtime: AgentRuntime, sender: str, message: str) -> TurnResult:
    return runtime.handle(Turn("demo", Channel.WHATSAPP, sender, message, now=NOW))


def _scalar(db: Database, query: str) -> object:
    with db.owner() as session:
        return session.execute(text(query)).scalar()


def test_a_question_is_answered_from_the_documents(runtime: AgentRuntime) -> None:
    result = say(runtime, "+447700900201", "What time is check-in?")
    assert result.llm_called
    assert "15:00" in result.reply and "Source:" in result.reply


def test_a_booking_is_quoted_then_made_on_yes(runtime: AgentRuntime, db: Database) -> None:
    sender = "+447700900202"
    asked = say(runtime, sender, "I'd like to book a standard room on 12 March for two nights")
    assert asked.pending_question, asked.reply
    assert "Shall I book" in asked.reply
    count = (
        "SELECT count(*) FROM room_reservations r JOIN guests g ON g.id = r.guest_id "
        f"WHERE g.phone = '{sender}'"
    )
    assert _scalar(db, count) == 0
    done = say(runtime, sender, "yes")
    assert not done.llm_called  # the yes is read by code, not the model
    stay = _scalar(
        db,
        "SELECT r.check_in::text || '/' || r.check_out::text FROM room_reservations r "
        f"JOIN guests g ON g.id = r.guest_id WHERE g.phone = '{sender}'",
    )
    assert stay == "2027-03-12/2027-03-14"


def test_asking_for_a_person_hands_the_conversation_over(
    runtime: AgentRuntime, db: Database
) -> None:
    sender = "+447700900203"
    say(runtime, sender, "I want to speak to a real person please")
    status = _scalar(
        db,
        "SELECT c.status FROM conversations c JOIN guests g ON g.id = c.guest_id "
        f"WHERE g.phone = '{sender}'",
    )
    assert status == "handoff"
    assert say(runtime, sender, "hello?").reply == ""
