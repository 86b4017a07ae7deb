"""The LLM layer without a model: tool-call parsing, the decoding schema and prompt, message
conversion, the scripted fakes on a real LangGraph tool loop, and the factory's errors."""

from __future__ import annotations

import json
import os
import re
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

import jsonschema
import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.tools import tool
from langgraph.graph import START, MessagesState, StateGraph
from langgraph.prebuilt import ToolNode, tools_condition
from pydantic import BaseModel, Field, ValidationError

from agents.llm import (
    InstantChatModel,
    LLMConfigError,
    LLMSettings,
    ScriptedChatModel,
    ScriptError,
    build_chat_model,
    parse_tool_calls,
)
from agents.llm.local import LlamaCppChatModel
from agents.llm.messages import decode_reply, to_chat_messages
from agents.llm.remote import TextToolsChatOllama, TextToolsChatOpenAI, recover_tool_calls
from agents.llm.tool_schema import (
    ToolChoice,
    decoding_schema,
    gbnf,
    grammar_schema,
    normalize_tool_choice,
    openai_tools,
    reply_schema,
    reply_tool_name,
    tools_prompt,
)
from buffr.modelhub import ModelMissing, UnknownModel
from buffr.settings import Settings

ALLOWED = ["record_stock_movement", "get_stock_level", "list_low_stock"]


# ------------------------------------------------------------------------------- tools


class Unit(StrEnum):
    unit = "unit"
    box = "box"
    kg = "kg"


class Movement(BaseModel):
    product: str = Field(description="the product as named")
    action: Literal["IN", "OUT", "WASTE", "ADJUST"] = Field(description="IN received, OUT taken")
    quantity: float
    unit: Unit = Unit.unit


@tool(args_schema=Movement)
def record_stock_movement(product: str, action: str, quantity: float, unit: Unit) -> str:
    """Record stock that was taken, received, wasted or counted."""
    return f"recorded {action} {quantity} {unit.value} {product}"


@tool
def get_stock_level(product: str) -> str:
    """How much of one product is in stock now."""
    return f"12 {product}"


@tool
def list_low_stock() -> str:
    """Products below their minimum level."""
    return "small cola"


TOOLS = [record_stock_movement, get_stock_level, list_low_stock]


def calls(text: str, allowed: list[str] | None = ALLOWED) -> list[tuple[str, dict[str, Any]]]:
    found, _ = parse_tool_calls(text, allowed)
    assert all(c["id"] and c["id"].startswith("call_") for c in found)
    return [(c["name"], c["args"]) for c in found]


# ------------------------------------------------------------------------------ parser


def test_parse_openai_tool_calls_with_string_arguments() -> None:
    text = json.dumps(
        {
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "get_stock_level", "arguments": '{"product": "cola"}'},
                }
            ]
        }
    )
    found, rest = parse_tool_calls(text, ALLOWED)
    assert [(c["name"], c["args"], c["id"]) for c in found] == [
        ("get_stock_level", {"product": "cola"}, "call_1")
    ]
    assert rest == ""


def test_parse_constrained_shape() -> None:
    text = '{"tool_calls": [{"name": "list_low_stock", "arguments": {}}]}'
    assert calls(text) == [("list_low_stock", {})]


def test_parse_qwen_tool_call_blocks_keep_the_prose() -> None:
    text = (
        "Sure, recording it.\n<tool_call>\n"
        '{"name": "record_stock_movement", "arguments": {"product": "cola", "action": "OUT", '
        '"quantity": 3}}\n</tool_call>\n<tool_call>{"name": "list_low_stock", "arguments": {}}'
        "</tool_call>"
    )
    found, rest = parse_tool_calls(text, ALLOWED)
    assert [c["name"] for c in found] == ["record_stock_movement", "list_low_stock"]
    assert found[0]["args"]["quantity"] == 3
    assert rest == "Sure, recording it."
    assert found[0]["id"] != found[1]["id"]


def test_parse_unterminated_block_and_python_literals() -> None:
    text = "<tool_call>{'name': 'get_stock_level', 'arguments': {'product': 'wine'}}"
    assert calls(text) == [("get_stock_level", {"product": "wine"})]


def test_parse_fenced_json_list() -> None:
    text = 'Here:\n```json\n[{"name": "get_stock_level", "arguments": {"product": "beer"}}]\n```'
    found, rest = parse_tool_calls(text, ALLOWED)
    assert [(c["name"], c["args"]) for c in found] == [("get_stock_level", {"product": "beer"})]
    assert rest == "Here:"


