"""Prompt states: lean (no dead logits), kept in RAM, and the warm-up's on disk for the next
process, which restores them and answers exactly as if it had evaluated the prompt."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from llama_cpp import LlamaState
from pydantic import BaseModel, Field

from agents.llm.loader import load_model, unload_model
from agents.llm.local import LlamaCppChatModel
from agents.llm.prompt_cache import MIN_DISK_PREFIX, DiskStates, PromptStateCache, state_dir
from agents.llm.tool_schema import ToolLike
from agents.llm.warmup import agent_prompts, warm_prompts
from buffr.modelhub import ModelMissing, model_path
from tests.conftest import SMALL_MODEL

N_CTX = 256
VOCAB = 10


def _state(tokens: list[int], payload: bytes = b"kv") -> LlamaState:
    input_ids = np.zeros(N_CTX, dtype=np.intc)
    input_ids[: len(tokens)] = tokens
    return LlamaState(
        input_ids=input_ids,
        scores=np.empty((0, VOCAB), dtype=np.single),
        n_tokens=len(tokens),
        llama_state=payload,
        llama_state_size=len(payload),
        seed=0,
    )


def _files(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


def test_a_state_round_trips_through_the_disk(tmp_path: Path) -> None:
    disk = DiskStates(tmp_path / "states", capacity_bytes=1 << 20)
    disk.save(_state([1, 2, 3, 4], b"the kv bytes"))
    digest, shared = DiskStates(disk.directory, 1 << 20).longest((1, 2, 3, 9, 9))  # new reader
    assert digest is not None and shared == 3
    state = disk.load(digest, N_CTX)
    assert state is not None
    assert state.llama_state == b"the kv bytes" and state.llama_state_size == 12
    assert state.n_tokens == 4 and state.input_ids.shape == (N_CTX,)
    assert state.input_ids[:5].tolist() == [1, 2, 3, 4, 0]
    assert state.scores.shape == (0, VOCAB)
    assert disk.longest((7, 8)) == (None, 0)


def test_the_least_recently_used_states_go_when_the_disk_is_full(tmp_path: Path) -> None:
    disk = DiskStates(tmp_path, capacity_bytes=5000)
    disk.save(_state([1, 1], b"a" * 1000))
    disk.save(_state([2, 2], b"b" * 1000))
    first, _ = disk.longest((1, 1))
    assert first is not None
    for i, digest in enumerate((first, disk.longest((2, 2))[0])):  # [1, 1] used longest ago
        os.utime(tmp_path / f"{digest}.state.npz", (1_000_000 + i, 1_000_000 + i))
    disk.save(_state([3, 3], b"c" * 1000))  # ~2 kB each: two fit, three do not
    assert disk.longest((1, 1)) == (None, 0)
    assert disk.longest((2, 2))[1] == 2 and disk.longest((3, 3))[1] == 2
    assert len(_files(tmp_path)) == 4  # two states, each with its tokens file


def test_the_limit_covers_every_directory_and_an_abandoned_one_is_emptied(
    tmp_path: Path,
) -> None:
    """A directory of an older llama.cpp build (no process reads it any more) counts against
    the limit, gives up its states first, and is deleted with its last one."""
    old = DiskStates(tmp_path / "model-old", capacity_bytes=1 << 20, root=tmp_path)
    old.save(_state([1, 1], b"a" * 1000))
    old.save(_state([2, 2], b"b" * 1000))
    for state in (tmp_path / "model-old").glob("*.state.npz"):
        os.utime(state, (1_000_000, 1_000_000))
    current = DiskStates(tmp_path / "model-new", capacity_bytes=5000, root=tmp_path)
    current.save(_state([3, 3], b"c" * 1000))  # ~2 kB each: two fit, three do not
    assert len(_files(tmp_path / "model-old")) == 2, "one old state made room"
    (tmp_path / "model-old" / ".tmp-crashed").write_bytes(b"half a state")  # a crash's
    os.utime(tmp_path / "model-old" / ".tmp-crashed", (1_000_000, 1_000_000))
    current.save(_state([4, 4], b"d" * 1000))
    assert not (tmp_path / "model-old").exists()
    assert current.longest((3, 3))[1] == 2 and current.longest((4, 4))[1] == 2


def test_an_unreadable_state_is_dropped_and_counts_as_a_miss(tmp_path: Path) -> None:
    disk = DiskStates(tmp_path, capacity_bytes=1 << 20)
    disk.save(_state([5, 6, 7]))
    digest, _ = disk.longest((5, 6, 7))
    assert digest is not None
    (tmp_path / f"{digest}.state.npz").write_bytes(b"not a zip file")
    assert disk.load(digest, N_CTX) is None
    assert _files(tmp_path) == []


@pytest.mark.parametrize("damage", [b"", b"PK\x03\x04 half a zip"])
def test_an_empty_or_truncated_state_is_a_miss_not_an_error(tmp_path: Path, damage: bytes) -> None:
    """What a crash between writing and renaming, or a full disk, can leave."""
    prompt = list(range(100, 100 + MIN_DISK_PREFIX))
    disk = DiskStates(tmp_path, capacity_bytes=1 << 20)
    disk.save(_state(prompt))
    [state_file] = tmp_path.glob("*.state.npz")
    state_file.write_bytes(damage)
    cache = PromptStateCache(1 << 20, N_CTX, disk)
    with pytest.raises(KeyError):  # nothing usable: the prompt is evaluated
        cache[(*prompt, 1)]
    assert _files(tmp_path) == []


def test_only_states_saved_while_persisting_reach_the_disk(tmp_path: Path) -> None:
    disk = DiskStates(tmp_path, capacity_bytes=1 << 20)
    cache = PromptStateCache(1 << 20, N_CTX, disk)
    cache[(1, 2, 3)] = _state([1, 2, 3])  # a guest's turn: RAM only
    assert _files(tmp_path) == []
    with cache.persisting():
        cache[(4, 5, 6)] = _state([4, 5, 6])
    assert len(_files(tmp_path)) == 2
    cache[(4, 5, 6, 7)] = _state([4, 5, 6, 7])  # after the block: RAM again
    assert len(_files(tmp_path)) == 2
    with cache.persisting():  # already on disk: not written again
        cache[(4, 5, 6)] = _state([4, 5, 6])
    assert len(_files(tmp_path)) == 2


def test_the_longest_prefix_wins_between_ram_and_disk(tmp_path: Path) -> None:
    prompt = list(range(100, 100 + MIN_DISK_PREFIX))  # an agent's prompt, on disk
    disk = DiskStates(tmp_path, capacity_bytes=1 << 20)
    disk.save(_state(prompt, b"from disk"))
    cache = PromptStateCache(1 << 20, N_CTX, disk)
    cache[tuple(prompt[:2])] = _state(prompt[:2], b"from ram")
    assert cache[(*prompt, 1)].llama_state == b"from disk"  # and now also in RAM
    assert tuple(prompt) in cache.ram.cache_state
    longer = [*prompt, 1, 2]
    cache[tuple(longer)] = _state(longer, b"longer, in ram")
    assert cache[(*longer, 3)].llama_state == b"longer, in ram"
    assert tuple(prompt[:1]) in cache and (9, 9) not in cache
    with pytest.raises(KeyError):
        cache[(9, 9)]


def test_a_short_shared_prefix_is_not_worth_reading_from_disk(tmp_path: Path) -> None:
    prompt = list(range(100, 100 + MIN_DISK_PREFIX))
    disk = DiskStates(tmp_path, capacity_bytes=1 << 20)
    disk.save(_state(prompt))
    cache = PromptStateCache(1 << 20, N_CTX, disk)
    shares_little = (*prompt[: MIN_DISK_PREFIX - 1], 7)  # the chat template's first tokens
    assert shares_little not in cache
    with pytest.raises(KeyError):
        cache[shares_little]


def test_a_state_fits_only_its_model_file_and_context(tmp_path: Path) -> None:
    model = tmp_path / "model.gguf"
    model.write_bytes(b"weights")
    other = tmp_path / "other.gguf"
    other.write_bytes(b"weights")
    root = tmp_path / "states"
    assert state_dir(root, model, 4096) == state_dir(root, model, 4096)
    assert state_dir(root, model, 4096) != state_dir(root, model, 2048)
    assert state_dir(root, model, 4096) != state_dir(root, other, 4096)
    before = state_dir(root, model, 4096)
    model.write_bytes(b"new weights")  # a model file replaced in place
    assert state_dir(root, model, 4096) != before


class StockLevel(BaseModel):
    """How much of a product is in stock."""

    product: str = Field(description="The product, as the staff member named it.")


SMALL_CTX = 1024
PROMPT = (
    "You are the stock clerk of a small hotel bar. Staff ask how much of a product is left. "
    "Always call the stock_level tool with the product they name, in their words."
)


def _local(prompt_states: Path) -> LlamaCppChatModel:
    """A fresh instance of the 0.5B (the loader shares one per file, context and threads, so
    this one forgets any earlier instance of these settings first)."""
    try:
        path = model_path(SMALL_MODEL)
    except ModelMissing as missing:
        pytest.skip(str(missing))
    unload_model(path, SMALL_CTX, 1)
    return LlamaCppChatModel(
        gguf_path=path, n_ctx=SMALL_CTX, n_threads=1, prompt_states=prompt_states
    )


QUESTION = [SystemMessage(PROMPT), HumanMessage("how many cans of cola are left?")]


def _warm_and_answer(prompt_states: Path) -> tuple[Path, AIMessage]:
    """Prefill the prompt into ``prompt_states`` and answer ``QUESTION`` with that instance."""
    first = _local(prompt_states)
    first.prefill([SystemMessage(PROMPT), HumanMessage("hello")], [StockLevel])
    [directory] = prompt_states.iterdir()
    assert len(_files(directory)) == 2  # one state and its tokens
    expected = first.bind_tools([StockLevel]).invoke(QUESTION)
    assert isinstance(expected, AIMessage) and expected.tool_calls
    return directory, expected


@pytest.mark.llm
def test_a_new_process_restores_the_warm_up_from_disk_and_answers_the_same(
    tmp_path: Path,
) -> None:
    directory, expected = _warm_and_answer(tmp_path)
    second = _local(tmp_path)  # another instance: nothing evaluated yet
    cache = second.llama.cache
    assert isinstance(cache, PromptStateCache) and len(cache.ram.cache_state) == 0
    answer = second.bind_tools([StockLevel]).invoke(QUESTION)
    [tokens_file] = directory.glob("*.tokens.npy")
    # Read from disk, not evaluated:
    assert tuple(np.load(tokens_file).tolist()) in cache.ram.cache_state
    assert isinstance(answer, AIMessage)
    assert answer.tool_calls[0]["name"] == "StockLevel"
    assert [c["args"] for c in answer.tool_calls] == [c["args"] for c in expected.tool_calls]
    for state in cache.ram.cache_state.values():  # lean: the KV and the tokens, no logits
        assert state.scores.size == 0 and state.llama_state_size < 20 << 20


@pytest.mark.llm
def test_a_state_llama_cpp_refuses_is_dropped_and_the_prompt_evaluated(tmp_path: Path) -> None:
    directory, expected = _warm_and_answer(tmp_path)
    [state_file] = directory.glob("*.state.npz")
    with np.load(state_file) as data:  # a well-formed file whose KV bytes are not a state
        fields = {name: data[name] for name in data.files}
    fields["state"] = np.frombuffer(b"not a llama.cpp state" * 100, dtype=np.uint8)
    np.savez(state_file, **fields)

    second = _local(tmp_path)
    answer = second.bind_tools([StockLevel]).invoke(QUESTION)
    assert isinstance(answer, AIMessage)
    assert [c["args"] for c in answer.tool_calls] == [c["args"] for c in expected.tool_calls]
    assert _files(directory) == []  # dropped for good, not tried again by the next process


def test_the_local_models_warm_up_prefills_each_agents_prompt() -> None:
    """Without a model file: ``prefill`` is what the warm-up calls on the local model."""

    class Recorder(LlamaCppChatModel):
        def prefill(self, messages: list[BaseMessage], tools: Sequence[ToolLike]) -> None:
            seen.append((messages[0].text, messages[-1].text))

    seen: list[tuple[str, str]] = []
    warm_prompts(lambda: Recorder(gguf_path=Path("/nonexistent.gguf")))
    assert seen == [(prompt, "hello") for prompt, _ in agent_prompts()]


@pytest.mark.llm
def test_a_second_load_asking_for_other_caches_is_told_in_the_log(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The weights are loaded once per file, context and threads, with the first caller's
    prompt caches; a caller asking for others shares that copy and the log says so."""
    try:
        path = model_path(SMALL_MODEL)
    except ModelMissing as missing:
        pytest.skip(str(missing))
    unload_model(path, SMALL_CTX, 1)
    try:
        first = load_model(path, SMALL_CTX, 1, prompt_states=tmp_path)
        with caplog.at_level("WARNING", logger="agents.llm.loader"):
            assert load_model(path, SMALL_CTX, 1, prompt_states=tmp_path) is first
            assert not caplog.records
            assert load_model(path, SMALL_CTX, 1, prompt_cache_mb=0) is first
            assert load_model(path, SMALL_CTX, 1, prompt_cache_mb=0) is first  # told once
        [record] = caplog.records
        assert "ignored" in record.getMessage() and str(tmp_path) in record.getMessage()
    finally:
        unload_model(path, SMALL_CTX, 1)
