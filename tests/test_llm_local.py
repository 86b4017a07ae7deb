"""The real local model (Qwen2.5-Coder 0.5B, the fast one) choosing inventory tools.

Skipped only when the model file is not in the cache (``buffr models pull qwen2.5-coder-0.5b``).
Latencies are printed, not asserted (run with ``-s`` to see them): they depend on the machine.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Literal

import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.tools import tool
from pydantic import BaseModel, Field

from agents.llm import LLMSettings, build_chat_model
from agents.llm.local import LlamaCppChatModel
from agents.llm.messages import to_chat_messages
from agents.llm.tool_schema import openai_tools
from buffr.modelhub import ModelMissing, model_path

pytestmark = pytest.mark.llm

FAST = "qwen2.5-coder-0.5b"
SYSTEM = SystemMessage(
    "You are the inventory clerk of a hotel bar. Staff tell you what they took, received, "
    "broke or counted, and ask about stock."
)


class StockMovement(BaseModel):
    product: str = Field(description="the product as the staff member named it")
    action: Literal["IN", "OUT", "WASTE", "ADJUST"] = Field(
        description="OUT: took, taken, sold or used; IN: received or delivered; "
        "WASTE: broken, spilled or expired; ADJUST: counted, set the level"
    )
    quantity: float = Field(description="how many, in the unit below")
    unit: Literal["unit", "box", "kg"] = Field(
        default="unit",
        description="unit: single bottles or cans; box: cases, crates, packs; kg: weight",
    )


@tool(args_schema=StockMovement)
def record_stock_movement(product: str, action: str, quantity: float, unit: str = "unit") -> str:
    """Record stock that was taken, received, wasted or counted."""
    return f"recorded {action} {quantity} {unit} {product}"


@tool
def get_stock_level(product: str) -> str:
    """How much of one product is in stock now."""
    return f"12 {product}"


@tool
def list_low_stock() -> str:
    """List the products that are running low (below their minimum level)."""
    return "small cola, tonic"


@tool
def undo_last_movement() -> str:
    """Undo (cancel) the last stock movement that was recorded."""
    return "undone"


TOOLS = [record_stock_movement, get_stock_level, list_low_stock, undo_last_movement]

# (message, expected tool, expected arguments: a subset, strings compared case-insensitively)
CASES: list[tuple[str, str, dict[str, Any]]] = [
    ("took 3 small colas", "record_stock_movement", {"action": "OUT", "quantity": 3}),
    ("how many coke cans are left?", "get_stock_level", {}),
    ("what is running low?", "list_low_stock", {}),
    ("undo that", "undo_last_movement", {}),
    (
        "received 2 cases of heineken",
        "record_stock_movement",
        {"action": "IN", "quantity": 2, "unit": "box"},
    ),
]


def settings_for(name: str) -> LLMSettings:
    try:
        model_path(name)
    except ModelMissing as error:
        pytest.skip(f"{name} is not in the model cache: {error}")
    return LLMSettings(provider="local", local_model=name)


@pytest.fixture(scope="module")
def model() -> LlamaCppChatModel:
    built = build_chat_model(settings_for(FAST))
    assert isinstance(built, LlamaCppChatModel)
    return built


def matches(message: AIMessage, name: str, expected: dict[str, Any]) -> bool:
    if len(message.tool_calls) != 1 or message.tool_calls[0]["name"] != name:
        return False
    args = message.tool_calls[0]["args"]
    return all(str(args.get(k)).lower() == str(v).lower() for k, v in expected.items())


def describe(message: AIMessage) -> str:
    timings = message.response_metadata.get("timings", {})
    usage: dict[str, Any] = dict(message.usage_metadata or {})
    calls = [(c["name"], c["args"]) for c in message.tool_calls] or repr(message.content)
    return (
        f"first token {timings.get('first_token_s')}s, total {timings.get('total_s')}s, "
        f"{usage.get('input_tokens')} in/{usage.get('output_tokens')} out: {calls}"
    )


@pytest.mark.parametrize(("text", "name", "expected"), CASES)
def test_picks_the_right_tool(
    model: LlamaCppChatModel, text: str, name: str, expected: dict[str, Any]
) -> None:
    reply = model.bind_tools(TOOLS).invoke([SYSTEM, HumanMessage(text)])
    print(f"\n{FAST} {text!r}: {describe(reply)}")
    assert matches(reply, name, expected), describe(reply)
    if name == "get_stock_level":
        assert "coke" in reply.tool_calls[0]["args"]["product"].lower()


def test_model_loads_once_per_process(model: LlamaCppChatModel) -> None:
    again = build_chat_model(settings_for(FAST))
    assert isinstance(again, LlamaCppChatModel)
    assert again is not model
    assert again.llama is model.llama
    assert again.load().load_seconds == model.load().load_seconds


def test_plain_reply_without_tools(model: LlamaCppChatModel) -> None:
    reply = model.invoke([HumanMessage("Greet a hotel guest in one short sentence.")])
    print(f"\n{FAST} plain: {describe(reply)}")
    assert isinstance(reply.content, str) and len(reply.content.strip()) > 3
    assert reply.tool_calls == []
    assert reply.usage_metadata and reply.usage_metadata["output_tokens"] > 0


def test_streaming_plain_reply(model: LlamaCppChatModel) -> None:
    started = time.perf_counter()
    chunks: list[str] = []
    first = None
    for chunk in model.stream([HumanMessage("Name three colours.")]):
        if chunk.content and first is None:
            first = time.perf_counter() - started
        chunks.append(str(chunk.content))
    print(f"\n{FAST} stream: first token {first:.2f}s, {len(chunks)} chunks, {''.join(chunks)!r}")
    assert len(chunks) > 3 and "".join(chunks).strip()


def test_forced_tool_choice(model: LlamaCppChatModel) -> None:
    bound = model.bind_tools(TOOLS, tool_choice="get_stock_level")
    reply = bound.invoke([SYSTEM, HumanMessage("hello there")])
    assert [c["name"] for c in reply.tool_calls] == ["get_stock_level"]


class Booking(BaseModel):
    """A table booking request."""

    people: int = Field(description="number of guests")
    day: Literal["today", "tomorrow"]


def test_structured_output_rides_on_constrained_tool_calls(model: LlamaCppChatModel) -> None:
    booking = model.with_structured_output(Booking).invoke("a table for 4 people tomorrow at 8")
    assert booking == Booking(people=4, day="tomorrow")


def test_concurrent_calls_share_one_model_safely(model: LlamaCppChatModel) -> None:
    prompts = [[HumanMessage(f"Say the number {n}.")] for n in (1, 2, 3)]
    with ThreadPoolExecutor(max_workers=3) as pool:
        replies = list(pool.map(lambda m: model.invoke(m, max_tokens=12), prompts))
    assert all(isinstance(r.content, str) and r.content.strip() for r in replies)


def conversation() -> list[BaseMessage]:
    call = {"name": "get_stock_level", "args": {"product": "coke cans"}, "id": "call_1"}
    return [
        SYSTEM,
        HumanMessage("how many coke cans are left?"),
        AIMessage(content="", tool_calls=[call]),
        ToolMessage(content="12 coke cans", tool_call_id="call_1"),
    ]


def test_the_gguf_template_renders_tool_results(model: LlamaCppChatModel) -> None:
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    template = model.llama.metadata["tokenizer.chat_template"]
    formatter = Jinja2ChatFormatter(template=template, eos_token="<|im_end|>", bos_token="")
    assert model.template_shows_tools(model.load())
    assert model.tool_role(model.load()) == "tool"
    chat = to_chat_messages(conversation())
    tools = openai_tools(TOOLS)
    prompt = formatter(messages=chat, tools=tools).prompt  # type: ignore[arg-type]
    assert prompt.startswith("<|im_start|>system\n" + SYSTEM.text + "\n\n# Tools")
    assert '"name": "record_stock_movement"' in prompt and "</tools>" in prompt
    assert '<|im_start|>assistant\n{"name": "get_stock_level", "arguments": {' in prompt
    assert "<|im_start|>user\n<tool_response>\n12 coke cans\n</tool_response><|im_end|>" in prompt
    assert prompt.endswith("<|im_start|>assistant\n")


def test_answers_from_a_tool_result(model: LlamaCppChatModel) -> None:
    again = model.bind_tools(TOOLS).invoke(conversation())
    print(f"\n{FAST} after tool result, auto: {describe(again)}")
    # the 0.5B model tends to repeat the call here; tool_choice "none" makes it word the answer
    reply = model.bind_tools(TOOLS, tool_choice="none").invoke(conversation())
    print(f"{FAST} after tool result, none: {describe(reply)}")
    assert reply.tool_calls == [] and "12" in str(reply.content)