@pytest.mark.parametrize(
    "text",
    [
        'I will check. {"name": "get_stock_level", "arguments": {"product": "gin"}}',
        '{"function": "get_stock_level", "parameters": {"product": "gin"}}',
        '{"name": "get_stock_level", "arguments": "{\\"product\\": \\"gin\\"}"}',
        'functions.get_stock_level:{"product": "gin"}',
        'functions.get_stock_level({"product": "gin"})',
    ],
)
def test_parse_bare_json_and_functions_syntax(text: str) -> None:
    assert calls(text) == [("get_stock_level", {"product": "gin"})]


def test_parse_functions_syntax_without_arguments() -> None:
    found, rest = parse_tool_calls("ok functions.list_low_stock() done", ALLOWED)
    assert [(c["name"], c["args"]) for c in found] == [("list_low_stock", {})]
    assert rest == "ok  done"


def test_parse_drops_unknown_names_and_their_text() -> None:
    text = '<tool_call>{"name": "delete_everything", "arguments": {}}</tool_call> bye'
    found, rest = parse_tool_calls(text, ALLOWED)
    assert found == [] and rest == "bye"
    assert calls(text, allowed=None) == [("delete_everything", {})]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Hello! How can I help?",
        "a { broken json",
        '{"product": "cola", "quantity": 3}',  # data, not a call
        '{"reply": "we have {\\"name\\": 1}"}',
        '{"name": "Cola"}',  # a name but not a bound tool, and no arguments key
        "<tool_call>not json</tool_call>",
        '{"name": "get_stock_level", "arguments": [1, 2]}',  # arguments must be an object
    ],
)
def test_parse_garbage_yields_no_calls(text: str) -> None:
    found, rest = parse_tool_calls(text, ALLOWED)
    assert found == []
    assert rest == text.strip()


def test_parse_name_only_object_counts_when_it_names_a_bound_tool() -> None:
    assert calls('{"name": "list_low_stock"}') == [("list_low_stock", {})]


# ------------------------------------------------------------------------- schema


def specs() -> list[dict[str, Any]]:
    return openai_tools(TOOLS)


def test_openai_tools_resolves_refs() -> None:
    movement = specs()[0]["function"]["parameters"]
    assert "$defs" not in json.dumps(movement) and "$ref" not in json.dumps(movement)
    assert movement["properties"]["unit"]["enum"] == ["unit", "box", "kg"]


@pytest.mark.parametrize(
    "choice",
    [
        ToolChoice("auto"),
        ToolChoice("any"),
        ToolChoice("tool", "get_stock_level"),
        ToolChoice("none"),
    ],
)
def test_reply_schema_is_valid_and_converts_to_a_grammar(choice: ToolChoice) -> None:
    schema = reply_schema(specs(), choice)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert "root ::=" in gbnf(schema)
    for tool_spec in specs():  # each tool's own parameters are a valid schema too
        jsonschema.Draft202012Validator.check_schema(tool_spec["function"]["parameters"])


def test_reply_schema_constrains_each_tool_by_its_own_arguments() -> None:
    auto = jsonschema.Draft202012Validator(reply_schema(specs(), ToolChoice("auto")))
    good = {
        "name": "record_stock_movement",
        "arguments": {"product": "cola", "action": "OUT", "quantity": 3, "unit": "box"},
    }
    assert auto.is_valid(good)
    assert auto.is_valid({"name": "list_low_stock", "arguments": {}})
    assert auto.is_valid({"name": "reply", "arguments": {"text": "Hello"}})
    stolen: dict[str, Any] = {**good["arguments"], "action": "STOLEN"}  # type: ignore[dict-item]
    assert not auto.is_valid({**good, "arguments": stolen})
    assert not auto.is_valid({"name": "nope", "arguments": {}})
    assert not auto.is_valid({"name": "reply", "arguments": {}})
    # product belongs to get_stock_level: list_low_stock needs none, get_stock_level needs it
    assert not auto.is_valid({"name": "get_stock_level", "arguments": {}})
    forced = jsonschema.Draft202012Validator(reply_schema(specs(), ToolChoice("any")))
    assert forced.is_valid(good)
    assert not forced.is_valid({"name": "reply", "arguments": {"text": "Hello"}})
    one = jsonschema.Draft202012Validator(
        reply_schema(specs(), ToolChoice("tool", "list_low_stock"))
    )
    assert one.is_valid({"name": "list_low_stock", "arguments": {}})
    assert not one.is_valid(good)
    words = jsonschema.Draft202012Validator(reply_schema(specs(), ToolChoice("none")))
    assert words.is_valid({"name": "reply", "arguments": {"text": "12 left"}})
    assert not words.is_valid({"name": "list_low_stock", "arguments": {}})


