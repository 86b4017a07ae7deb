"""The background jobs of the channels, by name: what runs, its idempotency key (the
``dead_letters.job_key``), and what marks its record failed when it dies."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from channels import delivery, inbound, notify
from channels.queue import DELIVER_MESSAGE, HANDLE_INBOUND, NOTIFY_STAFF, SEND_NOTIFICATION

if TYPE_CHECKING:
    from api.services import Services

Payload = dict[str, Any]


@dataclass(frozen=True)
class JobSpec:
    name: str
    run: Callable[[Services, int, Payload], None]
    key: Callable[[Payload], str]
    on_dead: Callable[[Services, int, Payload, str], None] | None = None
    priority: int = 0  # lower runs first
    time_limit_ms: int = 60_000


JOBS: dict[str, JobSpec] = {
    spec.name: spec
    for spec in (
        JobSpec(
            HANDLE_INBOUND,
            inbound.handle_inbound,
            lambda p: f"inbound:{p['channel']}:{p['sid']}",
            time_limit_ms=5 * 60_000,  # a turn on a slow local model
        ),
        JobSpec(
            DELIVER_MESSAGE,
            delivery.deliver_message,
            lambda p: f"deliver:{p['message_id']}",
            on_dead=delivery.mark_failed,
        ),
        JobSpec(NOTIFY_STAFF, notify.notify_staff, lambda p: "notify_staff", priority=10),
        JobSpec(
            SEND_NOTIFICATION,
            notify.send_notification,
            lambda p: f"notification:{p['notification_id']}",
            on_dead=notify.mark_failed,
        ),
    )
}
