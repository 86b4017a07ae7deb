"""A checkpointer that writes through the current turn's own database connection.

The graph is compiled once per process (compiling inspects every node and costs milliseconds),
but each turn's checkpoint must go through that turn's transaction, so that tool writes, the
transcript and the checkpoint commit together. ``TurnSaver`` is the compiled graph's
checkpointer; it delegates every call to the ``LatestCheckpointSaver`` bound with
``using(...)``.

Each thread keeps only its latest checkpoint. LangGraph's saver keeps every one, and reading
the latest costs time in proportion to the thread's history: its query hash-joins all of the
thread's blobs (measured: 0.5 ms after 100 turns, 2.0 ms after 1,000, in ``buffr bench turn``),
and a staff member's thread sees thousands of turns. Nothing here reads older checkpoints (no
time travel, no state history), so the saver prunes them in the statement that saves the new
one: no extra round trip, same transaction. (The library's own ``ShallowPostgresSaver`` kept
only the latest too, but it is deprecated in favour of exactly this saver with
``durability="exit"``, and has a schema of its own.)
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import (
    BaseCheckpointSaver,
    ChannelVersions,
    Checkpoint,
    CheckpointMetadata,
    CheckpointTuple,
)
from langgraph.checkpoint.postgres import PostgresSaver
from psycopg import Connection

# The library's upsert of the new checkpoint (same six parameters, same order), followed in
# the same statement by deleting the thread's older checkpoints, their pending writes, and the
# blobs the new checkpoint no longer references (a channel's value lives in the blob of the
# version named in ``channel_versions``; unchanged channels keep pointing at older blobs, which
# stay). Sub-statements of one statement share a snapshot: the deletes see every earlier row
# but not the one inserted here, which the ``<>`` conditions spare anyway.
SAVE_AND_PRUNE_SQL = """
WITH saved AS (
    INSERT INTO checkpoints
        (thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, checkpoint, metadata)
    VALUES (%s, %s, %s, %s, %s, %s)
    ON CONFLICT (thread_id, checkpoint_ns, checkpoint_id)
    DO UPDATE SET checkpoint = EXCLUDED.checkpoint, metadata = EXCLUDED.metadata
    RETURNING thread_id, checkpoint_ns, checkpoint_id, checkpoint
), older_checkpoints AS (
    DELETE FROM checkpoints c USING saved s
    WHERE c.thread_id = s.thread_id AND c.checkpoint_ns = s.checkpoint_ns
      AND c.checkpoint_id <> s.checkpoint_id
), older_writes AS (
    DELETE FROM checkpoint_writes w USING saved s
    WHERE w.thread_id = s.thread_id AND w.checkpoint_ns = s.checkpoint_ns
      AND w.checkpoint_id <> s.checkpoint_id
)
DELETE FROM checkpoint_blobs b USING saved s
WHERE b.thread_id = s.thread_id AND b.checkpoint_ns = s.checkpoint_ns
  AND NOT (s.checkpoint -> 'channel_versions') @> jsonb_build_object(b.channel, b.version)
"""


class LatestCheckpointSaver(PostgresSaver):
    """``PostgresSaver`` that keeps only each thread's latest checkpoint (see the module)."""

    UPSERT_CHECKPOINTS_SQL = SAVE_AND_PRUNE_SQL


_current: ContextVar[PostgresSaver | None] = ContextVar("buffr_turn_saver", default=None)


class TurnSaver(BaseCheckpointSaver[str]):
    @contextmanager
    def using(self, connection: Connection[Any]) -> Iterator[PostgresSaver]:
        saver = LatestCheckpointSaver(connection)
        token = _current.set(saver)
        try:
            yield saver
        finally:
            _current.reset(token)

    @staticmethod
    def _saver() -> PostgresSaver:
        saver = _current.get()
        if saver is None:
            raise RuntimeError("no turn connection bound: use TurnSaver.using(connection)")
        return saver

    def get_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        return self._saver().get_tuple(config)

    def list(
        self,
        config: RunnableConfig | None,
        *,
        filter: dict[str, Any] | None = None,
        before: RunnableConfig | None = None,
        limit: int | None = None,
    ) -> Iterator[CheckpointTuple]:
        return self._saver().list(config, filter=filter, before=before, limit=limit)

    def put(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        return self._saver().put(config, checkpoint, metadata, new_versions)

    def put_writes(
        self,
        config: RunnableConfig,
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str = "",
    ) -> None:
        self._saver().put_writes(config, writes, task_id, task_path)

    def delete_thread(self, thread_id: str) -> None:
        self._saver().delete_thread(thread_id)

    def get_next_version(self, current: str | None, channel: None) -> str:
        return PostgresSaver.get_next_version(self._saver(), current, channel)
