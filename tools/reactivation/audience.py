"""Who a campaign reaches: the guests of its segment, streamed in keyset pages, and for each one
the channel it may use or the reason it may not.

Segments here are the per-guest form of the naming rules of :mod:`tools.reactivation.segments`
(recency of the last stay: under ``LAPSE_DAYS`` recent, under a year cooling, else lapsed, and
lapsed big spenders at 1.5 times the property's median spend), so a segment can be computed
for one page of guests at a time: a campaign to 100,000 guests never holds more than one page
in memory. A campaign targets one segment name, ``lapsed`` (no stay for ``LAPSE_DAYS``) or
``all``; or a segment of the KMeans segmentation (``buffr campaign segments``), whose guest ids
are frozen on the campaign when it is created (:func:`cluster_members`): ids only, so 100,000
of them cost a few megabytes.

The sending rules, in order: an opted-out guest is never messaged, nor one without marketing
consent, nor one without a phone number. A guest who writes to us on WhatsApp gets WhatsApp when
its 24-hour window is open or the property has the approved template; otherwise SMS if the
campaign has an SMS text, else nothing (``no_whatsapp_template``).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from channels import templates
from channels.delivery import window_open
from domain.conversations import Channel
from tools.base import ToolError
from tools.reactivation.features import guest_features
from tools.reactivation.propensity import LAPSE_DAYS
from tools.reactivation.segments import LAPSED_DAYS, segment_guests

LAPSED = "lapsed"
ALL = "all"
SEGMENT_NAMES = (
    "Lapsed big spenders",
    "Lapsed guests",
    "Cooling guests",
    "Recent guests",
    "No history yet",
)
TARGETS = (LAPSED, ALL, *SEGMENT_NAMES)
BIG_SPENDER = 1.5  # times the median spend, as in the segment names

# Why a guest of the segment is not sent to (preview and report show these).
OPTED_OUT = "opted_out"
NO_CONSENT = "no_consent"
NO_PHONE = "no_phone"
NO_TEMPLATE = "no_whatsapp_template"
NO_CHANNEL = "no_channel_message"

_PAGE = text(
    """
WITH page AS (
    SELECT g.id, g.name, g.phone, g.timezone, g.marketing_consent,
           g.opted_out_at IS NOT NULL AS opted_out
    FROM guests g
    WHERE g.id > :after
    ORDER BY g.id
    LIMIT :size
),
stays AS (
    SELECT r.guest_id, max(r.check_out) AS last_day, sum(r.total_amount) AS spend
    FROM room_reservations r JOIN page ON page.id = r.guest_id
    WHERE r.status IN ('checked_out', 'checked_in') AND r.check_in < :today
    GROUP BY r.guest_id
)
SELECT page.*, stays.last_day, coalesce(stays.spend, 0) AS spend,
       c.last_channel, c.last_inbound_at
FROM page
LEFT JOIN stays ON stays.guest_id = page.id
LEFT JOIN conversations c ON c.thread_key = 'guest:' || page.id
ORDER BY page.id
"""
)
_MEDIAN_SPEND = text(
    """
