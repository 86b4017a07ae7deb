"""What a campaign would do (preview) and what it did (report), per segment.

The preview streams the audience page by page, as sending does, and counts: who would get
which channel, who is excluded and why, and a few rendered messages. The report is one
aggregate query: sent (handed to the channel), delivered (Twilio's callbacks on the message),
replied, converted (a booking made in the reply conversation, not cancelled) and its revenue.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, Field
from sqlalchemy import text

from domain.campaigns import Campaign
from domain.conversations import Channel
from tools.base import ToolContext
from tools.reactivation.audience import iter_audience
from tools.reactivation.campaigns import property_of, render
from tools.reactivation.rules import BATCH_SIZE, zone

SAMPLES = 3


class SampleMessage(BaseModel):
    guest_id: int
    channel: Channel
    text: str


class Preview(BaseModel):
    campaign: str
    segment: str
    audience: int  # guests of the segment
    by_channel: dict[str, int] = Field(default_factory=dict)
    excluded: dict[str, int] = Field(default_factory=dict)  # reason -> guests
    by_segment: dict[str, int] = Field(default_factory=dict)  # of those who would be sent to
    samples: list[SampleMessage] = Field(default_factory=list)


def preview_campaign(
    ctx: ToolContext, campaign: Campaign, now: datetime, size: int = BATCH_SIZE
) -> Preview:
    """Counts per channel and per exclusion reason, and sample messages; nothing is written."""
    name, policies, tz = property_of(ctx)
    channels: Counter[str] = Counter()
    excluded: Counter[str] = Counter()
    segments: Counter[str] = Counter()
    samples: list[SampleMessage] = []
    audience = 0
    pages = iter_audience(
        ctx.session, target=campaign.segment or "lapsed", messages=campaign.messages,
        policies=policies, now=now, today=now.astimezone(zone(None, tz)).date(), size=size,
        members=None if campaign.members is None else frozenset(campaign.members),
    )  # fmt: skip
    for page in pages:
        audience += len(page)
        for guest in page:
            if guest.channel is None:
                excluded[guest.reason or "unknown"] += 1
                continue
            channels[guest.channel.value] += 1
            segments[guest.segment] += 1
            if len(samples) < SAMPLES:
                body = render(campaign.messages, guest.channel, guest.name, name,
                              campaign.offer or "")  # fmt: skip
                samples.append(SampleMessage(guest_id=guest.guest_id, channel=guest.channel,
                                             text=body))  # fmt: skip
    return Preview(
        campaign=campaign.name, segment=campaign.segment or "lapsed", audience=audience,
        by_channel=dict(channels), excluded=dict(excluded), by_segment=dict(segments),
        samples=samples,
    )  # fmt: skip


class SegmentResult(BaseModel):
    segment: str
    sent: int
    delivered: int
    replied: int
    converted: int
    revenue: Decimal
    waiting: int  # deferred (quiet hours, rate limit), not sent yet
    opted_out: int  # opted out after the campaign reached them


class CampaignReport(BaseModel):
    campaign: str
    status: str
    segments: list[SegmentResult]
    total: SegmentResult


_REPORT = text(
    """
SELECT coalesce(cm.segment, '-') AS segment,
       count(*) FILTER (WHERE cm.message_id IS NOT NULL) AS sent,
       count(*) FILTER (WHERE m.delivery_status IN ('delivered', 'read')) AS delivered,
       count(*) FILTER (WHERE cm.replied_at IS NOT NULL) AS replied,
       count(*) FILTER (WHERE r.id IS NOT NULL AND r.status <> 'cancelled') AS converted,
       coalesce(sum(r.total_amount) FILTER (WHERE r.status <> 'cancelled'), 0) AS revenue,
       count(*) FILTER (WHERE cm.message_id IS NULL AND cm.status = 'queued') AS waiting,
       count(*) FILTER (WHERE g.opted_out_at IS NOT NULL AND cm.sent_at IS NOT NULL
                        AND g.opted_out_at >= cm.sent_at) AS opted_out
FROM campaign_messages cm
JOIN guests g ON g.id = cm.guest_id
LEFT JOIN messages m ON m.id = cm.message_id
LEFT JOIN room_reservations r ON r.id = cm.converted_reservation_id
WHERE cm.campaign_id = :campaign
GROUP BY 1
ORDER BY 1
"""
)


def campaign_report(ctx: ToolContext, campaign: Campaign) -> CampaignReport:
    rows = ctx.session.execute(_REPORT, {"campaign": campaign.id}).mappings().all()
    segments = [SegmentResult.model_validate(dict(row)) for row in rows]
    fields = ("sent", "delivered", "replied", "converted", "waiting", "opted_out")
    total = SegmentResult(
        segment="all",
        revenue=sum((s.revenue for s in segments), Decimal(0)),
        **{f: sum(getattr(s, f) for s in segments) for f in fields},
    )
    return CampaignReport(
        campaign=campaign.name, status=campaign.status.value, segments=segments, total=total
    )
