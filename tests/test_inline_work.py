"""A turn's checkpoint is saved in the turn's own thread (agents/inline_work.py), and only
inside ``inline_background_work()``: other graphs keep LangGraph's thread pool."""

from __future__ import annotations

import threading
from typing import Any, TypedDict

import pytest
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import END, START, StateGraph
from langgraph.pregel import _executor

from agents.checkpoint import TurnSaver
from agents.inline_work import inline_background_work, install
from agents.llm.fake import InstantChatModel
from agents.runtime import AgentRuntime
from buffr.db.session import Database
from tests.inventory_helpers import say

pytestmark = pytest.mark.demo_data()  # for the turn's test (a module's database)


class Count(TypedDict):
    n: int


class RecordingSaver(InMemorySaver):
    """Remembers which thread saved each checkpoint; fails its saves when told to."""

    def __init__(self, fail: bool = False) -> None:
        super().__init__()
        self.threads: list[threading.Thread] = []
        self.fail = fail

    def put(self, *args: Any, **kwargs: Any) -> Any:
        self.threads.append(threading.current_thread())
        if self.fail:
            raise RuntimeError("the disk is full")
        return super().put(*args, **kwargs)


def _graph(saver: RecordingSaver) -> Any:
    graph = StateGraph(Count)
    graph.add_node("add", lambda state: {"n": state["n"] + 1})
    graph.add_edge(START, "add")
    graph.add_edge("add", END)
    return graph.compile(checkpointer=saver)


def _invoke(graph: Any, thread: str) -> Any:
    config = {"configurable": {"thread_id": thread}}
    return graph.invoke({"n": 1}, config, durability="exit")


def test_langgraphs_executor_is_replaced() -> None:
    """By importing the runtime (as every process that runs turns does). Fails when a
    LangGraph upgrade moved the name: turns would start a thread each again."""
    assert getattr(vars(_executor)["get_executor_for_config"], "_buffr_inline", False)
    assert install() is True  # and installing again keeps the one replacement
    replaced = vars(_executor)["get_executor_for_config"]
    assert install() is True and vars(_executor)["get_executor_for_config"] is replaced


def test_inside_the_context_the_checkpoint_is_saved_in_the_callers_thread() -> None:
    saver = RecordingSaver()
    graph = _graph(saver)
    with inline_background_work():
        assert _invoke(graph, "inline") == {"n": 2}
    assert saver.threads == [threading.current_thread()]

    assert _invoke(graph, "pooled") == {"n": 2}  # outside: LangGraph's own pool, as before
    assert saver.threads[1] is not threading.current_thread()
    assert graph.get_state({"configurable": {"thread_id": "inline"}}).values == {"n": 2}


def test_a_graph_started_inside_a_node_keeps_langgraphs_pool() -> None:
    """It might stream or be eager (a waiter that would block the one thread forever)."""
    inner_saver, outer_saver = RecordingSaver(), RecordingSaver()
    inner = _graph(inner_saver)

    def run_inner(state: Count) -> Count:
        return {"n": _invoke(inner, "inner")["n"]}

    outer = StateGraph(Count)
    outer.add_node("inner", run_inner)
    outer.add_edge(START, "inner")
    outer.add_edge("inner", END)
    graph = outer.compile(checkpointer=outer_saver)
    with inline_background_work():
        assert _invoke(graph, "outer") == {"n": 2}
    assert outer_saver.threads == [threading.current_thread()]
    assert inner_saver.threads and threading.current_thread() not in inner_saver.threads


def test_a_save_that_fails_inline_fails_the_invoke() -> None:
    graph = _graph(RecordingSaver(fail=True))
    with inline_background_work(), pytest.raises(RuntimeError, match="disk is full"):
        _invoke(graph, "failing")


def test_a_turn_saves_its_checkpoint_in_its_own_thread(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads: list[threading.Thread] = []
    put = TurnSaver.put

    def recording_put(self: TurnSaver, *args: Any, **kwargs: Any) -> Any:
        threads.append(threading.current_thread())
        return put(self, *args, **kwargs)

    monkeypatch.setattr(TurnSaver, "put", recording_put)
    model = InstantChatModel(tool_call={"name": "stock_level", "args": {"product": "heineken"}})
    runtime = AgentRuntime(db, chat_model=lambda: model)
    result = say(runtime, "hmm, thoughts on the shelves, mate?")
    assert result.llm_called and [a["tool"] for a in result.actions] == ["stock_level"]
    assert threads == [threading.current_thread()]
