"""The sales agent with the real local model (Qwen2.5-Coder 0.5B) on the one turn that needs
it: a message code cannot read. Whatever the model answers, only values written in the
message may reach the lead, and the guest is asked the next question (no price is invented).

Marked ``llm``; skipped only when the model file is missing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from langchain_core.language_models import BaseChatModel
from sqlalchemy import text

from agents.runtime import AgentRuntime
from agents.turn import Turn
from buffr.db.session import Database
from domain.conversations import Channel

pytestmark = [pytest.mark.llm, pytest.mark.demo_data(today=date(2027, 3, 1))]
NOW = datetime(2027, 3, 1, 10, 0, tzinfo=ZoneInfo("Asia/Jerusalem"))
SENDER = "+447700903001"


def test_a_message_code_cannot_read_goes_to_the_model_and_is_grounded(
    db: Database, small_model: Callable[[], BaseChatModel]
) -> None:
    runtime = AgentRuntime(db, chat_model=small_model)
    opened = runtime.handle(
        Turn("demo", Channel.WHATSAPP, SENDER, "We are planning a gala event", now=NOW)
    )
    assert opened.agent == "sales_funnel" and not opened.llm_called
    said = "probably in the summer, we'll be around a hundred and fifty of us"
    turn = runtime.handle(Turn("demo", Channel.WHATSAPP, SENDER, said, now=NOW))
    assert turn.agent == "sales_funnel" and turn.llm_called
    assert "?" in turn.reply and "ILS" not in turn.reply
    with db.owner() as session:
        size, day, stage = session.execute(
            text("SELECT l.group_size, l.event_date, l.stage FROM leads l "
                 "JOIN guests g ON g.id = l.guest_id WHERE g.phone = :phone"),
            {"phone": SENDER},
        ).one()  # fmt: skip
    assert size in (None, 150)  # the model's number counts only if the guest wrote it
    assert day is None  # "the summer" is no date: asked again, never guessed
    assert stage == "new"
