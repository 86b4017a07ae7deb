"""Sending a campaign: exactly once per guest, in batches, deferred (never dropped) by quiet
hours and rate limits, delivered through the channels' own outbound path.

Two steps, both safe to run any number of times:

1. :func:`send_batch` reads one keyset page of the audience and writes one ``campaign_messages``
   row per eligible guest with ``INSERT ... ON CONFLICT (campaign_id, guest_id) DO NOTHING``:
   the unique key is the guarantee that a retried job, a second ``buffr campaign send`` or two
   workers at once never message a guest twice. Each row carries when it may go out (the end
   of the quiet hours where the guest is, or now).
2. :func:`release_due` takes rows whose time has come (``FOR UPDATE SKIP LOCKED``, so two
   releases never take the same row), as many per channel as its rate limit allows this
   minute, writes each as a queued outbound message in the guest's conversation, and returns
   them for ``deliver_message``: the same job, 24-hour-window template rule, opt-out check and
   status callbacks as every other outbound message.

The ``send_campaign`` job runs one batch, releases what is due and queues the next batch; the
``release_campaigns`` job releases deferred rows and queues itself again for when more are due.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Table, bindparam, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from channels.context import key
from channels.queue import (
    DELIVER_MESSAGE,
    RELEASE_CAMPAIGNS,
    SEND_CAMPAIGN,
    enqueue,
    get_queue,
)
from domain.campaigns import Campaign, CampaignMessage, CampaignStatus
from domain.conversations import (
    Author,
    Channel,
    Conversation,
    ConversationStatus,
    DeliveryStatus,
    Direction,
    Message,
)
from domain.guests import Guest
from domain.property import Property
from tools.reactivation.audience import audience_page, median_spend
from tools.reactivation.campaigns import render
from tools.reactivation.rules import BATCH_SIZE, CampaignRules, rules_of, send_after, zone

if TYPE_CHECKING:
    from api.services import Services

_CAMPAIGN_MESSAGES = cast(Table, CampaignMessage.__table__)
_CONVERSATIONS = cast(Table, Conversation.__table__)
_MESSAGES = cast(Table, Message.__table__)
RELEASE_LIMIT = 1000  # rows one release looks at
NEXT_RELEASE_MAX = timedelta(hours=1)  # a deferred row is looked at again at least this often


@dataclass
class BatchResult:
    read_until: int | None  # the last guest id read; None: the audience is exhausted
    audience: int = 0  # guests of the segment in this page
    written: int = 0  # new campaign messages (the rest were written by an earlier run)
    deferred: int = 0  # of the new ones, waiting for the end of the quiet hours
    skipped: Counter[str] = field(default_factory=Counter)  # reason -> guests


def send_batch(services: Services, property_id: int, campaign_id: int, after: int,
               now: datetime | None = None, size: int = BATCH_SIZE) -> BatchResult:  # fmt: skip
    """Write the campaign messages of the guests after id ``after`` (one page)."""
    now = now or datetime.now(UTC)
    with services.db.tenant(property_id) as session:
        campaign = session.get(Campaign, campaign_id, with_for_update=False)
        if campaign is None or campaign.status is CampaignStatus.CANCELLED:
            return BatchResult(read_until=None)
        policies, tz = session.execute(
            select(Property.policies, Property.timezone).where(Property.id == property_id)
        ).one()
        rules = rules_of(policies)
        today = now.astimezone(zone(None, tz)).date()
        page, last = audience_page(
            session, target=campaign.segment or "lapsed", messages=campaign.messages,
            policies=policies, now=now, today=today, median=median_spend(session, today),
            after=after, size=size, members=_members(campaign),
        )  # fmt: skip
        result = BatchResult(read_until=last, audience=len(page))
        rows = []
        for guest in page:
            if guest.channel is None:
                result.skipped[guest.reason or "unknown"] += 1
                continue
            rows.append({
                "property_id": property_id, "campaign_id": campaign_id,
                "guest_id": guest.guest_id, "channel": guest.channel, "segment": guest.segment,
                "status": DeliveryStatus.QUEUED,
                "send_after": send_after(now, zone(guest.timezone, tz), rules),
            })  # fmt: skip
        if rows:
            # Core executemany (insertmanyvalues), not one multi-VALUES statement: compiling a
            # 500-row VALUES cost more than the whole round trip (measured with cProfile).
            written = (
                session.execute(
                    pg_insert(_CAMPAIGN_MESSAGES)
                    .on_conflict_do_nothing(index_elements=["campaign_id", "guest_id"])
                    .returning(_CAMPAIGN_MESSAGES.c.send_after),
                    rows,
                )
                .scalars()
                .all()
            )
            result.written = len(written)
            result.deferred = sum(1 for at in written if at is not None and at > now)
        campaign.status = CampaignStatus.SENDING if last is not None else CampaignStatus.SENT
    return result


def take_tokens(services: Services, property_id: int, channel: Channel, wanted: int,
                per_minute: int) -> int:  # fmt: skip
    """Up to ``wanted`` sends of ``channel`` this minute under the property's limit (a counter
    per minute in Redis, shared by every worker)."""
    if wanted <= 0:
        return 0
    minute = int(time.time() // 60)
    counter = key(services, "campaign-rate", property_id, channel.value, minute)
    used = int(services.redis.incrby(counter, wanted))
    services.redis.expire(counter, 120)
    granted = max(0, min(wanted, per_minute - (used - wanted)))
    if granted < wanted:
        services.redis.decrby(counter, wanted - granted)
    return granted


def release_due(services: Services, property_id: int, now: datetime | None = None,
                limit: int = RELEASE_LIMIT) -> list[int]:  # fmt: skip
    """Turn due campaign messages into queued outbound messages; their ids, to deliver."""
    now = now or datetime.now(UTC)
    with services.db.tenant(property_id) as session:
        name, policies = session.execute(
            select(Property.name, Property.policies).where(Property.id == property_id)
        ).one()
        rules = rules_of(policies)
        due = session.execute(
            select(CampaignMessage, Guest.name, Guest.opted_out_at, Campaign.messages,
                   Campaign.offer, Campaign.status)
            .join(Guest, Guest.id == CampaignMessage.guest_id)
            .join(Campaign, Campaign.id == CampaignMessage.campaign_id)
            .where(CampaignMessage.message_id.is_(None),
                   CampaignMessage.status == DeliveryStatus.QUEUED,
                   CampaignMessage.send_after <= now)
            .order_by(CampaignMessage.send_after, CampaignMessage.id)
            .limit(limit)
            .with_for_update(of=CampaignMessage, skip_locked=True)
        ).all()  # fmt: skip
        allowed = _allowance(services, property_id, rules, Counter(r[0].channel for r in due))
        chosen = []
        for row, guest_name, opted_out_at, messages, offer, status in due:
            if opted_out_at is not None or status is CampaignStatus.CANCELLED:
                row.status = DeliveryStatus.FAILED  # opted out (or cancelled) since: never sent
            elif allowed[row.channel] > 0:
                allowed[row.channel] -= 1
                body = render(messages, row.channel, guest_name, str(name), offer or "")
                chosen.append((row, body))
        return _write_messages(session, property_id, chosen, now)


def _allowance(services: Services, property_id: int, rules: CampaignRules,
               wanted: Counter[Channel]) -> Counter[Channel]:  # fmt: skip
    return Counter({
        channel: take_tokens(services, property_id, channel, count,
                             rules.rate_per_minute.get(channel.value, 60))
        for channel, count in wanted.items()
    })  # fmt: skip


def _write_messages(
    session: Session, property_id: int, chosen: list[tuple[CampaignMessage, str]], now: datetime
) -> list[int]:
    if not chosen:
        return []
    threads = {f"guest:{row.guest_id}": row for row, _ in chosen}
    conversation_rows = [
        {"property_id": property_id, "thread_key": thread, "guest_id": row.guest_id,
         "last_channel": row.channel, "status": ConversationStatus.OPEN}
        for thread, row in threads.items()
    ]  # fmt: skip
    session.execute(
        pg_insert(_CONVERSATIONS).on_conflict_do_nothing(
            index_elements=["property_id", "thread_key"]
        ),
        conversation_rows,
    )
    conversation_of: dict[str, int] = {
        thread: conversation_id
        for thread, conversation_id in session.execute(
            select(Conversation.thread_key, Conversation.id).where(
                Conversation.thread_key.in_(threads)
            )
        )
    }
    rows = [
        {
            "property_id": property_id,
            "conversation_id": conversation_of[f"guest:{row.guest_id}"],
            "channel": row.channel,
            "direction": Direction.OUTBOUND,
            "author": Author.AGENT,
            "body": body,
            "delivery_status": DeliveryStatus.QUEUED,
        }
        for row, body in chosen
    ]
    ids = (
        session.execute(
            insert(_MESSAGES).returning(_MESSAGES.c.id, sort_by_parameter_order=True), rows
        )
        .scalars()
        .all()
    )
    session.execute(
        update(_CAMPAIGN_MESSAGES)
        .where(_CAMPAIGN_MESSAGES.c.id == bindparam("row_id"))
        .values(message_id=bindparam("new_message_id"), status=DeliveryStatus.SENT, sent_at=now),
        [
            {"row_id": row.id, "new_message_id": message_id}
            for (row, _), message_id in zip(chosen, ids, strict=True)
        ],
    )
    return [int(i) for i in ids]


def next_due(services: Services, property_id: int) -> datetime | None:
    """When the next deferred campaign message of the property is due, if any."""
    with services.db.tenant(property_id) as session:
        found: datetime | None = session.scalar(
            select(func.min(CampaignMessage.send_after)).where(
                CampaignMessage.message_id.is_(None),
                CampaignMessage.status == DeliveryStatus.QUEUED,
            )
        )
    return found


def deliver(services: Services, property_id: int, message_ids: list[int]) -> None:
    for message_id in message_ids:
        enqueue(services, DELIVER_MESSAGE, property_id, {"message_id": message_id})


# -- the jobs ---------------------------------------------------------------------------------


def send_campaign_job(services: Services, property_id: int, payload: dict[str, Any]) -> None:
    """One batch of a campaign, what is due released, and the next batch queued."""
    campaign_id, after = int(payload["campaign_id"]), int(payload.get("after", 0))
    result = send_batch(services, property_id, campaign_id, after)
    deliver(services, property_id, release_due(services, property_id))
    if result.read_until is not None:
        payload = {"campaign_id": campaign_id, "after": result.read_until}
        enqueue(services, SEND_CAMPAIGN, property_id, payload)
    else:
        schedule_release(services, property_id)


def release_job(services: Services, property_id: int, payload: dict[str, Any]) -> None:
    """Release deferred campaign messages that are due, then come back for the rest."""
    deliver(services, property_id, release_due(services, property_id))
    schedule_release(services, property_id)


def schedule_release(services: Services, property_id: int) -> None:
    """Queue ``release_campaigns`` for when the next deferred message is due (a minute at the
    earliest: a rate-limited row waits for the next minute)."""
    due = next_due(services, property_id)
    if due is None:
        return
    wait = min(max(due - datetime.now(UTC), timedelta(minutes=1)), NEXT_RELEASE_MAX)
    when = int(due.timestamp()) // 60  # one queued release per property and minute
    if not services.redis.set(key(services, "campaign-release", property_id, when), "1",
                              nx=True, ex=int(wait.total_seconds()) + 120):  # fmt: skip
        return
    actor = get_queue(services).actors[RELEASE_CAMPAIGNS]
    actor.send_with_options(args=(property_id, {}), delay=int(wait.total_seconds() * 1000))


def queue_send(
    services: Services, property_id: int, campaign_id: int, when: datetime | None = None
) -> None:
    """Queue the campaign's first batch for the worker, now or at ``when`` (a delayed job;
    the campaign is marked scheduled until its first batch runs)."""
    payload = {"campaign_id": campaign_id, "after": 0}
    if when is None:
        enqueue(services, SEND_CAMPAIGN, property_id, payload)
        return
    with services.db.tenant(property_id) as session:
        session.execute(
            update(Campaign)
            .where(Campaign.id == campaign_id)
            .values(status=CampaignStatus.SCHEDULED, scheduled_at=when)
        )
    delay = max(int((when - datetime.now(UTC)).total_seconds() * 1000), 0)
    get_queue(services).actors[SEND_CAMPAIGN].send_with_options(
        args=(property_id, payload), delay=delay
    )


def _members(campaign: Campaign) -> frozenset[int] | None:
    """A KMeans segment's guests (frozen on the campaign), or None for a rule target."""
    return frozenset(campaign.members) if campaign.members is not None else None
