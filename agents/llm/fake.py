"""Fake chat models that go through the graph's real code path.

``ScriptedChatModel`` plays back a script of replies, real ``AIMessage`` objects with real
tool calls, so a unit test exercises the same binding, routing and tool execution as a real
model would, without the model. It checks the script against what the graph bound: a scripted
call to a tool that was not bound, or a missing call when ``tool_choice`` demanded one, fails
loudly instead of passing a test a real model could never pass.

``InstantChatModel`` answers at once with a fixed reply or tool call: the "LLM" for measuring
what the graph costs around the model.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import AIMessage, BaseMessage, ToolCall, ToolMessage
from langchain_core.messages.ai import UsageMetadata
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import Runnable
from pydantic import Field

from agents.llm.tool_schema import ToolLike, normalize_tool_choice, openai_tools, tool_names
from agents.llm.toolcall_parse import new_call_id

Responder = Callable[[list[BaseMessage]], AIMessage | str]
ScriptItem = AIMessage | str | Responder


class ScriptError(AssertionError):
    """The script and the graph disagree (an AssertionError, so pytest reports it as such)."""


@dataclass
class ScriptedCall:
    """One call the graph made: what it sent, what was bound, what the script answered."""

    messages: list[BaseMessage]
    tools: list[dict[str, Any]]
    tool_choice: Any
    reply: AIMessage | None = None
    tool_names: list[str] = field(default_factory=list)


def _zero_usage() -> UsageMetadata:
    return UsageMetadata(input_tokens=0, output_tokens=0, total_tokens=0)


def _finish(message: AIMessage) -> AIMessage:
    """A copy with ids on every tool call (ToolNode pairs results to calls by id)."""
    calls = [{**c, "id": c.get("id") or new_call_id()} for c in message.tool_calls]
    return message.model_copy(
        update={
            "tool_calls": calls,
            "usage_metadata": message.usage_metadata or _zero_usage(),
        }
    )


def scripted_call(name: str, **args: object) -> AIMessage:
    """A scripted reply that calls tool ``name`` with ``args``, for ``ScriptedChatModel``."""
    return AIMessage(content="", tool_calls=[{"name": name, "args": args, "id": f"call-{name}"}])


class ScriptedChatModel(BaseChatModel):
    """Emits ``responses`` in order: AIMessages, strings (plain replies), or callables that
    take the messages and return either. Inspect ``calls`` and ``bound_tools`` afterwards."""

    responses: list[Any] = Field(default_factory=list)
    calls: list[ScriptedCall] = Field(default_factory=list)
    bound_tools: list[dict[str, Any]] = Field(default_factory=list)
    bound_tool_choice: Any = None

    def __init__(self, responses: Sequence[ScriptItem] = (), **kwargs: Any) -> None:
        super().__init__(responses=list(responses), **kwargs)

    @property
    def _llm_type(self) -> str:
        return "scripted-fake"

    @property
    def bound_tool_names(self) -> list[str]:
        return tool_names(self.bound_tools)

    @property
    def remaining(self) -> int:
        return len(self.responses) - len(self.calls)

    def bind_tools(
        self,
        tools: Sequence[ToolLike],
        *,
        tool_choice: str | dict[str, Any] | bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Records the tools (as the OpenAI dicts a real provider would send) and binds them
        exactly as ``LlamaCppChatModel`` does."""
        formatted = openai_tools(tools)
        normalize_tool_choice(tool_choice, tool_names(formatted))
        self.bound_tools = formatted
        self.bound_tool_choice = tool_choice
        return self.bind(tools=formatted, tool_choice=tool_choice, **kwargs)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        tools: list[dict[str, Any]] = kwargs.get("tools") or []
        call = ScriptedCall(list(messages), tools, kwargs.get("tool_choice"))
        call.tool_names = tool_names(tools)
        index = len(self.calls)
        self.calls.append(call)
        if index >= len(self.responses):
            last = messages[-1].text if messages else ""
            raise ScriptError(
                f"the script has {len(self.responses)} responses and the graph asked for "
                f"another one (last message: {last[:120]!r})"
            )
        item = self.responses[index]
        reply = item(list(messages)) if callable(item) else item
        message = _finish(AIMessage(content=reply) if isinstance(reply, str) else reply)
        self._check(message, call, index)
        call.reply = message
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _check(self, message: AIMessage, call: ScriptedCall, index: int) -> None:
        names = call.tool_names
        choice = normalize_tool_choice(call.tool_choice, names) if names else None
        for tool_call in message.tool_calls:
            if tool_call["name"] not in names:
                raise ScriptError(
                    f"response {index} calls {tool_call['name']!r} but the graph bound "
                    + (f"only {names}" if names else "no tools")
                )
            _check_required(tool_call, call.tools, index)
        if choice and choice.mode == "none" and message.tool_calls:
            raise ScriptError(f"response {index} calls a tool but tool_choice is none")
        if choice and choice.mode in ("any", "tool") and not message.tool_calls:
            raise ScriptError(f"response {index} calls no tool but tool_choice is {choice}")
        if choice and choice.mode == "tool" and message.tool_calls[0]["name"] != choice.name:
            raise ScriptError(f"response {index} must call {choice.name!r} (tool_choice)")


def _check_required(tool_call: ToolCall, tools: list[dict[str, Any]], index: int) -> None:
    spec = next(t["function"] for t in tools if t["function"]["name"] == tool_call["name"])
    params = spec.get("parameters") or {}
    missing = [k for k in params.get("required", []) if k not in tool_call["args"]]
    unknown = [k for k in tool_call["args"] if k not in (params.get("properties") or {})]
    if missing or (unknown and params.get("properties") is not None):
        raise ScriptError(
            f"response {index} calls {tool_call['name']} with arguments {tool_call['args']}: "
            f"missing {missing}, unknown {unknown}"
        )


class InstantChatModel(BaseChatModel):
    """Answers instantly: ``tool_call`` (``{"name": .., "args": {..}}``) when that tool is
    bound and the last message is not already a tool result (so a tool loop ends), otherwise
    ``reply``."""

    reply: str = "OK."
    tool_call: dict[str, Any] | None = None
    latency_s: float = 0.0  # sleep this long first: a model that takes time (load benchmarks)

    @property
    def _llm_type(self) -> str:
        return "instant-fake"

    def bind_tools(
        self,
        tools: Sequence[ToolLike],
        *,
        tool_choice: str | dict[str, Any] | bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        formatted = openai_tools(tools)
        normalize_tool_choice(tool_choice, tool_names(formatted))
        return self.bind(tools=formatted, tool_choice=tool_choice, **kwargs)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        if self.latency_s:  # not sleep(0): on this VM that is a ~80 us yield of the CPU
            time.sleep(self.latency_s)
        names = tool_names(kwargs.get("tools") or [])
        after_tool = bool(messages) and isinstance(messages[-1], ToolMessage)
        if self.tool_call and self.tool_call["name"] in names and not after_tool:
            calls = [
                ToolCall(
                    name=self.tool_call["name"],
                    args=dict(self.tool_call.get("args") or {}),
                    id=new_call_id(),
                )
            ]
            message = AIMessage(content="", tool_calls=calls, usage_metadata=_zero_usage())
        else:
            message = AIMessage(content=self.reply, usage_metadata=_zero_usage())
        return ChatResult(generations=[ChatGeneration(message=message)])
