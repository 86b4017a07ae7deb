"""Each GGUF is loaded once per process and shared: loading takes seconds and hundreds of MB,
and every agent (and every request) asks for the same model.

A llama.cpp context is not safe for concurrent use, so each loaded model carries the lock that
every generation on it holds; requests queue there instead of corrupting each other's state.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from time import perf_counter
from typing import Any

import llama_cpp
from llama_cpp import Llama

from agents.llm.llama_state import LeanStateLlama
from agents.llm.prompt_cache import DiskStates, PromptStateCache, state_dir

log = logging.getLogger(__name__)


@dataclass
class LoadedModel:
    """One GGUF in memory, with the lock every generation on it holds."""

    llama: Llama
    lock: threading.Lock
    path: Path
    load_seconds: float
    caches: tuple[int, str | None, int] = (0, None, 0)  # the prompt caches it was loaded with


_MODELS: dict[tuple[str, int, int], LoadedModel] = {}
_MODELS_LOCK = threading.Lock()
_TOLD: set[tuple[tuple[str, int, int], tuple[int, str | None, int]]] = set()


def default_threads() -> int:
    """Every core: llama-cpp-python's own default (half the cores) halves speed on 2 cores."""
    return os.cpu_count() or 1


def amx_compiled() -> bool:
    """Whether this llama.cpp build puts weights in AMX buffers. Its AMX matmul segfaults on
    some Sapphire Rapids machines, ours included (llama.cpp issue 20824): a crash no Python
    code can catch, so such builds load without extra buffer types. That also turns weight
    repacking off, which measured no slower here than a build without AMX that keeps it."""
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


# The agents' prompts (system prompt and tool schemas) are ~2,000 tokens each. llama.cpp keeps
# the KV cache of the last prompt, so a turn whose prompt shares it starts in ~0.3 s; but a
# turn of another agent evicts it, and computing it again costs 20-30 s on 2 cores (measured:
# Qwen2.5-Coder 0.5B, receptionist then sales then receptionist: 27, 7.5, 30 s; with this
# cache: 27, 7, 5 s). So finished prompts' states are kept in RAM, the longest matching prefix
# restored, and the agents' prompts on disk for the next process (``agents.llm.prompt_cache``).
# A state is the KV of its tokens: 8 MB for 686 tokens of the 0.5B (measured).
PROMPT_CACHE_MB = 1024
PROMPT_DISK_MB = 2048


def load_model(
    path: Path,
    n_ctx: int,
    n_threads: int,
    prompt_cache_mb: int = PROMPT_CACHE_MB,
    prompt_states: Path | None = None,
    prompt_disk_mb: int = PROMPT_DISK_MB,
) -> LoadedModel:
    """The process-wide ``Llama`` for (path, n_ctx, threads), loaded on first use, with a RAM
    cache of prompt states of ``prompt_cache_mb`` (0: none), backed by up to
    ``prompt_disk_mb`` of them under ``prompt_states`` (None or 0: not on disk).

    The caches are the first caller's: a second copy of the weights for other cache settings
    would cost as much memory again, so a later call asking for others is told in the log."""
    resolved = path.expanduser().resolve()
    key = (str(resolved), n_ctx, n_threads)
    states = str(prompt_states.expanduser().resolve()) if prompt_states else None
    caches = (prompt_cache_mb, states, prompt_disk_mb)
    with _MODELS_LOCK:
        loaded = _MODELS.get(key)
        if loaded is not None and loaded.caches != caches and (key, caches) not in _TOLD:
            _TOLD.add((key, caches))  # once: the chat model asks on every generation
            log.warning(
                "%s is loaded already with prompt caches %s; %s asked for now are ignored",
                resolved.name,
                loaded.caches,
                caches,
            )
        if loaded is None:
            if not resolved.is_file():
                raise FileNotFoundError(f"no GGUF model file at {resolved}")
            started = perf_counter()
            with _no_extra_buffers(amx_compiled()):
                llama = LeanStateLlama(
                    model_path=str(resolved),
                    n_ctx=n_ctx,
                    n_threads=n_threads,
                    n_threads_batch=n_threads,
                    verbose=False,
                )
            if prompt_cache_mb > 0:
                disk = None
                if prompt_states is not None and prompt_disk_mb > 0:
                    directory = state_dir(prompt_states, resolved, n_ctx)
                    disk = DiskStates(directory, prompt_disk_mb << 20, root=prompt_states)
                llama.set_cache(PromptStateCache(prompt_cache_mb << 20, n_ctx, disk))
            loaded = LoadedModel(
                llama, threading.Lock(), resolved, perf_counter() - started, caches
            )
            _MODELS[key] = loaded
        return loaded


def unload_model(path: Path, n_ctx: int, n_threads: int) -> None:
    """Forget one loaded model: the next ``load_model`` with these settings loads it anew
    (tests that need a second, fresh instance of the same file)."""
    with _MODELS_LOCK:
        _MODELS.pop((str(path.expanduser().resolve()), n_ctx, n_threads), None)


def unload_models() -> None:
    """Forget every loaded model (tests; memory is freed once no caller holds one)."""
    with _MODELS_LOCK:
        _MODELS.clear()