SELECT coalesce(percentile_cont(0.5) WITHIN GROUP (ORDER BY spend), 0) FROM (
    SELECT sum(total_amount) AS spend FROM room_reservations
    WHERE status IN ('checked_out', 'checked_in') AND check_in < :today GROUP BY guest_id
) per_guest
"""
)


@dataclass(frozen=True, slots=True)
class AudienceGuest:
    guest_id: int
    name: str | None
    phone: str | None
    timezone: str | None
    segment: str
    channel: Channel | None  # None: not sent to, see ``reason``
    reason: str | None


def segment_of(last_day: date | None, spend: float, median: float, today: date) -> str:
    if last_day is None:
        return "No history yet"
    recency = (today - last_day).days
    if recency >= LAPSED_DAYS:
        big = median > 0 and spend >= median * BIG_SPENDER
        return "Lapsed big spenders" if big else "Lapsed guests"
    # The "lapsed" target starts at LAPSE_DAYS, so "Recent guests" ends there: every segment is
    # wholly inside or outside it.
    return "Recent guests" if recency < LAPSE_DAYS else "Cooling guests"


def in_target(target: str, segment: str, last_day: date | None, today: date) -> bool:
    if target == ALL:
        return True
    if target == LAPSED:
        return last_day is not None and (today - last_day).days >= LAPSE_DAYS
    return segment == target


def cluster_members(session: Session, today: date, name: str) -> tuple[str, list[int]]:
    """The KMeans segment called ``name`` (any case) as of ``today``: its exact name and its
    guest ids. An unknown name is an error that lists the targets there are."""
    segmentation = segment_guests(guest_features(session, as_of=today))
    for segment in segmentation.segments:
        if segment.name.lower() == name.strip().lower():
            return segment.name, sorted(segment.guest_ids)
    known = [*TARGETS, *(s.name for s in segmentation.segments)]
    raise ToolError(f"No segment named {name!r}; choose one of: {', '.join(known)}.")


def choose_channel(
    row: Any, messages: dict[str, Any], has_template: bool, now: datetime
) -> tuple[Channel | None, str | None]:
    """The channel this guest may be messaged on, or why not."""
    if row.opted_out:
        return None, OPTED_OUT
    if not row.marketing_consent:
        return None, NO_CONSENT
    if not row.phone:
        return None, NO_PHONE
    sms, whatsapp = bool(messages.get("sms")), bool(messages.get("whatsapp"))
    if whatsapp and row.last_channel == Channel.WHATSAPP.value:
        if has_template or window_open(row.last_inbound_at, now):
            return Channel.WHATSAPP, None
        return (Channel.SMS, None) if sms else (None, NO_TEMPLATE)
    if sms:
        return Channel.SMS, None
    if whatsapp:
        return (Channel.WHATSAPP, None) if has_template else (None, NO_TEMPLATE)
    return None, NO_CHANNEL


def whatsapp_template_name(messages: dict[str, Any]) -> str:
    entry = messages.get("whatsapp")
    if isinstance(entry, dict) and entry.get("template"):
        return str(entry["template"])
    return templates.REENGAGE_TEMPLATE


def median_spend(session: Session, today: date) -> float:
    return float(session.execute(_MEDIAN_SPEND, {"today": today}).scalar_one())


def audience_page(
    session: Session,
    *,
    target: str,
    messages: dict[str, Any],
    policies: dict[str, Any] | None,
    now: datetime,
    today: date,
    median: float,
    after: int,
    size: int,
    members: Collection[int] | None = None,
) -> tuple[list[AudienceGuest], int | None]:
    """One keyset page of guests after id ``after``: those of the target segment (or, with
    ``members``, of that KMeans segment) with their channel or reason, and the last guest id
    read (None when there are no more guests)."""
    has_template = (
        templates.whatsapp_template(policies, whatsapp_template_name(messages)) is not None
    )
    rows = session.execute(_PAGE, {"after": after, "size": size, "today": today}).all()
    if not rows:
        return [], None
    chosen = []
    for row in rows:
        if members is not None:
            if row.id not in members:
                continue
            segment = target
        else:
            segment = segment_of(row.last_day, float(row.spend or Decimal(0)), median, today)
            if not in_target(target, segment, row.last_day, today):
                continue
        channel, reason = choose_channel(row, messages, has_template, now)
        chosen.append(
            AudienceGuest(row.id, row.name, row.phone, row.timezone, segment, channel, reason)
        )
    return chosen, int(rows[-1].id)


def iter_audience(
    session: Session,
    *,
    target: str,
    messages: dict[str, Any],
    policies: dict[str, Any] | None,
    now: datetime,
    today: date,
    size: int,
    members: Collection[int] | None = None,
) -> Iterator[list[AudienceGuest]]:
    """Every page of the audience, in guest id order (for the preview)."""
    median = median_spend(session, today)
    after = 0
    while True:
        page, last = audience_page(
            session, target=target, messages=messages, policies=policies, now=now,
            today=today, median=median, after=after, size=size, members=members,
        )  # fmt: skip
        if last is None:
            return
        yield page
        after = last
