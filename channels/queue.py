"""The background job queue: dramatiq on Redis.

Why dramatiq: retries with exponential backoff (the ``Retries`` middleware), dead-lettering of
messages that exhausted them, delayed messages and a thread-pool ``Worker`` that can run inside
another process (``buffr serve``, a test) are all built in, on the Redis the platform already
runs; Celery would bring a much larger surface for the same, RQ has no in-process worker
threads, and a hand-rolled loop would re-implement acks, requeues after a crash and backoff.

Dramatiq declares actors on a broker, by default a global one built at import time from the
environment. Here nothing is global: :func:`get_queue` builds one broker per Redis namespace
(see ``channels.context``) the first time it is needed, with its middleware, and declares the
jobs of ``channels.jobs`` against it. A process enqueues through it and a worker consumes it.

Failures: a :class:`~channels.errors.PermanentError` (Twilio's 4xx, no WhatsApp template) is
not retried; anything else (Twilio 5xx, network, a database hiccup) is retried with
exponential backoff. When a job gives up, :class:`DeadLetters` writes it to the
``dead_letters`` table of its property, and the job's own ``on_dead`` marks its record failed.
"""

from __future__ import annotations

import logging
import threading
import traceback
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from dramatiq.middleware import Middleware, Retries

from channels.context import current_services, namespace
from channels.errors import PermanentError

if TYPE_CHECKING:
    from api.services import Services
    from channels.jobs import JobSpec

log = logging.getLogger(__name__)

QUEUE_NAME = "channels"
# The jobs (see ``channels.jobs``); every job takes (property_id, payload).
HANDLE_INBOUND = "handle_inbound"
DELIVER_MESSAGE = "deliver_message"
NOTIFY_STAFF = "notify_staff"
SEND_NOTIFICATION = "send_notification"
SALES_FOLLOW_UPS = "sales_follow_ups"
SEND_CAMPAIGN = "send_campaign"
RELEASE_CAMPAIGNS = "release_campaigns"
RESUME_ARCADE_ACTION = "resume_arcade_action"


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently a failing job is retried (backoff doubles each time, with
    jitter, from ``min_backoff_ms`` up to ``max_backoff_ms``)."""

    max_retries: int = 6
    min_backoff_ms: int = 2_000
    max_backoff_ms: int = 10 * 60 * 1000


class JobQueue:
    """One dramatiq broker and the channel jobs declared on it."""

    def __init__(self, redis_url: str, redis_namespace: str, retry: RetryPolicy) -> None:
        from channels.jobs import JOBS

        self.namespace = redis_namespace
        self.broker = RedisBroker(url=redis_url, namespace=redis_namespace)  # type: ignore[no-untyped-call]
        self.retries = next(m for m in self.broker.middleware if isinstance(m, Retries))
        # "after" hooks run in reverse order: inserted before Retries, DeadLetters sees the
        # message once Retries has decided whether it failed for good.
        self.broker.add_middleware(DeadLetters(), before=Retries)
        self.set_retry(retry)
        self.actors: dict[str, dramatiq.Actor[[int, dict[str, Any]], None]] = {
            name: dramatiq.Actor(
                _runner(spec),
                broker=self.broker,
                actor_name=name,
                queue_name=QUEUE_NAME,
                priority=spec.priority,
                options={"throws": (PermanentError,), "time_limit": spec.time_limit_ms},
            )
            for name, spec in JOBS.items()
        }

    def set_retry(self, retry: RetryPolicy) -> None:
        self.retries.max_retries = retry.max_retries
        self.retries.min_backoff = retry.min_backoff_ms
        self.retries.max_backoff = retry.max_backoff_ms

    def send(self, job: str, property_id: int, payload: dict[str, Any]) -> None:
        self.actors[job].send(property_id, payload)

    def join(self, timeout_ms: int | None = None) -> None:
        """Wait until no job is queued, delayed for a retry or in progress (tests)."""
        self.broker.join(QUEUE_NAME, timeout=timeout_ms)

    def close(self) -> None:
        self.broker.close()


_queues: dict[str, JobQueue] = {}
_queues_lock = threading.Lock()


def get_queue(services: Services) -> JobQueue:
    """The job queue of these services' Redis namespace, built on first use."""
    name = namespace(services)
    with _queues_lock:
        queue = _queues.get(name)
        if queue is None:
            queue = JobQueue(services.endpoints.redis_url, name, RetryPolicy())
            _queues[name] = queue
        return queue


def enqueue(services: Services, job: str, property_id: int, payload: dict[str, Any]) -> None:
    """Queue the background job ``job`` (a name of ``channels.jobs.JOBS``)."""
    get_queue(services).send(job, property_id, payload)


def _runner(spec: JobSpec) -> Any:
    def run(property_id: int, payload: dict[str, Any]) -> None:
        spec.run(current_services(), property_id, payload)

    run.__name__ = run.__qualname__ = spec.name
    run.__module__ = __name__
    return run


class DeadLetters(Middleware):
    """Writes a job that failed for good to its property's ``dead_letters`` table."""

    def after_process_message(
        self,
        broker: dramatiq.Broker,
        message: Any,
        *,
        result: Any = None,
        exception: BaseException | None = None,
    ) -> None:
        if exception is None or not getattr(message, "failed", False):
            return
        from channels.deadletters import record_dead_letter
        from channels.jobs import JOBS

        spec = JOBS.get(message.actor_name)
        if spec is None:
            return
        property_id, payload = message.args
        retries = int(message.options.get("retries", 0))
        # Retries counts a retried failure before giving up, not a permanent one.
        attempts = retries + 1 if isinstance(exception, PermanentError) else max(retries, 1)
        error = "".join(traceback.format_exception_only(type(exception), exception)).strip()
        try:
            services = current_services()
            record_dead_letter(services, property_id, spec.name, spec.key(payload), payload,
                               error, attempts)  # fmt: skip
            if spec.on_dead is not None:
                spec.on_dead(services, property_id, payload, error)
        except Exception:  # never let bookkeeping crash the worker thread
            log.exception("Could not record the dead letter of %s %r", spec.name, payload)