def test_reply_pseudo_tool_never_shadows_a_real_tool() -> None:
    assert reply_tool_name(ALLOWED) == "reply"
    assert reply_tool_name([*ALLOWED, "reply"]) == "reply_to_user"


def test_decoding_schema_loosens_a_tool_the_grammar_converter_rejects() -> None:
    weird = {
        "type": "function",
        "function": {
            "name": "lookup",
            "description": "x",
            "parameters": {
                "type": "object",
                "properties": {"code": {"type": "string", "pattern": "^(?=A)[A-Z]+$"}},
            },
        },
    }
    schema = decoding_schema([*specs(), weird], ToolChoice("any"))
    gbnf(schema)  # converts now
    branches = schema["anyOf"]
    assert branches[-1]["properties"]["arguments"] == {"type": "object"}
    assert branches[0]["properties"]["arguments"]["properties"]["action"]["enum"]


def test_grammar_schema_drops_prose_and_types_typeless_nodes() -> None:
    out = grammar_schema(
        {
            "type": "object",
            "title": "T",
            "properties": {"a": {"description": "anything"}, "b": {"type": "integer"}},
        }
    )
    assert out == {
        "type": "object",
        "properties": {
            "a": {"type": ["string", "number", "boolean", "null"]},
            "b": {"type": "integer"},
        },
    }


def test_tools_prompt_names_every_tool_and_the_answer_format() -> None:
    text = tools_prompt(specs(), ToolChoice("auto"))
    for name in ALLOWED:
        assert f"- {name}:" in text
    assert '"IN" | "OUT" | "WASTE" | "ADJUST"' in text
    assert "the product as named" in text and "- reply:" in text
    assert "- reply:" not in tools_prompt(specs(), ToolChoice("any"))
    assert "the tool list_low_stock" in tools_prompt(specs(), ToolChoice("tool", "list_low_stock"))


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (None, ToolChoice("auto")),
        ("auto", ToolChoice("auto")),
        ("any", ToolChoice("any")),
        ("required", ToolChoice("any")),
        (True, ToolChoice("any")),
        ("none", ToolChoice("none")),
        ("list_low_stock", ToolChoice("tool", "list_low_stock")),
        (
            {"type": "function", "function": {"name": "list_low_stock"}},
            ToolChoice("tool", "list_low_stock"),
        ),
    ],
)
def test_normalize_tool_choice(given: Any, expected: ToolChoice) -> None:
    assert normalize_tool_choice(given, ALLOWED) == expected


def test_bind_tools_rejects_an_unknown_tool_choice(tmp_path: Path) -> None:
    model = LlamaCppChatModel(gguf_path=tmp_path / "x.gguf")
    with pytest.raises(ValueError, match="tool_choice"):
        model.bind_tools(TOOLS, tool_choice="drop_tables")


# ----------------------------------------------------------------------- messages


def conversation() -> list[BaseMessage]:
    call = {"name": "get_stock_level", "args": {"product": "קולה"}, "id": "call_a"}
    return [
        SystemMessage("You are the clerk."),
        HumanMessage("how many colas?"),
        AIMessage(content="", tool_calls=[call]),
        ToolMessage(content="12 cans", tool_call_id="call_a"),
        AIMessage(content="There are 12."),
    ]


def test_to_chat_messages_writes_calls_as_the_model_emits_them() -> None:
    chat = to_chat_messages(conversation(), system_extra="# Tools")
    assert [m["role"] for m in chat] == ["system", "user", "assistant", "tool", "assistant"]
    assert chat[0]["content"] == "You are the clerk.\n\n# Tools"
    assert json.loads(chat[2]["content"]) == {
        "name": "get_stock_level",
        "arguments": {"product": "קולה"},
    }
    assert "קולה" in chat[2]["content"]  # not \\u-escaped
    assert chat[3]["content"] == "12 cans"
    assert chat[4]["content"] == "There are 12."


def test_to_chat_messages_tool_results_as_user_text() -> None:
    chat = to_chat_messages(conversation()[1:], system_extra="# Tools", tool_results_as="user")
    assert chat[0] == {"role": "system", "content": "# Tools"}
    assert chat[3] == {"role": "user", "content": "[result of get_stock_level]\n12 cans"}


