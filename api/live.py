"""Pushing messages to open web chat sessions: one Redis subscriber per process.

A staff reply (or any outbound message of a web conversation) is published on the
conversation's topic (``channels.outbound.conversation_topic``), possibly by another process.
Each API process runs one pattern subscription and hands every frame to the sessions of that
conversation it holds, so 200 open chats cost one Redis connection, not 200.

The listener is an asyncio task of the server's loop. A daemon thread with the synchronous
client was tried and measured slower under `buffr bench load` (one guest alone: 42 ms added
instead of 28; p95 at 200 sessions 300-900 ms instead of 75).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import weakref
from collections import defaultdict
from typing import Any

from redis.asyncio import Redis

from channels.outbound import conversation_topic

log = logging.getLogger(__name__)
Frame = dict[str, Any]
PATTERN = conversation_topic(0).removesuffix("0") + "*"


class LiveHub:
    def __init__(self, redis_url: str) -> None:
        self._redis_url = redis_url
        self._queues: dict[int, set[asyncio.Queue[Frame]]] = defaultdict(set)
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()

    async def subscribe(self, conversation_id: int) -> asyncio.Queue[Frame]:
        """A queue that receives every frame published for the conversation from now on."""
        await self._start()
        queue: asyncio.Queue[Frame] = asyncio.Queue(maxsize=100)
        self._queues[conversation_id].add(queue)
        return queue

    def unsubscribe(self, conversation_id: int, queue: asyncio.Queue[Frame]) -> None:
        queues = self._queues.get(conversation_id)
        if queues is not None:
            queues.discard(queue)
            if not queues:
                del self._queues[conversation_id]

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._listen())
        await self._ready.wait()

    async def _listen(self) -> None:
        backoff = 1.0
        while True:
            try:
                client = Redis.from_url(self._redis_url)
                async with client.pubsub(ignore_subscribe_messages=True) as pubsub:
                    await pubsub.psubscribe(PATTERN)
                    self._ready.set()
                    backoff = 1.0
                    while True:
                        # Short reads, and a look at our own cancellation between them: redis-py
                        # can swallow a cancellation inside a read, and a listener that never
                        # ends hangs the event loop's shutdown (seen with the test client).
                        _raise_if_cancelled()
                        message = await pubsub.get_message(timeout=1.0)
                        if message is not None and message.get("type") == "pmessage":
                            self._dispatch(message["channel"], message["data"])
            except Exception as error:  # Redis went away: say so, wait, subscribe again
                _raise_if_cancelled()  # redis-py may turn our cancellation into an error
                log.warning("live hub lost Redis (%s); retrying in %.0f s", error, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 30.0)

    def _dispatch(self, channel: bytes | str, data: bytes | str) -> None:
        name = channel.decode() if isinstance(channel, bytes) else channel
        try:
            conversation_id = int(name.rsplit(":", 1)[1])
            frame = json.loads(data)
        except (ValueError, IndexError):
            log.warning("ignoring a malformed frame on %s", name)
            return
        for queue in list(self._queues.get(conversation_id, ())):
            with contextlib.suppress(asyncio.QueueFull):  # a stalled client loses live frames,
                queue.put_nowait(frame)  # not the history (it is reloaded on reconnect)


def _raise_if_cancelled() -> None:
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


_HUBS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, LiveHub] = weakref.WeakKeyDictionary()


def live_hub(redis_url: str) -> LiveHub:
    """This event loop's hub (a server has one loop; a test client may start several)."""
    loop = asyncio.get_running_loop()
    hub = _HUBS.get(loop)
    if hub is None:
        hub = _HUBS[loop] = LiveHub(redis_url)
    return hub
