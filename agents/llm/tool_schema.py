"""Tools as a small local model needs them: one JSON schema that constrains its reply, and
the tools to show it.

Small models print tool calls unreliably but follow a grammar perfectly, so llama.cpp decodes
under the schema built here: ``{"name": <a bound tool>, "arguments": <that tool's own
parameters>}``. Each tool is its own ``anyOf`` branch with ``name`` as a ``const``, so the
arguments are constrained by the schema of the tool the model picked. When the model may also
just talk (tool_choice auto), talking is one more pseudo-tool, ``reply(text)``: measured on
Qwen2.5-Coder, a name choice among tools is where these models decide best (a separate
``{"reply": ..}`` shape made the 1.5B answer "is there any gin left?" from thin air). The
grammar makes the shape right; the tool descriptions make the choice and the values right.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool
from langchain_core.utils.json_schema import dereference_refs

ToolLike = dict[str, Any] | type | Callable[..., Any] | BaseTool

# Keys the grammar does not need; left out of the decoding schema (kept for the prompt).
_PROSE_KEYS = {"title", "description", "default", "examples", "$defs", "definitions"}
_STRUCTURAL = {"type", "enum", "const", "anyOf", "oneOf", "allOf", "$ref", "properties", "items"}


@dataclass(frozen=True)
class ToolChoice:
    """``auto``: call a tool or reply; ``any``: must call some tool; ``tool``: must call
    ``name``; ``none``: must reply in words (the tools stay in view, so the model can word an
    answer from earlier tool results in the context it was trained with)."""

    mode: Literal["auto", "any", "tool", "none"]
    name: str | None = None


def openai_tools(tools: Sequence[ToolLike]) -> list[dict[str, Any]]:
    """LangChain's conversion (BaseTool, pydantic model, function, dict), with ``$ref``s
    resolved so each tool's parameters stand alone inside the combined schema."""
    out = []
    for tool in tools:
        spec = convert_to_openai_tool(tool)
        if spec.get("type") != "function":
            raise ValueError(f"only function tools can be bound, got {spec.get('type')!r}")
        function = dict(spec["function"])
        params = function.get("parameters") or {"type": "object", "properties": {}}
        params = dereference_refs(params)
        function["parameters"] = {k: v for k, v in params.items() if k not in ("$defs",)}
        out.append({"type": "function", "function": function})
    return out


def tool_names(tools: Sequence[dict[str, Any]]) -> list[str]:
    return [str(tool["function"]["name"]) for tool in tools]


def normalize_tool_choice(choice: Any, names: Sequence[str]) -> ToolChoice:
    """Accept every spelling LangChain callers use: None/"auto", "any"/"required"/True,
    "none"/False, a tool name, or ``{"type": "function", "function": {"name": ..}}``."""
    if choice is None or choice == "auto":
        return ToolChoice("auto")
    if choice is True or choice in ("any", "required"):
        return ToolChoice("any")
    if choice is False or choice == "none":
        return ToolChoice("none")
    if isinstance(choice, dict):
        choice = (choice.get("function") or {}).get("name") or choice.get("name")
    if isinstance(choice, str) and choice in names:
        return ToolChoice("tool", choice)
    raise ValueError(f"tool_choice {choice!r} is not one of auto, any, none or {list(names)}")