def test_decode_reply() -> None:
    names = ALLOWED
    found, text = decode_reply('{"name": "list_low_stock", "arguments": {}}', names, "reply")
    assert [(c["name"], c["args"]) for c in found] == [("list_low_stock", {})] and text == ""
    assert found[0]["id"]
    reply = '{"name": "reply", "arguments": {"text": "Hi there"}}'
    assert decode_reply(reply, names, "reply") == ([], "Hi there")
    cut = '{"name": "reply", "arguments": {"text": "cut off mid sen'
    assert decode_reply(cut, names, "reply") == ([], "cut off mid sen")
    found, _ = decode_reply('<tool_call>{"name": "list_low_stock", "arguments": {}}', names)
    assert [c["name"] for c in found] == ["list_low_stock"]
    # an invented tool is dropped with its text, never dispatched
    assert decode_reply('{"name": "rm_rf", "arguments": {}}', names, "reply") == ([], "")


# ------------------------------------------------------------------------- fakes


def tool_loop(model: Any) -> Any:
    """A minimal agent graph: model, then tools while it calls them."""
    bound = model.bind_tools(TOOLS)

    def agent(state: MessagesState) -> dict[str, Any]:
        return {"messages": [bound.invoke(state["messages"])]}

    graph = StateGraph(MessagesState)
    graph.add_node("agent", agent)
    graph.add_node("tools", ToolNode(TOOLS))
    graph.add_edge(START, "agent")
    graph.add_conditional_edges("agent", tools_condition)
    graph.add_edge("tools", "agent")
    return graph.compile()


def test_scripted_model_runs_a_real_tool_loop() -> None:
    seen: list[list[BaseMessage]] = []

    def answer(messages: list[BaseMessage]) -> str:
        seen.append(messages)
        return f"Done: {messages[-1].text}"

    model = ScriptedChatModel(
        [
            AIMessage(
                content="",
                tool_calls=[
                    {
                        "name": "record_stock_movement",
                        "args": {"product": "cola", "action": "OUT", "quantity": 3},
                        "id": None,
                    }
                ],
            ),
            answer,
        ]
    )
    result = tool_loop(model).invoke({"messages": [HumanMessage("took 3 colas")]})
    assert result["messages"][-1].content == "Done: recorded OUT 3.0 unit cola"
    assert model.bound_tool_names == ALLOWED
    assert [c.tool_names for c in model.calls] == [ALLOWED, ALLOWED]
    assert isinstance(seen[0][-1], ToolMessage)
    assert model.calls[0].reply is not None and model.calls[0].reply.tool_calls[0]["id"]
    assert model.remaining == 0


def test_scripted_model_refuses_calls_the_graph_did_not_bind() -> None:
    model = ScriptedChatModel([AIMessage(content="", tool_calls=[_call("drop_tables", {})])])
    with pytest.raises(ScriptError, match="drop_tables"):
        model.bind_tools(TOOLS).invoke("hi")
    unbound = ScriptedChatModel([AIMessage(content="", tool_calls=[_call("list_low_stock", {})])])
    with pytest.raises(ScriptError, match="no tools"):
        unbound.invoke("hi")


def test_scripted_model_checks_arguments_choice_and_length() -> None:
    missing = ScriptedChatModel([AIMessage(content="", tool_calls=[_call("get_stock_level", {})])])
    with pytest.raises(ScriptError, match="missing"):
        missing.bind_tools(TOOLS).invoke("hi")
    chatty = ScriptedChatModel(["just text"])
    with pytest.raises(ScriptError, match="tool_choice"):
        chatty.bind_tools(TOOLS, tool_choice="any").invoke("hi")
    eager = ScriptedChatModel([AIMessage(content="", tool_calls=[_call("list_low_stock", {})])])
    with pytest.raises(ScriptError, match="tool_choice is none"):
        eager.bind_tools(TOOLS, tool_choice="none").invoke("hi")
    short = ScriptedChatModel(["one"])
    assert short.invoke("a").content == "one"
    with pytest.raises(ScriptError, match="1 responses"):
        short.invoke("b")


def test_instant_model_calls_once_then_replies() -> None:
    model = InstantChatModel(reply="All set.", tool_call={"name": "list_low_stock", "args": {}})
    result = tool_loop(model).invoke({"messages": [HumanMessage("low?")]})
    kinds = [type(m).__name__ for m in result["messages"]]
    assert kinds == ["HumanMessage", "AIMessage", "ToolMessage", "AIMessage"]
    assert result["messages"][-1].content == "All set."
    assert InstantChatModel().invoke("hi").content == "OK."


def _call(name: str, args: dict[str, Any]) -> Any:
    return {"name": name, "args": args, "id": None}


# ------------------------------------------------------------------------ factory


def test_importing_the_package_makes_openmp_wait_passively() -> None:
    assert os.environ["OMP_WAIT_POLICY"]  # PASSIVE unless the environment chose otherwise


