"""Recover tool calls from text a model printed instead of returning them structurally.

Constrained decoding (``LlamaCppChatModel``) makes this rarely needed, but a model behind Ollama
or an OpenAI-compatible server without a tool-call parser answers in text, each family in its
own dialect. This module accepts the common ones, tolerantly:

- OpenAI-style ``{"tool_calls": [{"function": {"name": .., "arguments": "<json>"}}]}``
  (also our own constrained shape ``{"tool_calls": [{"name": .., "arguments": {..}}]}``);
- Qwen/Hermes ``<tool_call>{"name": .., "arguments": {..}}</tool_call>`` blocks;
- fenced ```` ```json ```` blocks holding a call or a list of calls;
- bare JSON objects ``{"name": .., "arguments": ..}`` / ``{"function": .., "parameters": ..}``;
- ``functions.NAME:{json}`` and ``functions.NAME({json})`` text.

Arguments given as a JSON string are decoded. Names outside ``allowed`` are dropped: a small
model inventing a tool must not reach code that dispatches by name.
"""

from __future__ import annotations

import ast
import json
import re
import uuid
from collections.abc import Collection
from typing import Any

from langchain_core.messages import ToolCall
from langchain_core.messages.tool import tool_call

_TAG = re.compile(r"<tool_call>\s*(.*?)\s*(?:</tool_call>|$)", re.DOTALL)
_FENCE = re.compile(r"```[ \t]*(?:json|JSON|tool_call)?[ \t]*\n?(.*?)```", re.DOTALL)
_FUNCTIONS = re.compile(r"functions\.([A-Za-z_][\w\-]*)\s*([:(])\s*")
_ARG_KEYS = ("arguments", "parameters", "args", "input")

_Call = tuple[str, dict[str, Any], str | None]


def new_call_id() -> str:
    """An id in the OpenAI style; ToolNode and ToolMessage pair calls and results by it."""
    return f"call_{uuid.uuid4().hex[:24]}"


def parse_tool_calls(
    text: str, allowed: Collection[str] | None = None
) -> tuple[list[ToolCall], str]:
    """Extract tool calls from ``text``; return them with the text that is left over.

    ``allowed`` (the bound tool names) filters invented names out; ``None`` accepts any name
    but then a call object must carry an arguments key, so plain JSON data is not taken for a
    call. Text that holds no call comes back unchanged (stripped).
    """
    calls: list[_Call] = []
    rest = text

    def take(match: re.Match[str]) -> str:
        found = _interpret(_loads_lenient(match.group(1)), allowed)
        if found is None:
            return match.group(0)
        calls.extend(found)
        return ""

    rest = _take_functions_syntax(rest, allowed, calls)
    rest = _TAG.sub(take, rest)
    rest = _FENCE.sub(take, rest)
    rest = _take_bare_json(rest, allowed, calls)

    kept = [
        tool_call(name=name, args=args, id=call_id or new_call_id())
        for name, args, call_id in calls
        if allowed is None or name in allowed
    ]
    return kept, re.sub(r"\n{3,}", "\n\n", rest).strip()


def _take_functions_syntax(text: str, allowed: Collection[str] | None, out: list[_Call]) -> str:
    """``functions.NAME:{..}`` / ``functions.NAME({..})``: the name is outside the JSON."""
    decoder = json.JSONDecoder()
    pieces: list[str] = []
    pos = 0
    for match in _FUNCTIONS.finditer(text):
        if match.start() < pos:
            continue
        start = end = match.end()
        args: Any = {}
        if text.startswith("{", start):
            try:
                args, end = decoder.raw_decode(text, start)
            except json.JSONDecodeError:
                continue
        if match.group(2) == "(":
            close = re.match(r"\s*\)", text[end:])
            end += close.end() if close else 0
        decoded = _decode_args(args)
        if decoded is None:
            continue
        out.append((match.group(1), decoded, None))
        pieces.append(text[pos : match.start()])
        pos = end
    pieces.append(text[pos:])
    return "".join(pieces)


def _take_bare_json(text: str, allowed: Collection[str] | None, out: list[_Call]) -> str:
    """Scan for JSON values that are calls; skip whole values that are not (so the arguments
    object inside some other JSON is never mistaken for a call)."""
    decoder = json.JSONDecoder()
    pieces: list[str] = []
    pos = scan = 0
    while True:
        starts = [i for i in (text.find("{", scan), text.find("[", scan)) if i >= 0]
        if not starts:
            break
        start = min(starts)
        try:
            value, end = decoder.raw_decode(text, start)
        except json.JSONDecodeError:
            scan = start + 1
            continue
        found = _interpret(value, allowed)
        if found is not None:
            out.extend(found)
            pieces.append(text[pos:start])
            pos = end
        scan = end
    pieces.append(text[pos:])
    return "".join(pieces)


def _loads_lenient(raw: str) -> Any:
    """JSON, else a Python literal (small models print ``{'name': 'x'}``), else None."""
    raw = raw.strip()
    for load in (json.loads, ast.literal_eval):
        try:
            return load(raw)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            continue
    return None


def _decode_args(raw: Any) -> dict[str, Any] | None:
    if raw is None or raw == "":
        return {}
    if isinstance(raw, str):
        raw = _loads_lenient(raw)
    return raw if isinstance(raw, dict) else None


def _interpret(value: Any, allowed: Collection[str] | None) -> list[_Call] | None:
    """The calls ``value`` stands for, or None when it is not call-shaped at all."""
    if isinstance(value, list):
        found = [_one_call(item, allowed) for item in value]
        if not found or any(call is None for call in found):
            return None
        return [call for call in found if call is not None]
    if isinstance(value, dict) and isinstance(value.get("tool_calls"), list):
        return _interpret(value["tool_calls"], allowed) or []
    call = _one_call(value, allowed)
    return None if call is None else [call]


def _one_call(value: Any, allowed: Collection[str] | None) -> _Call | None:
    if not isinstance(value, dict):
        return None
    call_id = value.get("id") if isinstance(value.get("id"), str) else None
    function = value.get("function")
    if isinstance(function, dict):  # OpenAI: {"type": "function", "function": {...}}
        value = function
        function = None
    name = function if isinstance(function, str) else value.get("name")
    if not isinstance(name, str) or not name:
        return None
    arg_key = next((key for key in _ARG_KEYS if key in value), None)
    if arg_key is None and (allowed is None or name not in allowed):
        return None  # {"name": "Cola"} is data, unless it names a bound tool
    args = _decode_args(value.get(arg_key) if arg_key else None)
    return None if args is None else (name, args, call_id)
