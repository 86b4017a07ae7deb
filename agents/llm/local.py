"""A LangChain chat model over a local GGUF through llama.cpp, with reliable tool calls.

Small models (Qwen2.5-Coder 0.5B/1.5B) print tool calls unreliably but follow a grammar
perfectly, so when tools are bound the reply is decoded under a JSON schema (``tool_schema``):
the model can only answer with a call to a bound tool whose arguments match its schema, or
(tool_choice auto) with the ``reply`` pseudo-tool. Code then turns that JSON into a standard
``AIMessage``, so the graph sees the same message shape as from any other provider.

The model itself is loaded lazily, once per process, by ``loader``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from time import perf_counter
from typing import Any, Literal, cast

import numpy as np
import numpy.typing as npt
from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.messages.ai import UsageMetadata
from langchain_core.messages.tool import tool_call_chunk
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable
from llama_cpp import Llama, LogitsProcessorList
from pydantic import Field

from agents.llm.loader import (
    PROMPT_CACHE_MB,
    PROMPT_DISK_MB,
    LoadedModel,
    default_threads,
    load_model,
)
from agents.llm.messages import ToolRole, decode_reply, to_chat_messages
from agents.llm.prompt_cache import PromptStateCache
from agents.llm.tool_schema import (
    ToolChoice,
    ToolLike,
    decoding_schema,
    normalize_tool_choice,
    offered_tools,
    openai_tools,
    reply_tool_name,
    tool_names,
    tools_prompt,
)


class _FirstToken:
    """A pass-through logits processor: its first call marks the end of prompt processing."""

    def __init__(self) -> None:
        self.at: float | None = None

    def __call__(
        self, input_ids: npt.NDArray[np.intc], scores: npt.NDArray[np.single]
    ) -> npt.NDArray[np.single]:
        if self.at is None:
            self.at = perf_counter()
        return scores


class LlamaCppChatModel(BaseChatModel):
    """Chat over a GGUF; ``bind_tools`` makes replies constrained tool calls (see module)."""

    gguf_path: Path
    model_name: str = ""
    n_ctx: int = 4096
    n_threads: int = Field(default_factory=default_threads)
    temperature: float = 0.0
    max_tokens: int = 512
    repeat_penalty: float = 1.0  # >1 penalizes copying the user's words into arguments
    tool_results_as: Literal["auto", "tool", "user"] = "auto"
    tools_in: Literal["auto", "template", "system"] = "auto"
    prompt_cache_mb: int = PROMPT_CACHE_MB
    prompt_states: Path | None = None  # where agents' prompt states persist (None: RAM only)
    prompt_disk_mb: int = PROMPT_DISK_MB

    @property
    def _llm_type(self) -> str:
        return "llama-cpp"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_name": self.model_name or self.gguf_path.name, "n_ctx": self.n_ctx}

    def load(self) -> LoadedModel:
        return load_model(
            self.gguf_path,
            self.n_ctx,
            self.n_threads,
            self.prompt_cache_mb,
            self.prompt_states,
            self.prompt_disk_mb,
        )

    def tool_role(self, loaded: LoadedModel) -> ToolRole:
        """Role ``tool`` if the GGUF's chat template knows it (when "auto"), else user text."""
        if self.tool_results_as != "auto":
            return self.tool_results_as
        return "tool" if re.search(r"""["']tool["']""", _template(loaded)) else "user"

    def template_shows_tools(self, loaded: LoadedModel) -> bool:
        """Whether the chat template renders the tools (the prompt the model was trained on):
        with "auto", when it uses a ``tools`` variable; else they go into the system prompt."""
        if self.tools_in != "auto":
            return self.tools_in == "template"
        return re.search(r"\btools\b", _template(loaded)) is not None

    @property
    def llama(self) -> Llama:
        """The shared ``Llama`` (loads the model on first use)."""
        return self.load().llama

    def bind_tools(
        self,
        tools: Sequence[ToolLike],
        *,
        tool_choice: str | dict[str, Any] | bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Bind tools (anything ``convert_to_openai_tool`` takes); ``tool_choice`` is "auto"
        (default), "any"/"required", a tool name, or "none": a reply in words with the tools
        still in the prompt, which is how to word an answer after tool results (without
        tools, Qwen reads a ``<tool_response>`` as the user's words). Bad choices fail here."""
        formatted = openai_tools(tools)
        normalize_tool_choice(tool_choice, tool_names(formatted))
        return self.bind(tools=formatted, tool_choice=tool_choice, **kwargs)

    def _request(
        self,
        loaded: LoadedModel,
        messages: list[BaseMessage],
        tools: list[dict[str, Any]],
        choice: ToolChoice,
        stop: list[str] | None,
        max_tokens: int,
    ) -> tuple[list[Any], dict[str, Any]]:
        """The chat messages and ``create_chat_completion`` parameters for ``messages``."""
        constrained = bool(tools)
        native = constrained and self.template_shows_tools(loaded)
        chat = to_chat_messages(
            messages,
            system_extra=tools_prompt(tools, choice) if constrained and not native else "",
            tool_results_as=self.tool_role(loaded),
        )
        params: dict[str, Any] = {
            "temperature": self.temperature,
            "max_tokens": max_tokens,
            "repeat_penalty": self.repeat_penalty,
            "stop": stop or [],
        }
        if native:
            params["tools"] = offered_tools(tools, choice)
        if constrained:
            schema = decoding_schema(tools, choice)
            params["response_format"] = {"type": "json_object", "schema": schema}
        return chat, params

    def prefill(self, messages: list[BaseMessage], tools: Sequence[ToolLike]) -> None:
        """Evaluate the prompt these messages make with ``tools`` bound (one token of reply)
        and keep its state in the prompt cache, on disk too: the next process restores it
        instead of evaluating it (``agents.llm.prompt_cache``). For our own prompts only (the
        warm-up): a guest's words never go to disk this way."""
        loaded = self.load()
        formatted = openai_tools(tools)
        choice = normalize_tool_choice(None, tool_names(formatted))
        chat, params = self._request(loaded, messages, formatted, choice, None, max_tokens=1)
        cache = loaded.llama.cache
        persisting: AbstractContextManager[object] = (
            cache.persisting() if isinstance(cache, PromptStateCache) else nullcontext()
        )
        with loaded.lock, persisting:
            loaded.llama.create_chat_completion(messages=cast(Any, chat), **params)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        tools: list[dict[str, Any]] = kwargs.get("tools") or []
        names = tool_names(tools)
        choice = normalize_tool_choice(kwargs.get("tool_choice"), names)
        constrained = bool(tools)
        loaded = self.load()
        max_tokens = kwargs.get("max_tokens", self.max_tokens)
        chat, params = self._request(loaded, messages, tools, choice, stop, max_tokens)
        reply_name = reply_tool_name(names) if choice.mode in ("auto", "none") else None
        probe = _FirstToken()
        with loaded.lock:
            started = perf_counter()
            response = cast(
                dict[str, Any],
                loaded.llama.create_chat_completion(
                    messages=cast(Any, chat),
                    logits_processor=LogitsProcessorList([probe]),
                    **params,
                ),
            )
            total = perf_counter() - started
        choice0 = response["choices"][0]
        text = choice0["message"].get("content") or ""
        calls, content = decode_reply(text, names, reply_name) if constrained else ([], text)
        usage = response.get("usage") or {}
        message = AIMessage(
            content=content,
            tool_calls=calls,
            usage_metadata=UsageMetadata(
                input_tokens=usage.get("prompt_tokens", 0),
                output_tokens=usage.get("completion_tokens", 0),
                total_tokens=usage.get("total_tokens", 0),
            ),
            response_metadata={
                "model_provider": "llama-cpp",
                "model_name": self.model_name or self.gguf_path.name,
                "finish_reason": choice0.get("finish_reason"),
                "raw": text if constrained else None,
                "timings": {
                    "first_token_s": round((probe.at or perf_counter()) - started, 3),
                    "total_s": round(total, 3),
                },
            },
        )
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        """Token by token for plain chat (voice wants the first words early); with tools the
        constrained JSON is only useful whole, so the finished message comes as one chunk."""
        if kwargs.get("tools"):
            done = self._generate(messages, stop, run_manager, **kwargs).generations[0].message
            assert isinstance(done, AIMessage)
            yield ChatGenerationChunk(message=_as_chunk(done))
            return
        loaded = self.load()
        chat = to_chat_messages(messages, tool_results_as=self.tool_role(loaded))
        with loaded.lock:
            stream = loaded.llama.create_chat_completion(
                messages=cast(Any, chat),
                temperature=self.temperature,
                max_tokens=kwargs.get("max_tokens", self.max_tokens),
                repeat_penalty=self.repeat_penalty,
                stop=stop or [],
                stream=True,
            )
            for part in cast(Iterator[dict[str, Any]], stream):
                delta = part["choices"][0].get("delta") or {}
                reason = part["choices"][0].get("finish_reason")
                metadata = {"finish_reason": reason, "model_provider": "llama-cpp"}
                chunk = AIMessageChunk(
                    content=delta.get("content") or "",
                    response_metadata=metadata if reason else {},
                )
                if run_manager and chunk.content:
                    run_manager.on_llm_new_token(str(chunk.content))
                yield ChatGenerationChunk(message=chunk)


def _template(loaded: LoadedModel) -> str:
    return str(loaded.llama.metadata.get("tokenizer.chat_template", ""))


def _as_chunk(message: AIMessage) -> AIMessageChunk:
    return AIMessageChunk(
        content=message.content,
        tool_call_chunks=[
            tool_call_chunk(name=c["name"], args=json.dumps(c["args"]), id=c["id"], index=i)
            for i, c in enumerate(message.tool_calls)
        ],
        usage_metadata=message.usage_metadata,
        response_metadata=message.response_metadata,
    )
