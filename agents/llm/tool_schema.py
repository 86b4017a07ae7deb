"""Tools as a small local model needs them: one JSON schema that constrains its reply, and a
short description of each tool for the system prompt.

Small models print tool calls unreliably but follow a grammar perfectly, so llama.cpp decodes
under the schema built here: ``{"tool_calls": [{"name": <a bound tool>, "arguments": <that
tool's own parameters>}]}``, or, when the model may also just talk, ``{"reply": "<text>"}``.
Each tool is its own ``anyOf`` branch with ``name`` as a ``const``, so the arguments are
constrained by the schema of the tool the model picked. The grammar makes the shape right; the
prompt tells the model what the tools mean.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool
from langchain_core.utils.json_schema import dereference_refs

ToolLike = dict[str, Any] | type | Callable[..., Any] | BaseTool
MAX_CALLS = 4  # bounds a runaway list; more than a few calls in one turn is a model going wrong

# Keys the grammar does not need; left out of the decoding schema (kept for the prompt).
_PROSE_KEYS = {"title", "description", "default", "examples", "$defs", "definitions"}
_STRUCTURAL = {"type", "enum", "const", "anyOf", "oneOf", "allOf", "$ref", "properties", "items"}


@dataclass(frozen=True)
class ToolChoice:
    """``auto``: call tools or reply; ``any``: must call some tool; ``tool``: must call
    ``name``; ``none``: must not call tools."""

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
    """The schema the whole reply is decoded under (see the module docstring)."""
    chosen = [t for t in tools if choice.mode != "tool" or t["function"]["name"] == choice.name]
    branches = [call_branch(tool) for tool in chosen]
    calls = {
        "type": "object",
        "properties": {
            "tool_calls": {
                "type": "array",
                "items": branches[0] if len(branches) == 1 else {"anyOf": branches},
                "minItems": 1,
                "maxItems": 1 if choice.mode == "tool" else MAX_CALLS,
            }
        },
        "required": ["tool_calls"],
    }
    if choice.mode != "auto":
        return calls
    reply = {
        "type": "object",
        "properties": {"reply": {"type": "string"}},
        "required": ["reply"],
    }
    return {"anyOf": [calls, reply]}


def tools_prompt(tools: Sequence[dict[str, Any]], choice: ToolChoice) -> str:
    """The system-prompt section that tells the model what each tool means and how to answer.

    Short on purpose: a 0.5B model loses a long prompt, and the grammar already enforces the
    format, so the text only has to make the choice of tool and the argument values right.
    """
    lines = ["# Tools", "You can call these tools:"]
    for tool in tools:
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
    calls = '{"tool_calls": [{"name": "<tool>", "arguments": {...}}]}'
    if choice.mode == "auto":
        lines.append(
            f"Answer with JSON only: {calls} to call tools, "
            'or {"reply": "<text>"} to answer the user directly. '
            "When a tool fits the user's message, call it; reply only when none fits."
        )
    elif choice.mode == "tool":
        lines.append(f"Answer with JSON only: call the tool {choice.name} as {calls}.")
    else:
        lines.append(f"Answer with JSON only: call the right tool as {calls}.")
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