def grammar_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` without prose, with typeless nodes made explicit: llama.cpp's converter
    asserts on a node like ``{"description": "anything"}``."""
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in _PROSE_KEYS:
            continue
        if key == "properties":
            out[key] = {name: grammar_schema(sub) for name, sub in value.items()}
        elif key in ("anyOf", "oneOf", "allOf"):
            out[key] = [grammar_schema(sub) for sub in value]
        elif key == "items" and isinstance(value, dict):
            out[key] = grammar_schema(value)
        else:
            out[key] = value
    if not _STRUCTURAL & out.keys():
        out["type"] = ["string", "number", "boolean", "null"]
    return out


def reply_tool_name(names: Sequence[str]) -> str:
    """The pseudo-tool that stands for "answer in words": ``reply`` unless a tool has that name."""
    return next(n for n in ("reply", "reply_to_user", "answer_user_directly") if n not in names)


def reply_tool(name: str) -> dict[str, Any]:
    """Offered next to the real tools when ``tool_choice`` is auto: talking becomes one more
    name to choose, which small models choose far better than a separate top-level shape."""
    return {
        "type": "function",
        "function": {
            "name": name,
            "description": "Answer the user in words when no other tool fits "
            "(greetings, thanks, questions the tools cannot answer).",
            "parameters": {
                "type": "object",
                "properties": {"text": {"type": "string", "description": "the answer"}},
                "required": ["text"],
            },
        },
    }


def offered_tools(tools: Sequence[dict[str, Any]], choice: ToolChoice) -> list[dict[str, Any]]:
    """What the model is shown: the bound tools, plus the reply pseudo-tool when it may talk."""
    if choice.mode in ("auto", "none"):
        return [*tools, reply_tool(reply_tool_name(tool_names(tools)))]
    return list(tools)


def call_branch(tool: dict[str, Any]) -> dict[str, Any]:
    function = tool["function"]
    return {
        "type": "object",
        "properties": {
            "name": {"const": function["name"]},
            "arguments": grammar_schema(function["parameters"]),
        },
        "required": ["name", "arguments"],
    }


def reply_schema(tools: Sequence[dict[str, Any]], choice: ToolChoice) -> dict[str, Any]:
    """The schema the whole reply is decoded under: one ``{"name", "arguments"}`` object, the
    payload of Qwen's own ``<tool_call>`` format. One call per turn: small models asked for a
    list tend to repeat a call, and a graph that wants more calls simply loops."""
    offered = offered_tools(tools, choice)
    if choice.mode == "tool":
        offered = [t for t in offered if t["function"]["name"] == choice.name]
    elif choice.mode == "none":
        offered = offered[-1:]  # the reply pseudo-tool
    branches = [call_branch(tool) for tool in offered]
    return branches[0] if len(branches) == 1 else {"anyOf": branches}


def tools_prompt(tools: Sequence[dict[str, Any]], choice: ToolChoice) -> str:
    """A compact tools section for the system prompt, for GGUFs whose chat template does not
    render tools itself (Qwen's does, in the format it was trained on, and is used instead).

    Short on purpose: a 0.5B model loses a long prompt, and the grammar already enforces the
    format, so the text only has to make the choice of tool and the argument values right.
    """
    lines = ["# Tools", "You can call these tools:"]
    for tool in offered_tools(tools, choice):
        function = tool["function"]
        description = " ".join(str(function.get("description") or "").split())
        lines.append(f"- {function['name']}: {description}".rstrip(": "))
        params = function["parameters"]
        required = set(params.get("required", []))
        for name, sub in (params.get("properties") or {}).items():
            flag = "" if name in required else ", optional"
            if "default" in sub:
                flag += f", default {json.dumps(sub['default'], ensure_ascii=False)}"
            about = " ".join(str(sub.get("description") or "").split())
            lines.append(f"    {name} ({type_text(sub)}{flag})" + (f": {about}" if about else ""))
    target = {"tool": f"the tool {choice.name}", "none": "the reply tool"}.get(
        choice.mode, "one tool"
    )
    lines.append(f'Call {target} by answering with JSON only: {{"name": .., "arguments": {{..}}}}')
    return "\n".join(lines)


def type_text(schema: dict[str, Any]) -> str:
    """A JSON-schema node as a short type, e.g. ``"IN" | "OUT"`` or ``string[]``."""
    if "enum" in schema:
        return " | ".join(json.dumps(v, ensure_ascii=False) for v in schema["enum"])
    if "const" in schema:
        return json.dumps(schema["const"], ensure_ascii=False)
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return " | ".join(type_text(sub) for sub in schema[key])
    kind = schema.get("type", "any")
    if isinstance(kind, list):
        return " | ".join(kind)
    if kind == "array":
        return f"{type_text(schema.get('items') or {})}[]"
    if kind == "object" and schema.get("properties"):
        inner = ", ".join(f"{k}: {type_text(v)}" for k, v in schema["properties"].items())
        return "{" + inner + "}"
    if "format" in schema:
        return f"{kind} ({schema['format']})"
    return str(kind)


def gbnf(schema: dict[str, Any]) -> str:
    """llama.cpp's grammar for ``schema`` (raises where its converter gives up)."""
    from llama_cpp.llama_grammar import json_schema_to_gbnf  # loads llama.cpp: only when used

    return str(json_schema_to_gbnf(json.dumps(schema)))


@lru_cache(maxsize=64)
def _grammar_converts(schema_json: str) -> bool:
    try:
        gbnf(json.loads(schema_json))
    except Exception:  # the converter asserts/raises on constructs it does not know
        return False
    return True


def decoding_schema(tools: Sequence[dict[str, Any]], choice: ToolChoice) -> dict[str, Any]:
    """``reply_schema``, checked against llama.cpp's converter: llama-cpp-python silently
    falls back to free JSON when a schema does not convert, so a tool whose parameters do not
    convert is given loose ``object`` arguments instead, keeping the name constraint."""
    schema = reply_schema(tools, choice)
    if _grammar_converts(json.dumps(schema)):
        return schema
    loose = []
    for tool in tools:
        if not _grammar_converts(json.dumps(grammar_schema(tool["function"]["parameters"]))):
            tool = {"type": "function", "function": {**tool["function"]}}
            tool["function"]["parameters"] = {"type": "object"}
        loose.append(tool)
    return reply_schema(loose, choice)
