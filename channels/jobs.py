"""The background jobs of the channels, by name: what runs, its idempotency key (the
``dead_letters.job_key``), and what marks its record failed when it dies."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from channels import delivery, inbound, notify
from channels.queue import (
    DELIVER_MESSAGE,
    HANDLE_INBOUND,
    NOTIFY_STAFF,
    RELEASE_CAMPAIGNS,
    RESUME_ARCADE_ACTION,
    SALES_FOLLOW_UPS,
    SEND_CAMPAIGN,
    SEND_NOTIFICATION,
)

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
        # Sales follow-ups due after a proposal (tools.sales.follow_ups): each row is sent once.
        JobSpec(
            SALES_FOLLOW_UPS,
            lambda s, p, payload: _sales().send_due_follow_ups(s, p, payload),
            lambda p: "sales_follow_ups",
            priority=20,
        ),
        # Campaigns (tools.reactivation.sending); each batch is idempotent by its unique key.
        JobSpec(
            SEND_CAMPAIGN,
            lambda s, p, payload: _campaigns().send_campaign_job(s, p, payload),
            lambda p: f"campaign:{p['campaign_id']}:{p.get('after', 0)}",
            priority=20,  # behind guests' own conversations
        ),
        JobSpec(
            RELEASE_CAMPAIGNS,
            lambda s, p, payload: _campaigns().release_job(s, p, payload),
            lambda p: "release_campaigns",
            priority=20,
        ),
        # Arcade actions that waited for a staff member's authorization (tools.arcade.resume).
        JobSpec(
            RESUME_ARCADE_ACTION,
            lambda s, p, payload: _arcade().resume_job(s, p, payload),
            lambda p: f"arcade:{p['action_id']}",
            on_dead=lambda s, p, payload, error: _arcade().mark_failed(s, p, payload, error),
        ),
    )
}


def _campaigns() -> Any:
    """Imported when a campaign job runs: the analytics behind it load numpy and scikit-learn,
    which a worker that never sends a campaign need not."""
    from tools.reactivation import sending

    return sending


def _arcade() -> Any:
    """Imported when an Arcade job runs, like the campaigns."""
    from tools.arcade import resume

    return resume


def _sales() -> Any:
    """Imported when a follow-up job runs, like the campaigns."""
    from tools.sales import follow_ups

    return follow_ups
