"""``Llama`` whose saved states hold the KV cache and the tokens, not 296 MB of logits.

llama-cpp-python 0.3.36 keeps a logits array of n_batch rows by the vocabulary (512 x 151,936
floats for Qwen2.5) and, with ``logits_all`` off, never writes it: sampling reads the logits
from llama.cpp itself. Yet ``save_state`` copies its first rows into every state and
``load_state`` writes them back. Measured with the 0.5B on the clerk's prompt (686 tokens):
the KV state was 8 MB and the copied logits 296 MB, per state. The prompt cache saves a state
after every completion and counts only the KV bytes against its capacity, so a server would
have held ~300 MB of dead logits per cached prompt (and copied them on every turn).
"""

from __future__ import annotations

import ctypes
import logging
from typing import Protocol, runtime_checkable

import llama_cpp
import numpy as np
from llama_cpp import Llama, LlamaState

log = logging.getLogger(__name__)


@runtime_checkable
class RejectsStates(Protocol):
    """A prompt cache that can forget a state llama.cpp would not load."""

    def reject(self, state: LlamaState) -> None: ...


class LeanStateLlama(Llama):
    """Saves and restores states without the unused logits (with ``logits_all`` on, they are
    used, and both methods fall back to the library's)."""

    def save_state(self) -> LlamaState:
        if self._logits_all:
            return super().save_state()
        ctx = self._ctx.ctx
        size = llama_cpp.llama_state_get_size(ctx)
        buffer = (ctypes.c_uint8 * size)()
        written = llama_cpp.llama_state_get_data(ctx, buffer, size)
        if written > size:
            raise RuntimeError("llama.cpp wrote more state than it asked room for")
        input_ids = self.input_ids.copy()
        input_ids[self.n_tokens :] = 0  # stale tokens past the state would fake a longer match
        return LlamaState(
            input_ids=input_ids,
            scores=np.empty((0, self._n_vocab), dtype=np.single),
            n_tokens=self.n_tokens,
            llama_state=ctypes.string_at(buffer, written),
            llama_state_size=written,
            seed=self._seed,
        )

    def load_state(self, state: LlamaState) -> None:
        if self._logits_all:
            super().load_state(state)
            return
        input_ids = np.zeros(self._n_ctx, dtype=np.intc)
        input_ids[: state.n_tokens] = state.input_ids[: state.n_tokens]
        size = state.llama_state_size
        buffer = (ctypes.c_uint8 * size).from_buffer_copy(state.llama_state)
        if llama_cpp.llama_state_set_data(self._ctx.ctx, buffer, size) != size:
            # A state from another build or context setting. Counted as a miss, not an error:
            # forget what the context held (llama.cpp cleared its cache), so the prompt is
            # evaluated in full, and tell the cache to drop the state for good.
            log.warning("llama.cpp refused a saved prompt state; evaluating the prompt instead")
            self.reset()  # type: ignore[no-untyped-call]  # untyped in llama-cpp-python
            self._ctx.kv_cache_clear()  # type: ignore[no-untyped-call]
            if isinstance(self.cache, RejectsStates):
                self.cache.reject(state)
            return
        self.input_ids = input_ids
        self.n_tokens = state.n_tokens
        self._requires_eval = True  # the logits are not restored: decode before sampling
        self._seed = state.seed
