"""LangChain messages to and from the chat dicts llama.cpp renders with the GGUF's template.

The history is written in the same JSON the model is constrained to answer in: earlier tool
calls as ``{"tool_calls": [...]}`` and, while tools are bound, earlier replies as
``{"reply": ..}``. A small model imitates its own history, so showing it one format keeps it on
that format. Tool results go in as role ``tool`` (Qwen's template wraps them in
``<tool_response>`` inside a user turn); templates that know no ``tool`` role get them as user
text instead (``tool_results_as="user"``).
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
_REPLY_HEAD = re.compile(r'\s*\{\s*"reply"\s*:\s*')


def dumps(value: Any) -> str:
    """Compact JSON that keeps Hebrew readable (``\\u05e7`` costs the model six tokens)."""
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def calls_json(calls: Sequence[ToolCall]) -> str:
    return dumps({"tool_calls": [{"name": c["name"], "arguments": c["args"]} for c in calls]})


def to_chat_messages(
    messages: Sequence[BaseMessage],
    *,
    system_extra: str = "",
    json_replies: bool = False,
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
            if message.tool_calls:
                content = calls_json(message.tool_calls)
            else:
                content = dumps({"reply": text}) if json_replies else text
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


def decode_reply(text: str, allowed: Collection[str]) -> tuple[list[ToolCall], str]:
    """The constrained reply as (tool calls, text). Falls back to the tolerant parser when the
    JSON is broken (e.g. cut off by ``max_tokens``), salvaging a truncated ``reply`` string."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        value = None
    if isinstance(value, dict):
        if isinstance(value.get("reply"), str) and "tool_calls" not in value:
            return [], value["reply"]
        calls = value.get("tool_calls")
        if isinstance(calls, list):
            found = [
                tool_call(name=c["name"], args=c.get("arguments") or {}, id=new_call_id())
                for c in calls
                if isinstance(c, dict) and c.get("name") in allowed
                and isinstance(c.get("arguments") or {}, dict)
            ]  # fmt: skip
            if found:
                return found, ""
    found, rest = parse_tool_calls(text, allowed)
    if found:
        return found, rest
    salvage = _REPLY_HEAD.match(text)
    if salvage:  # {"reply": "cut off her  ->  the text so far
        head = text[salvage.end() :].rstrip()
        for candidate in (head, head + '"'):
            try:
                value, _ = json.JSONDecoder().raw_decode(candidate)
            except json.JSONDecodeError:
                continue
            if isinstance(value, str):
                return [], value
        return [], head.strip('"{} ')
    return [], rest
