"""The local model's prompt states: in RAM, and the agents' prompts also on disk.

Each agent's prompt (system prompt and tool schemas) is ~2,000 tokens, and evaluating it costs
20-30 s on 2 cores. llama.cpp keeps only the last prompt's KV cache, so:

* RAM: every finished prompt's state is kept (LRU, by bytes); a turn restores the state with
  the longest common prefix and evaluates only the rest. Another agent's turn in between no
  longer costs the whole prompt again.
* Disk: a new process (a restart of ``buffr serve``, a worker, each test process) would still
  evaluate every agent's prompt once. So the warm-up's states (each agent's prompt with a
  "hello", ``agents.llm.warmup``) are also written to disk, and a process that finds them
  there reads them back (~26 MB for the receptionist's 2,000 tokens on the 0.5B) instead of
  evaluating; every turn of that agent shares their 2,000-token head. Only the warm-up's
  states: a guest's words never reach the disk. One directory per model file, llama.cpp
  version and context size, since a state fits only the context that made it; the directory
  can be deleted at any time. The size limit holds for all the directories together.

Files are written under a temporary name and renamed, so a reader (another process) never sees
half a state; an unreadable file is deleted and counts as a miss.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

import llama_cpp
import numpy as np
from llama_cpp import Llama, LlamaState
from llama_cpp.llama_cache import BaseLlamaCache, LlamaRAMCache
from numpy.typing import NDArray

log = logging.getLogger(__name__)

Tokens = tuple[int, ...]
# A state on disk is read only when it saves at least this many tokens of evaluation: every
# prompt shares the chat template's first few tokens, and reading ~26 MB to skip three of
# them would cost more than it saves.
MIN_DISK_PREFIX = 64
_Dump = Callable[[BinaryIO], None]
_STATE = ".state.npz"
_TOKENS = ".tokens.npy"
_PARTIAL = ".tmp-"  # a state being written, renamed when complete


def _common_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    return int(Llama.longest_token_prefix(a, b))


def _digest(tokens: NDArray[np.intc]) -> str:
    return hashlib.sha256(tokens.tobytes()).hexdigest()[:24]


def _tokens_of(state: LlamaState) -> NDArray[np.intc]:
    return np.asarray(state.input_ids[: state.n_tokens], dtype=np.intc)


def state_dir(root: Path, model_file: Path, n_ctx: int) -> Path:
    """The directory of the states that fit this model file, llama.cpp build and context."""
    stat = model_file.stat()
    identity = f"{model_file.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{n_ctx}"
    identity += f"|{llama_cpp.__version__}|{llama_cpp.llama_print_system_info().decode()}"
    digest = hashlib.sha256(identity.encode()).hexdigest()[:16]
    return root / f"{model_file.stem}-{digest}"


class DiskStates:
    """States in one directory: ``<digest>.state.npz`` (the KV state and its tokens) and
    ``<digest>.tokens.npy`` (the tokens alone, to find the longest prefix without reading the
    states). Least recently used states go first when the directory outgrows its capacity."""

    def __init__(self, directory: Path, capacity_bytes: int, root: Path | None = None) -> None:
        """``capacity_bytes`` bounds every state under ``root`` (default: ``directory``), the
        directories of other model files, llama.cpp builds and contexts included: one that no
        process uses any more (after an upgrade of llama.cpp, say) is emptied, oldest states
        first, and deleted as new states come, instead of lying there for good."""
        self.directory = directory
        self.capacity_bytes = capacity_bytes
        self.root = root or directory
        self._tokens: dict[str, Tokens] = {}  # by digest, read once per process

    def _index(self) -> dict[str, Tokens]:
        present = {}
        try:
            names = [p.name for p in os.scandir(self.directory)]
        except OSError:  # not there yet (or not readable): no states
            return {}
        for name in names:
            if not name.endswith(_TOKENS):
                continue
            digest = name.removesuffix(_TOKENS)
            tokens = self._tokens.get(digest)
            if tokens is None:
                try:
                    array = np.load(self.directory / name, allow_pickle=False)
                    tokens = tuple(int(t) for t in array.reshape(-1))
                except Exception:  # being replaced or evicted, or damaged
                    continue
                self._tokens[digest] = tokens
            present[digest] = tokens
        return present

    def longest(self, key: Sequence[int]) -> tuple[str | None, int]:
        """The digest of the state sharing the longest prefix with ``key``, and its length."""
        best, best_len = None, 0
        for digest, tokens in self._index().items():
            shared = _common_prefix(tokens, key)
            if shared > best_len:
                best, best_len = digest, shared
        return best, best_len

    def load(self, digest: str, n_ctx: int) -> LlamaState | None:
        path = self.directory / f"{digest}{_STATE}"
        try:
            with np.load(path, allow_pickle=False) as data:
                tokens = np.asarray(data["tokens"], dtype=np.intc).reshape(-1)
                raw = data["state"].tobytes()
                vocab, seed = int(data["vocab"]), int(data["seed"])
            if tokens.size > n_ctx or not raw:
                raise ValueError("a state that does not fit this context")
        except FileNotFoundError:
            return None
        except Exception:  # damaged (truncated, empty, foreign): a miss
            log.warning("dropping an unreadable prompt state %s", path, exc_info=True)
            self.remove(digest)
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # recently used: evicted last
        input_ids = np.zeros(n_ctx, dtype=np.intc)
        input_ids[: tokens.size] = tokens
        return LlamaState(
            input_ids=input_ids,
            scores=np.empty((0, vocab), dtype=np.single),
            n_tokens=int(tokens.size),
            llama_state=raw,
            llama_state_size=len(raw),
            seed=seed,
        )

    def save(self, state: LlamaState) -> None:
        tokens = _tokens_of(state)
        digest = _digest(tokens)
        self.directory.mkdir(parents=True, exist_ok=True)
        state_bytes = np.frombuffer(state.llama_state, dtype=np.uint8)
        vocab = np.int64(state.scores.shape[1] if state.scores.ndim == 2 else 0)
        seed = np.int64(state.seed)
        # The state first: a tokens file promises that its state is complete.
        self._write(
            f"{digest}{_STATE}",
            lambda f: np.savez(f, tokens=tokens, state=state_bytes, vocab=vocab, seed=seed),
        )
        self._write(f"{digest}{_TOKENS}", lambda f: np.save(f, tokens))
        self._tokens[digest] = tuple(int(t) for t in tokens)
        self._evict()

    def _write(self, name: str, dump: _Dump) -> None:
        handle, tmp = tempfile.mkstemp(dir=self.directory, prefix=_PARTIAL)
        try:
            with os.fdopen(handle, "wb") as out:
                dump(out)
            os.replace(tmp, self.directory / name)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def _evict(self) -> None:
        # A write a crashed process left half done: no reader ever sees it, and it would keep
        # its directory from being deleted. An hour is far longer than any write takes.
        stale = time.time() - 3600
        for partial in self.root.rglob(f"{_PARTIAL}*"):
            if _mtime(partial) < stale:
                with contextlib.suppress(OSError):
                    partial.unlink()
        states = sorted(self.root.rglob(f"*{_STATE}"), key=_mtime)
        total = sum(_size(p) for p in states)
        while states and total > self.capacity_bytes:
            oldest = states.pop(0)
            total -= _size(oldest)
            digest = oldest.name.removesuffix(_STATE)
            if oldest.parent == self.directory:
                self.remove(digest)
            else:  # another directory's: gone with its last state
                _unlink_state(oldest.parent, digest)
                with contextlib.suppress(OSError):
                    oldest.parent.rmdir()  # only if empty (another process may be writing)

    def remove(self, digest: str) -> None:
        """Forget a state; a file another process removed first, or cannot be removed (a
        read-only directory), is no error."""
        self._tokens.pop(digest, None)
        _unlink_state(self.directory, digest)

    def remove_state(self, state: LlamaState) -> None:
        self.remove(_digest(_tokens_of(state)))


class PromptStateCache(BaseLlamaCache):
    """A RAM cache of states, backed by ``DiskStates`` when given one (see module)."""

    def __init__(self, capacity_bytes: int, n_ctx: int, disk: DiskStates | None = None) -> None:
        super().__init__(capacity_bytes)
        self.ram = LlamaRAMCache(capacity_bytes)
        self.disk = disk
        self.n_ctx = n_ctx
        self._persisting = False

    @property
    def cache_size(self) -> int:
        return int(self.ram.cache_size)

    def _in_ram(self, key: Tokens) -> tuple[Tokens | None, int]:
        best, best_len = None, 0
        for tokens in self.ram.cache_state:
            shared = _common_prefix(tokens, key)
            if shared > best_len:
                best, best_len = tokens, shared
        return best, best_len

    def __getitem__(self, key: Sequence[int]) -> LlamaState:
        key = tuple(key)
        ram_key, ram_len = self._in_ram(key)
        state = self._from_disk(key, ram_len) if self.disk is not None else None
        if state is not None:
            return state
        if ram_key is None:
            raise KeyError("no saved state shares a prefix with this prompt")
        self.ram.cache_state.move_to_end(ram_key)
        return self.ram.cache_state[ram_key]

    def _from_disk(self, key: Tokens, ram_len: int) -> LlamaState | None:
        """The disk's state for ``key`` if it shares more than RAM's (and is worth reading);
        any failure there costs only the evaluation it would have saved."""
        assert self.disk is not None
        try:
            digest, disk_len = self.disk.longest(key)
            if digest is None or disk_len <= max(ram_len, MIN_DISK_PREFIX - 1):
                return None
            state = self.disk.load(digest, self.n_ctx)
        except Exception:  # the disk is an optimisation: never a failed turn
            log.warning("reading prompt states from %s failed", self.disk.directory, exc_info=True)
            return None
        if state is not None:
            self.ram[tuple(_tokens_of(state).tolist())] = state
        return state

    def reject(self, state: LlamaState) -> None:
        """llama.cpp would not load ``state``: drop it from RAM and disk."""
        for key in [k for k, v in self.ram.cache_state.items() if v is state]:
            del self.ram.cache_state[key]
        if self.disk is not None:
            self.disk.remove_state(state)

    def __contains__(self, key: Sequence[int]) -> bool:
        key = tuple(key)
        if self._in_ram(key)[1] > 0:
            return True
        return self.disk is not None and self.disk.longest(key)[1] >= MIN_DISK_PREFIX

    def __setitem__(self, key: Sequence[int], value: LlamaState) -> None:
        self.ram[key] = value
        if self._persisting and self.disk is not None:
            tokens: Tokens = tuple(_tokens_of(value).tolist())
            if self.disk.longest(tokens)[1] < len(tokens) - 1:  # not on disk already
                try:
                    self.disk.save(value)
                except OSError as error:  # a full or read-only disk costs speed, not a turn
                    log.warning(
                        "could not save a prompt state in %s: %s", self.disk.directory, error
                    )

    @contextmanager
    def persisting(self) -> Iterator[None]:
        """States saved meanwhile also go to disk. Only our own prompts are evaluated so (the
        warm-up, ``LlamaCppChatModel.prefill``): guests' words stay out of the cache
        directory, which no retention rule or tenant boundary covers. Callers hold the
        model's lock, so no other turn's state can slip in."""
        self._persisting = True
        try:
            yield
        finally:
            self._persisting = False


def _unlink_state(directory: Path, digest: str) -> None:
    for suffix in (_TOKENS, _STATE):
        with contextlib.suppress(OSError):
            (directory / f"{digest}{suffix}").unlink(missing_ok=True)


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return 0.0


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0
