"""LangChain messages to and from the chat dicts llama.cpp renders with the GGUF's template.

Earlier tool calls are written into the history exactly as the model is constrained to emit
them, ``{"name": .., "arguments": {..}}`` (one line per call), as plain assistant text: a small
model imitates its own history, and plain text renders under any template. Tool results go in
as role ``tool`` (Qwen's template wraps them in ``<tool_response>`` inside a user turn);
templates that know no ``tool`` role get them as user text instead (``tool_results_as="user"``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Sequence
from typing import Any, Literal

from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    ChatMessage,
    HumanMessage,
    SystemMessage,
    ToolCall,
    ToolMessage,
)
from langchain_core.messages.tool import tool_call

from agents.llm.toolcall_parse import new_call_id, parse_tool_calls

ToolRole = Literal["tool", "user"]


def dumps(value: Any) -> str:
    """Compact JSON that keeps Hebrew readable (``\\u05e7`` costs the model six tokens)."""
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def calls_text(calls: Sequence[ToolCall]) -> str:
    return "\n".join(dumps({"name": c["name"], "arguments": c["args"]}) for c in calls)


def to_chat_messages(
    messages: Sequence[BaseMessage],
    *,
    system_extra: str = "",
    tool_results_as: ToolRole = "tool",
) -> list[dict[str, str]]:
    """Convert ``messages``; ``system_extra`` (the tools section) is appended to the first
    system message, or becomes one, so it sits at the start where llama.cpp's prefix cache
    reuses it from call to call."""
    out: list[dict[str, str]] = []
    names: dict[str, str] = {}  # tool_call_id -> tool name, to label results given as user text
    for message in messages:
        text = message.text
        if isinstance(message, SystemMessage):
            out.append({"role": "system", "content": text})
        elif isinstance(message, HumanMessage):
            out.append({"role": "user", "content": text})
        elif isinstance(message, AIMessage):
            for call in message.tool_calls:
                names[call["id"] or ""] = call["name"]
            content = "\n".join(p for p in (text, calls_text(message.tool_calls)) if p)
            out.append({"role": "assistant", "content": content})
        elif isinstance(message, ToolMessage):
            if tool_results_as == "tool":
                out.append({"role": "tool", "content": text})
            else:
                name = message.name or names.get(message.tool_call_id, "the tool")
                out.append({"role": "user", "content": f"[result of {name}]\n{text}"})
        elif isinstance(message, ChatMessage):
            out.append({"role": message.role, "content": text})
        else:
            out.append({"role": "user", "content": text})
    if system_extra:
        if out and out[0]["role"] == "system":
            out[0] = {"role": "system", "content": f"{out[0]['content']}\n\n{system_extra}"}
        else:
            out.insert(0, {"role": "system", "content": system_extra})
    return out


def decode_reply(
    text: str, allowed: Collection[str], reply_name: str | None = None
) -> tuple[list[ToolCall], str]:
    """The constrained reply as (tool calls, text): a call to a bound tool, or the ``text`` of
    the reply pseudo-tool. Falls back to the tolerant parser when the JSON is broken (e.g. cut
    off by ``max_tokens``), and salvages a cut-off reply text."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        value = None
    if isinstance(value, dict) and isinstance(value.get("arguments"), dict):
        name, args = value.get("name"), value["arguments"]
        if reply_name is not None and name == reply_name:
            return [], str(args.get("text", ""))
        if name in allowed:
            return [tool_call(name=str(name), args=args, id=new_call_id())], ""
    found, rest = parse_tool_calls(text, allowed)
    if found or reply_name is None:
        return found, rest
    salvage = re.match(rf'\s*\{{\s*"name"\s*:\s*"{re.escape(reply_name)}".*?"text"\s*:\s*', text)
    if salvage:  # {"name": "reply", "arguments": {"text": "cut off her  ->  the text so far
        head = text[salvage.end() :].rstrip()
        for candidate in (head, head + '"'):
            try:
                string, _ = json.JSONDecoder().raw_decode(candidate)
            except json.JSONDecodeError:
                continue
            if isinstance(string, str):
                return [], string
        return [], head.strip('"{} ')
    return [], rest
