"""A LangChain chat model over a local GGUF through llama.cpp, with reliable tool calls.

Small models (Qwen2.5-Coder 0.5B/1.5B) print tool calls unreliably but follow a grammar
perfectly, so when tools are bound the reply is decoded under a JSON schema (``tool_schema``):
the model can only answer with calls to bound tools whose arguments match their schemas, or
with ``{"reply": ..}``. Code then turns that JSON into a standard ``AIMessage``, so the graph
sees the same message shape as from any other provider.

Loading a model takes seconds and hundreds of MB, so each GGUF is loaded once per process and
shared by every ``LlamaCppChatModel`` on it; a llama.cpp context is not safe for concurrent use,
so generation on one model is serialized by a lock.
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from time import perf_counter
from typing import Any, Literal, cast

import llama_cpp
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
from llama_cpp.llama_grammar import json_schema_to_gbnf
from pydantic import Field

from agents.llm.messages import ToolRole, decode_reply, to_chat_messages
from agents.llm.tool_schema import (
    ToolChoice,
    ToolLike,
    normalize_tool_choice,
    openai_tools,
    reply_schema,
    tool_names,
    tools_prompt,
)


@dataclass
class LoadedModel:
    """One GGUF in memory, with the lock every generation on it holds."""

    llama: Llama
    lock: threading.Lock
    path: Path
    load_seconds: float


_MODELS: dict[tuple[str, int, int], LoadedModel] = {}
_MODELS_LOCK = threading.Lock()


def default_threads() -> int:
    """Every core: llama-cpp-python's own default (half the cores) halves speed on 2 cores."""
    return os.cpu_count() or 1


def amx_compiled() -> bool:
    """Whether this llama.cpp build puts weights in AMX buffers. Its AMX matmul segfaults on
    some Sapphire Rapids machines, ours included (llama.cpp issue 20824): a crash no Python
    code can catch, so such builds load without extra buffer types (slower, but alive)."""
    return "AMX_INT8 = 1" in llama_cpp.llama_print_system_info().decode(errors="replace")


@contextmanager
def _no_extra_buffers(active: bool) -> Iterator[None]:
    """``Llama()`` exposes no ``use_extra_bufts``; it reads llama.cpp's default model params
    through this module attribute, so it is wrapped for the duration of one load."""
    if not active:
        yield
        return
    module = llama_cpp.llama_cpp
    original = module.llama_model_default_params

    def without_extra_buffers() -> Any:
        params = original()
        params.use_extra_bufts = False
        return params

    setattr(module, "llama_model_default_params", without_extra_buffers)  # noqa: B010
    try:
        yield
    finally:
        setattr(module, "llama_model_default_params", original)  # noqa: B010


def load_model(path: Path, n_ctx: int, n_threads: int) -> LoadedModel:
    """The process-wide ``Llama`` for (path, n_ctx, threads), loaded on first use."""
    resolved = path.expanduser().resolve()
    key = (str(resolved), n_ctx, n_threads)
    with _MODELS_LOCK:
        loaded = _MODELS.get(key)
        if loaded is None:
            if not resolved.is_file():
                raise FileNotFoundError(f"no GGUF model file at {resolved}")
            started = perf_counter()
            with _no_extra_buffers(amx_compiled()):
                llama = Llama(
                    model_path=str(resolved),
                    n_ctx=n_ctx,
                    n_threads=n_threads,
                    n_threads_batch=n_threads,
                    verbose=False,
                )
            loaded = LoadedModel(llama, threading.Lock(), resolved, perf_counter() - started)
            _MODELS[key] = loaded
        return loaded


def unload_models() -> None:
    """Forget every loaded model (tests; memory is freed once no caller holds one)."""
    with _MODELS_LOCK:
        _MODELS.clear()


@lru_cache(maxsize=64)
def _grammar_converts(schema_json: str) -> bool:
    try:
        json_schema_to_gbnf(schema_json)
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
        if not _grammar_converts(json.dumps(tool["function"]["parameters"])):
            tool = {"type": "function", "function": {**tool["function"]}}
            tool["function"]["parameters"] = {"type": "object"}
        loose.append(tool)
    return reply_schema(loose, choice)


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

    @property
    def _llm_type(self) -> str:
        return "llama-cpp"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_name": self.model_name or self.gguf_path.name, "n_ctx": self.n_ctx}

    def load(self) -> LoadedModel:
        return load_model(self.gguf_path, self.n_ctx, self.n_threads)

    def tool_role(self, loaded: LoadedModel) -> ToolRole:
        """ "auto": role ``tool`` if the GGUF's chat template knows it, else user text."""
        if self.tool_results_as != "auto":
            return self.tool_results_as
        template = str(loaded.llama.metadata.get("tokenizer.chat_template", ""))
        return "tool" if re.search(r"""["']tool["']""", template) else "user"

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
        (default), "any"/"required", "none" or a tool name. Invalid choices fail here."""
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
        tools: list[dict[str, Any]] = kwargs.get("tools") or []
        names = tool_names(tools)
        choice = normalize_tool_choice(kwargs.get("tool_choice"), names)
        constrained = bool(tools) and choice.mode != "none"
        loaded = self.load()
        chat = to_chat_messages(
            messages,
            system_extra=tools_prompt(tools, choice) if constrained else "",
            json_replies=constrained,
            tool_results_as=self.tool_role(loaded),
        )
        params: dict[str, Any] = {
            "temperature": self.temperature,
            "max_tokens": kwargs.get("max_tokens", self.max_tokens),
            "repeat_penalty": self.repeat_penalty,
            "stop": stop or [],
        }
        if constrained:
            schema = decoding_schema(tools, choice)
            params["response_format"] = {"type": "json_object", "schema": schema}
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
        calls, content = decode_reply(text, names) if constrained else ([], text)
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
        if kwargs.get("tools") and kwargs.get("tool_choice") not in ("none", False):
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
