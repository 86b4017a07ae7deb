"""Pushing messages to open web chat sessions: one Redis subscriber thread per process.

A staff reply (or any outbound message of a web conversation) is published on the
conversation's topic (``channels.outbound.conversation_topic``), possibly by another process.
Each API process runs one pattern subscription and hands every frame to the sessions of that
conversation it holds, so 200 open chats cost one Redis connection, not 200.

The subscription lives in a daemon thread with the synchronous client, not in an asyncio task:
it outlives any one event loop (a test client starts one per connection) and never has to be
cancelled, which redis-py's asyncio pub/sub did not always survive (a cancelled listener hung
the loop's shutdown). Frames cross into each session's loop with ``call_soon_threadsafe``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
import time
from collections import defaultdict
from typing import Any

from redis import Redis

from channels.outbound import conversation_topic

log = logging.getLogger(__name__)
Frame = dict[str, Any]
PATTERN = conversation_topic(0).removesuffix("0") + "*"
_Subscriber = tuple[asyncio.AbstractEventLoop, "asyncio.Queue[Frame]"]


class LiveHub:
    def __init__(self, redis_url: str) -> None:
        self._redis_url = redis_url
        self._subscribers: dict[int, set[_Subscriber]] = defaultdict(set)
        self._lock = threading.Lock()
        self._listening = threading.Event()
        self._thread: threading.Thread | None = None

    async def subscribe(self, conversation_id: int) -> asyncio.Queue[Frame]:
        """A queue that receives every frame published for the conversation from now on."""
        self._start()
        if not self._listening.is_set():  # only the first session waits for the subscription
            await asyncio.to_thread(self._listening.wait, 5.0)
        queue: asyncio.Queue[Frame] = asyncio.Queue(maxsize=100)
        with self._lock:
            self._subscribers[conversation_id].add((asyncio.get_running_loop(), queue))
        return queue

    def unsubscribe(self, conversation_id: int, queue: asyncio.Queue[Frame]) -> None:
        with self._lock:
            subscribers = self._subscribers.get(conversation_id)
            if subscribers is None:
                return
            for subscriber in [s for s in subscribers if s[1] is queue]:
                subscribers.discard(subscriber)
            if not subscribers:
                del self._subscribers[conversation_id]

    def _start(self) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._listen, name="live-hub", daemon=True)
                self._thread.start()

    def _listen(self) -> None:
        backoff = 1.0
        while True:
            try:
                client = Redis.from_url(self._redis_url)
                pubsub = client.pubsub(ignore_subscribe_messages=True)  # type: ignore[no-untyped-call]
                pubsub.psubscribe(PATTERN)
                pubsub.get_message(timeout=1.0)  # the subscription's confirmation
                self._listening.set()
                backoff = 1.0
                for message in pubsub.listen():
                    if message.get("type") == "pmessage":
                        self._dispatch(message["channel"], message["data"])
            except Exception as error:  # Redis went away: say so, wait, subscribe again
                self._listening.clear()
                log.warning("live hub lost Redis (%s); retrying in %.0f s", error, backoff)
                time.sleep(backoff)
                backoff = min(backoff * 2, 30.0)

    def _dispatch(self, channel: bytes | str, data: bytes | str) -> None:
        name = channel.decode() if isinstance(channel, bytes) else channel
        try:
            conversation_id = int(name.rsplit(":", 1)[1])
            frame = json.loads(data)
        except (ValueError, IndexError):
            log.warning("ignoring a malformed frame on %s", name)
            return
        with self._lock:
            subscribers = list(self._subscribers.get(conversation_id, ()))
        for loop, queue in subscribers:
            with contextlib.suppress(RuntimeError):  # that session's loop has closed
                loop.call_soon_threadsafe(_offer, queue, frame)


def _offer(queue: asyncio.Queue[Frame], frame: Frame) -> None:
    with contextlib.suppress(asyncio.QueueFull):  # a stalled client loses live frames, not
        queue.put_nowait(frame)  # the history (it is reloaded on reconnect)


_HUBS: dict[str, LiveHub] = {}
_HUBS_LOCK = threading.Lock()


def live_hub(redis_url: str) -> LiveHub:
    """The process's hub for this Redis."""
    with _HUBS_LOCK:
        hub = _HUBS.get(redis_url)
        if hub is None:
            hub = _HUBS[redis_url] = LiveHub(redis_url)
        return hub
