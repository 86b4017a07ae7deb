"""Running the channel jobs: a dramatiq ``Worker`` (threads) in this process.

``run_worker`` blocks (``buffr worker``) until SIGINT/SIGTERM; ``start_embedded_worker``
returns a handle whose ``stop()`` ends it (threads inside ``buffr serve``, and tests). Both
make the services the process-wide "current services" the jobs run with, and start a sweep
that every ~30 s queues what might have been forgotten: pending staff notifications,
SMS/WhatsApp messages still queued minutes after they were written (a crash between the
write and the enqueue), and Arcade actions waiting for a staff member's authorization. One
worker of the deployment sweeps at a time (a Redis lock).
"""

from __future__ import annotations

import logging
import signal
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from dramatiq import Worker
from sqlalchemy import select

from channels.context import key, set_current_services
from channels.queue import (
    DELIVER_MESSAGE,
    NOTIFY_STAFF,
    RESUME_ARCADE_ACTION,
    SALES_FOLLOW_UPS,
    JobQueue,
    RetryPolicy,
    get_queue,
)
from domain.conversations import Channel, DeliveryStatus, Direction, Message
from domain.ops import Notification, NotificationStatus
from tools.arcade.resume import due_actions as due_arcade_actions
from tools.sales.follow_ups import properties_with_due

if TYPE_CHECKING:
    from api.services import Services

log = logging.getLogger(__name__)

SWEEP_SECONDS = 30.0
STUCK_AFTER = timedelta(minutes=5)  # a queued message older than this lost its job
STUCK_UNTIL = timedelta(days=1)  # older ones are not worth sending any more


@dataclass(eq=False)
class WorkerHandle:
    """A running in-process worker."""

    services: Services
    queue: JobQueue
    worker: Worker
    sweeper: threading.Thread | None
    _stopping: threading.Event = field(default_factory=threading.Event)

    def drain(self, timeout: float = 30.0) -> None:
        """Wait until no job is queued, waiting for a retry or running (tests)."""
        self.queue.join(timeout_ms=int(timeout * 1000))
        self.worker.join()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        self.worker.stop(timeout=int(timeout * 1000))
        # Worker.start added a middleware that would hand it queues declared later.
        self.queue.broker.middleware[:] = [
            m for m in self.queue.broker.middleware if getattr(m, "worker", None) is not self.worker
        ]
        if self.sweeper is not None:
            self.sweeper.join(timeout)
        with _running_lock:
            if self in _running:
                _running.remove(self)
            if not _running:
                set_current_services(None)


_running: list[WorkerHandle] = []
_running_lock = threading.Lock()


def start_embedded_worker(
    services: Services,
    threads: int = 2,
    *,
    retry: RetryPolicy | None = None,
    sweep_seconds: float | None = SWEEP_SECONDS,
    worker_timeout_ms: int = 1000,
) -> WorkerHandle:
    """Start a worker of ``threads`` threads in this process; ``.stop()`` ends it. ``retry``
    replaces the retry policy (tests use short backoffs); ``sweep_seconds=None``: no sweep."""
    set_current_services(services)
    queue = get_queue(services)
    if retry is not None:
        queue.set_retry(retry)
    worker = Worker(queue.broker, worker_threads=threads, worker_timeout=worker_timeout_ms)
    worker.start()
    handle = WorkerHandle(services, queue, worker, None)
    with _running_lock:
        _running.append(handle)
    if sweep_seconds:
        handle.sweeper = threading.Thread(
            target=_sweep_loop, args=(handle, sweep_seconds), name="channels-sweep", daemon=True
        )
        handle.sweeper.start()
    return handle


def run_worker(services: Services, threads: int = 4) -> None:
    """Run the worker until SIGINT or SIGTERM (``buffr worker``)."""
    stop = threading.Event()

    def on_signal(signum: int, frame: Any) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    handle = start_embedded_worker(services, threads)
    log.info("Channel worker running with %d threads", threads)
    try:
        while not stop.wait(1.0):
            pass
    finally:
        handle.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _sweep_loop(handle: WorkerHandle, every: float) -> None:
    while not handle._stopping.wait(every):
        try:
            sweep(handle.services)
        except Exception:  # the sweep must outlive a database or Redis hiccup
            log.exception("Channel sweep failed")


def sweep(services: Services, now: datetime | None = None) -> int:
    """Queue pending notifications and long-queued messages; returns the jobs queued. Skipped
    (0) when another worker swept within the period."""
    if not services.redis.set(key(services, "sweep"), "1", nx=True, ex=int(SWEEP_SECONDS) - 2):
        return 0
    now = now or datetime.now(UTC)
    with services.db.owner() as session:  # every property's rows: the owner role
        properties = session.scalars(
            select(Notification.property_id)
            .where(Notification.status == NotificationStatus.PENDING)
            .distinct()
        ).all()
        stuck = session.execute(
            select(Message.property_id, Message.id).where(
                Message.direction == Direction.OUTBOUND,
                Message.delivery_status == DeliveryStatus.QUEUED,
                Message.channel.in_((Channel.SMS, Channel.WHATSAPP)),
                Message.created_at < now - STUCK_AFTER,
                Message.created_at > now - STUCK_UNTIL,
            )
        ).all()
        # Arcade actions waiting for a staff member's authorization: ask Arcade again.
        arcade = due_arcade_actions(session, now) if services.runtime.arcade is not None else []
        follow_ups = properties_with_due(session, now)  # sales follow-ups after a proposal
    queue = get_queue(services)
    for property_id in properties:
        queue.send(NOTIFY_STAFF, property_id, {})
    for property_id, message_id in stuck:
        queue.send(DELIVER_MESSAGE, property_id, {"message_id": message_id})
    for property_id, action_id in arcade:
        queue.send(RESUME_ARCADE_ACTION, property_id, {"action_id": action_id})
    for property_id in follow_ups:
        queue.send(SALES_FOLLOW_UPS, property_id, {"now": now.isoformat()})
    return len(properties) + len(stuck) + len(arcade) + len(follow_ups)