def test_amx_guard_turns_extra_buffers_off_for_one_load_only() -> None:
    import llama_cpp

    from agents.llm.loader import _no_extra_buffers

    defaults = llama_cpp.llama_cpp.llama_model_default_params
    assert defaults().use_extra_bufts
    with _no_extra_buffers(True):
        assert not llama_cpp.llama_cpp.llama_model_default_params().use_extra_bufts
    assert llama_cpp.llama_cpp.llama_model_default_params is defaults
    with _no_extra_buffers(False):
        assert llama_cpp.llama_cpp.llama_model_default_params is defaults


def test_settings_defaults_and_env(monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = LLMSettings(_env_file=None)
    assert (cfg.provider, cfg.local_model, cfg.n_ctx, cfg.temperature) == (
        "local",
        "qwen2.5-coder-1.5b",
        4096,
        0.0,
    )
    monkeypatch.setenv("BUFFR_LLM_PROVIDER", "Ollama")
    monkeypatch.setenv("BUFFR_LLM_OLLAMA_MODEL", "qwen2.5:7b")
    cfg = LLMSettings(_env_file=None)
    assert (cfg.provider, cfg.ollama_model) == ("ollama", "qwen2.5:7b")
    monkeypatch.setenv("BUFFR_LLM_PROVIDER", "gpt5-magic")
    with pytest.raises(ValidationError, match="BUFFR_LLM_PROVIDER to one of local, openai"):
        LLMSettings(_env_file=None)


def test_factory_fake_and_unknown_provider() -> None:
    assert isinstance(build_chat_model(LLMSettings(provider="fake")), InstantChatModel)
    broken = LLMSettings.model_construct(provider="gpt5-magic")  # type: ignore[arg-type]
    with pytest.raises(LLMConfigError, match="unknown LLM provider 'gpt5-magic'"):
        build_chat_model(broken)


def test_factory_local_errors_name_the_fix(tmp_path: Path) -> None:
    empty = Settings(cache_dir=tmp_path / "cache")
    with pytest.raises(ModelMissing, match=re.escape("buffr models pull qwen2.5-coder-0.5b")):
        build_chat_model(LLMSettings(local_model="qwen2.5-coder-0.5b"), empty)
    with pytest.raises(UnknownModel, match=re.escape("qwen2.5-coder-1.5b")):
        build_chat_model(LLMSettings(local_model="llama-70b"), empty)
    with pytest.raises(LLMConfigError, match="not a chat model"):
        build_chat_model(LLMSettings(local_model="whisper-base"), empty)
    with pytest.raises(LLMConfigError, match="no file at"):
        build_chat_model(LLMSettings(local_model=str(tmp_path / "missing.gguf")), empty)


def test_factory_local_path_is_lazy(tmp_path: Path) -> None:
    gguf = tmp_path / "my-model.gguf"
    gguf.write_bytes(b"GGUF")  # not a real model: nothing may load it yet
    model = build_chat_model(LLMSettings(local_model=str(gguf), n_threads=3, n_ctx=2048))
    assert isinstance(model, LlamaCppChatModel)
    assert (model.gguf_path, model.n_threads, model.n_ctx) == (gguf, 3, 2048)


def test_factory_remote_providers() -> None:
    with pytest.raises(LLMConfigError, match="BUFFR_LLM_OPENAI_API_KEY"):
        build_chat_model(LLMSettings(provider="openai"))
    openai = build_chat_model(
        LLMSettings(
            provider="openai", openai_base_url="http://127.0.0.1:8080/v1/", openai_model="m"
        )
    )
    assert isinstance(openai, TextToolsChatOpenAI)
    assert (openai.openai_api_base, openai.model_name) == ("http://127.0.0.1:8080/v1", "m")
    ollama = build_chat_model(LLMSettings(provider="ollama", ollama_host="http://127.0.0.1:1"))
    assert isinstance(ollama, TextToolsChatOllama)
    assert (ollama.base_url, ollama.model) == ("http://127.0.0.1:1", "qwen2.5-coder:1.5b")


def test_recover_tool_calls_from_a_text_reply() -> None:
    text = 'Checking.\n<tool_call>{"name": "get_stock_level", "arguments": {"product": "gin"}}'
    result = ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])
    fixed = recover_tool_calls(result, specs()).generations[0].message
    assert isinstance(fixed, AIMessage)
    assert [(c["name"], c["args"]) for c in fixed.tool_calls] == [
        ("get_stock_level", {"product": "gin"})
    ]
    assert fixed.content == "Checking."
    untouched = recover_tool_calls(result, None).generations[0].message
    assert untouched.content == text
