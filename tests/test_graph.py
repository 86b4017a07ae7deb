"""The graph with a scripted chat model that emits real tool calls through the same code path
a real model uses: routing, the model only when the parser cannot read a message, tool calls
turned into the same flow."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from langchain_core.messages import AIMessage
from langchain_core.outputs import ChatResult

from agents.inventory.llm_tools import TOOLS
from agents.llm.fake import InstantChatModel, ScriptedChatModel
from agents.llm.fake import scripted_call as _call
from agents.runtime import AgentRuntime
from buffr.db.session import Database
from tests.inventory_helpers import GUEST, STAFF, level, say, set_level

# Words the deterministic parser does not know: only the model can read this.
UNREADABLE = "log this please: 2 bottles of heineken vanished at the pool party"


pytestmark = pytest.mark.demo_data()


@pytest.fixture(scope="module")
def seeded(db: Database) -> Database:
    return db


def _runtime(db: Database, model: ScriptedChatModel) -> Iterator[AgentRuntime]:
    runtime = AgentRuntime(db, chat_model=lambda: model)
    for sender in (STAFF, GUEST):
        runtime.forget_thread("demo", sender)
    yield runtime


def test_model_tool_call_goes_through_the_flow(seeded: Database) -> None:
    set_level(seeded, "HEIN-330-BTL", 100)
    model = ScriptedChatModel(
        [_call("update_stock", action="OUT", product="heineken", quantity=2, unit="unit")]
    )
    runtime = next(_runtime(seeded, model))
    result = say(runtime, UNREADABLE)
    assert result.llm_called
    assert model.bound_tool_names == [t.__name__ for t in TOOLS]
    assert [a["tool"] for a in result.actions] == ["record_movement"]
    assert "Took out 2 × Heineken 330 ml bottle. Now 98 in stock." in result.reply
    assert level(seeded, "HEIN-330-BTL") == 98


def test_model_proposal_is_still_checked_by_the_flow(seeded: Database) -> None:
    """The model says OUT 20 of a product with 10: code asks before zeroing, as always."""
    set_level(seeded, "HEIN-330-BTL", 10)
    model = ScriptedChatModel(
        [_call("update_stock", action="OUT", product="heineken", quantity=20, unit="unit")]
    )
    runtime = next(_runtime(seeded, model))
    result = say(runtime, "log this please: 20 bottles of heineken vanished at the pool party")
    assert result.pending_question and "Only 10" in result.reply
    assert level(seeded, "HEIN-330-BTL") == 10


def test_model_fields_the_message_does_not_support_are_dropped(seeded: Database) -> None:
    """A quantity nobody said and a box nobody mentioned become questions, not writes; a
    product the message never names is no update at all."""
    set_level(seeded, "HEIN-330-BTL", 100)
    model = ScriptedChatModel(
        [
            _call("update_stock", action="OUT", product="heineken", quantity=500, unit="box"),
            _call("update_stock", action="IN", product="small cola", quantity=10, unit="box"),
        ]
    )
    runtime = next(_runtime(seeded, model))
    asked = say(runtime, UNREADABLE)
    assert asked.reply == "How many Heineken 330 ml bottle?" and asked.actions == []
    assert "nothing recorded" in say(runtime, "cancel").reply
    invented = say(runtime, "how was your weekend, mate?")
    assert "didn't understand" in invented.reply and invented.actions == []
    assert level(seeded, "HEIN-330-BTL") == 100


def test_model_queries(seeded: Database) -> None:
    model = ScriptedChatModel([_call("low_stock"), _call("stock_level", product="coke zero")])
    runtime = next(_runtime(seeded, model))
    assert "Below minimum:" in say(runtime, "hmm, thoughts on the shelves, mate?").reply
    level_reply = say(runtime, "the black fizzy stuff without sugar, situation?").reply
    assert level_reply.startswith("Coca-Cola Zero 330 ml can:")
    assert len(model.calls) == 2


def test_model_without_tool_call_gets_the_fixed_answer(seeded: Database) -> None:
    model = ScriptedChatModel([AIMessage(content="Sure! The wifi password is hunter2.")])
    runtime = next(_runtime(seeded, model))
    result = say(runtime, "what's the wifi password")
    assert result.llm_called and result.actions == []
    assert "hunter2" not in result.reply, "free text from the model is never relayed"
    assert "didn't understand that stock update" in result.reply


def test_fast_path_never_calls_the_model(seeded: Database) -> None:
    model = ScriptedChatModel([])  # any call would fail the script
    runtime = next(_runtime(seeded, model))
    for text in ("received 1 case of heineken", "what is low?", "undo"):
        assert not say(runtime, text).llm_called
    assert model.calls == []


MISREAD = "the bar finished off our last 2 bottles of gin tonight"


def test_a_product_the_parser_misread_goes_to_the_model(seeded: Database) -> None:
    """The parser reads MISREAD as an update of "bar", which the catalogue lacks: the model
    reads the message instead, and its reading goes through the flow."""
    set_level(seeded, "GIN-700", 7)
    model = ScriptedChatModel(
        [_call("update_stock", action="OUT", product="gin", quantity=2, unit="unit")]
    )
    runtime = next(_runtime(seeded, model))
    result = say(runtime, MISREAD)
    assert result.llm_called and len(model.calls) == 1
    assert "Took out 2 × Gordon's gin 700 ml bottle. Now 5 in stock." in result.reply
    assert level(seeded, "GIN-700") == 5


def test_a_misread_product_keeps_the_parsers_suggestions_when_the_model_reads_nothing(
    seeded: Database,
) -> None:
    set_level(seeded, "GIN-700", 7)
    model = ScriptedChatModel([AIMessage(content="Cheers!")])
    runtime = next(_runtime(seeded, model))
    result = say(runtime, MISREAD)
    assert result.llm_called and result.actions == []
    assert "couldn't find a product called “bar”" in result.reply
    assert level(seeded, "GIN-700") == 7


def test_a_model_reading_with_an_unknown_product_keeps_the_parsers(seeded: Database) -> None:
    set_level(seeded, "GIN-700", 7)
    model = ScriptedChatModel(
        [_call("update_stock", action="OUT", product="last", quantity=2, unit="unit")]
    )
    result = say(next(_runtime(seeded, model)), MISREAD)
    assert result.llm_called and result.actions == []
    assert "couldn't find a product called “bar”" in result.reply


class _ModelServerDown(InstantChatModel):
    def _generate(self, *args: Any, **kwargs: Any) -> ChatResult:
        raise ConnectionError("the model server is down")


def test_a_failing_model_leaves_a_misread_message_the_parsers_answer(seeded: Database) -> None:
    runtime = AgentRuntime(seeded, chat_model=lambda: _ModelServerDown())
    runtime.forget_thread("demo", STAFF)
    result = say(runtime, MISREAD)
    assert result.llm_called and "couldn't find a product called “bar”" in result.reply


def test_several_items_with_one_unknown_product_stay_the_parsers(seeded: Database) -> None:
    """The model's reading would replace all of them, the ones read right included."""
    set_level(seeded, "HEIN-330-BTL", 100)
    model = ScriptedChatModel([])  # any call would fail the script
    result = say(next(_runtime(seeded, model)), "took 3 bottles of heineken and 2 unicorns")
    assert not result.llm_called and model.calls == []
    assert "Took out 3 × Heineken 330 ml bottle" in result.reply
    assert "couldn't find a product called “unicorn”" in result.reply
    assert level(seeded, "HEIN-330-BTL") == 97


def test_a_question_about_an_unknown_product_asks_the_model_too(seeded: Database) -> None:
    model = ScriptedChatModel([_call("stock_level", product="gin")])
    runtime = next(_runtime(seeded, model))
    result = say(runtime, "how many gni r left")  # the parser reads the product "gni r"
    assert result.llm_called
    assert result.reply.startswith("Gordon's gin 700 ml bottle:")


def test_router_sends_guests_to_the_receptionist_and_events_to_sales(seeded: Database) -> None:
    model = ScriptedChatModel(["Hello! How can I help?"])
    runtime = next(_runtime(seeded, model))
    guest = say(runtime, "hi there", sender=GUEST)
    assert guest.agent == "receptionist" and guest.reply == "Hello! How can I help?"
    assert model.bound_tool_names[0] == "ask_hotel"  # the receptionist's tools, not the clerk's
    wedding = say(runtime, "we are planning a wedding for 120 people", sender=GUEST)
    assert wedding.agent == "sales_funnel" and "What date" in wedding.reply  # qualifying
    staff = say(runtime, "what is low?")
    assert staff.agent == "inventory_clerk"
    assert len(model.calls) == 1
