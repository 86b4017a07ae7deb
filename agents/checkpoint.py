"""A checkpointer that writes through the current turn's own database connection.

The graph is compiled once per process (compiling inspects every node and costs milliseconds),
but each turn's checkpoint must go through that turn's transaction, so that tool writes, the
transcript and the checkpoint commit together. ``TurnSaver`` is the compiled graph's
checkpointer; it delegates every call to the ``PostgresSaver`` bound with ``using(...)``.
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

_current: ContextVar[PostgresSaver | None] = ContextVar("buffr_turn_saver", default=None)


class TurnSaver(BaseCheckpointSaver[str]):
    @contextmanager
    def using(self, connection: Connection[Any]) -> Iterator[PostgresSaver]:
        saver = PostgresSaver(connection)
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
