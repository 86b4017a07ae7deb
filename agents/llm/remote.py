"""Remote providers, with tool calls recovered from text when the server did not parse them.

An OpenAI-compatible server without a tool-call parser (llama.cpp's, vLLM without
``--tool-call-parser``) or a model behind Ollama that answers in prose returns its calls as
text: ``<tool_call>{..}</tool_call>``, fenced JSON, ``functions.NAME:{..}``. These subclasses
turn such text into standard ``tool_calls`` (only for names that were bound), so the graph
never sees the difference. Streaming is left as the providers do it.
"""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_ollama import ChatOllama
from langchain_openai import ChatOpenAI

from agents.llm.toolcall_parse import parse_tool_calls


def recover_tool_calls(result: ChatResult, tools: list[dict[str, Any]] | None) -> ChatResult:
    """Replace replies that hold tool calls as text with replies that carry them properly."""
    names = [t["function"]["name"] for t in tools or [] if isinstance(t.get("function"), dict)]
    if not names:
        return result
    generations = []
    for generation in result.generations:
        message = generation.message
        if isinstance(message, AIMessage) and not message.tool_calls and message.text:
            calls, rest = parse_tool_calls(message.text, names)
            if calls:
                message = message.model_copy(update={"tool_calls": calls, "content": rest})
                generation = ChatGeneration(
                    message=message, generation_info=generation.generation_info
                )
        generations.append(generation)
    return ChatResult(generations=generations, llm_output=result.llm_output)


class _RecoversTextToolCalls(BaseChatModel):
    """Mixed in before a provider class: its replies get text tool calls recovered."""

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        # The provider class after this mixin in the MRO implements it.
        result = super()._generate(messages, stop, run_manager, **kwargs)  # type: ignore[safe-super]
        return recover_tool_calls(result, kwargs.get("tools"))

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        result = await super()._agenerate(messages, stop, run_manager, **kwargs)
        return recover_tool_calls(result, kwargs.get("tools"))


class TextToolsChatOpenAI(_RecoversTextToolCalls, ChatOpenAI):
    """``ChatOpenAI`` for any OpenAI-compatible endpoint, recovering text tool calls."""


class TextToolsChatOllama(_RecoversTextToolCalls, ChatOllama):
    """``ChatOllama``, recovering tool calls a model printed as text."""
