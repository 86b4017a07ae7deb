"""Per-guest features of one property, as of a date, computed by SQL aggregates.

Everything is computed in Postgres by one query (CTEs and ``GROUP BY guest_id``); Python only
turns each result row into a :class:`GuestFeatures`. :func:`iter_guest_features` streams the
rows through a server-side cursor (``yield_per``), so memory in Python stays flat whatever the
number of guests (100,000 guests is one query and a few MB in flight); :func:`guest_features`
is the same as a list, for callers that need them all anyway (segmentation, training).

**As of a date, no leakage.** ``as_of`` is a local date of the property (its timezone): only
what happened *before* it counts (stays that began before it, dining visits, orders and
messages of earlier days, guests created earlier). A stay in progress on ``as_of`` counts with
the nights before it: its spend is prorated by those nights and its last day is ``as_of``.
Consent is taken as of the date as far as the schema can tell (``consent_at`` / ``opted_out_at``
before it); see ``has_consent``.

Definitions:

- ``recency_days``: days from the last day of activity (the check-out of a stay, or ``as_of``
  for a stay in progress; the day of a completed dining visit) to ``as_of``; ``None`` when the
  guest has none.
- ``frequency``: stays plus dining visits in the two years before ``as_of``; a dinner during
  one of the guest's own stays is part of the stay, not a visit of its own.
- ``spend``: all money before ``as_of``: stays checked in or out (prorated as above) plus
  orders not cancelled (room service and table orders charged to the guest).
- ``preferred_channel``: the reachable channel (whatsapp, sms, email) the guest wrote to us on
  most; else ``whatsapp`` if we know a phone number (the platform's primary channel), ``email``
  if we know an address, else ``none``.
- ``stay_type`` (the rule, over the guest's stays before ``as_of``):
  ``family`` if any stay had children; else ``business`` if at least half the stays were one
  adult and at least 70% of the nights were weekday nights (Friday and Saturday nights are the
  weekend); else ``leisure``; a guest with no stay but dining visits is ``diner-only``; a guest
  with neither is ``none``.
- ``peak_month`` / ``season``: the month most of their stays began and visits took place in
  (ties: the earlier month), and its northern-hemisphere season.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

TWO_YEARS_DAYS = 730
REACHABLE_CHANNELS = ("whatsapp", "sms", "email")
SEASONS = {
    12: "winter", 1: "winter", 2: "winter", 3: "spring", 4: "spring", 5: "spring",
    6: "summer", 7: "summer", 8: "summer", 9: "autumn", 10: "autumn", 11: "autumn",
}  # fmt: skip
BUSINESS_WEEKDAY_SHARE = 0.7
STREAM_BATCH = 1000


@dataclass(frozen=True, slots=True)
class GuestFeatures:
    guest_id: int
    recency_days: int | None  # None: no stay or visit before as_of
    frequency: int  # stays + own dining visits in the two years before as_of
    stays: int  # all stays before as_of (any age)
    dining_visits: int  # all own dining visits before as_of
    spend: float
    preferred_channel: str  # whatsapp, sms, email or none
    stay_type: str  # family, business, leisure, diner-only or none
    peak_month: int | None
    season: str | None
    has_consent: bool
    opted_out: bool

    @property
    def active(self) -> bool:
        """Has any stay or visit before the as-of date."""
        return self.recency_days is not None


_QUERY = text(
    """
WITH prop AS (
    SELECT timezone AS tz FROM properties WHERE id = :pid
),
g AS (
    SELECT gu.id, gu.phone, gu.email, gu.marketing_consent, gu.consent_at, gu.opted_out_at
    FROM guests gu, prop
    WHERE gu.property_id = :pid AND (gu.created_at AT TIME ZONE prop.tz)::date < :as_of
),
stays AS (
    SELECT r.guest_id, r.check_in, r.check_out, r.adults, r.children,
           LEAST(r.check_out, :as_of) AS last_day,
           r.total_amount * (LEAST(r.check_out, :as_of) - r.check_in)
               / (r.check_out - r.check_in) AS spend
    FROM room_reservations r
    WHERE r.property_id = :pid AND r.status IN ('checked_out', 'checked_in')
      AND r.check_in < :as_of
),
stay_agg AS (
    SELECT s.guest_id,
           count(*) AS stays,
           count(*) FILTER (WHERE s.check_in >= :since) AS recent_stays,
           max(s.last_day) AS last_day,
           sum(s.spend) AS spend,
           bool_or(s.children > 0) AS with_children,
           count(*) FILTER (WHERE s.adults = 1) AS solo_stays
    FROM stays s
    GROUP BY s.guest_id
),
night_agg AS (
    SELECT s.guest_id,
           count(*) AS nights,
           count(*) FILTER (WHERE extract(isodow FROM n) IN (5, 6)) AS weekend_nights
    FROM stays s,
         LATERAL generate_series(s.check_in, s.last_day - 1, interval '1 day') AS n
    GROUP BY s.guest_id
),
visits AS (
    SELECT t.guest_id, (t.starts_at AT TIME ZONE prop.tz)::date AS day
    FROM table_reservations t, prop
    WHERE t.property_id = :pid AND t.status IN ('completed', 'seated')
      AND (t.starts_at AT TIME ZONE prop.tz)::date < :as_of
),
own_visits AS (
    SELECT v.guest_id, v.day
    FROM visits v
    WHERE NOT EXISTS (
        SELECT 1 FROM stays s
        WHERE s.guest_id = v.guest_id AND v.day >= s.check_in AND v.day <= s.check_out
    )
),
visit_agg AS (
    SELECT v.guest_id, max(v.day) AS last_day FROM visits v GROUP BY v.guest_id
),
own_visit_agg AS (
    SELECT v.guest_id, count(*) AS visits, count(*) FILTER (WHERE v.day >= :since) AS recent
    FROM own_visits v
    GROUP BY v.guest_id
),
months AS (
    SELECT a.guest_id, mode() WITHIN GROUP (ORDER BY a.month) AS peak_month
    FROM (
        SELECT guest_id, extract(month FROM check_in)::int AS month FROM stays
        UNION ALL
        SELECT guest_id, extract(month FROM day)::int FROM own_visits
    ) a
    GROUP BY a.guest_id
),
order_agg AS (
    SELECT o.guest_id, sum(o.total_amount) AS spend
    FROM orders o, prop
    WHERE o.property_id = :pid AND o.guest_id IS NOT NULL AND o.status <> 'cancelled'
      AND (o.placed_at AT TIME ZONE prop.tz)::date < :as_of
    GROUP BY o.guest_id
),
channel_agg AS (
    SELECT c.guest_id, mode() WITHIN GROUP (ORDER BY m.channel::text) AS channel
    FROM messages m
    JOIN conversations c ON c.id = m.conversation_id AND c.property_id = m.property_id, prop
    WHERE m.property_id = :pid AND c.guest_id IS NOT NULL AND m.direction = 'inbound'
      AND m.channel IN ('whatsapp', 'sms', 'email')
      AND (m.created_at AT TIME ZONE prop.tz)::date < :as_of
    GROUP BY c.guest_id
)
SELECT g.id AS guest_id,
       GREATEST(sa.last_day, va.last_day) AS last_day,
       coalesce(sa.recent_stays, 0) + coalesce(ova.recent, 0) AS frequency,
       coalesce(sa.stays, 0) AS stays,
       coalesce(ova.visits, 0) AS dining_visits,
       coalesce(sa.spend, 0) + coalesce(oa.spend, 0) AS spend,
       ca.channel,
       g.phone IS NOT NULL AS has_phone,
       g.email IS NOT NULL AS has_email,
       coalesce(sa.with_children, false) AS with_children,
       coalesce(sa.solo_stays, 0) AS solo_stays,
       coalesce(na.nights, 0) AS nights,
       coalesce(na.weekend_nights, 0) AS weekend_nights,
       mo.peak_month,
       g.marketing_consent AND g.consent_at IS NOT NULL
           AND (g.consent_at AT TIME ZONE prop.tz)::date < :as_of AS has_consent,
       g.opted_out_at IS NOT NULL
           AND (g.opted_out_at AT TIME ZONE prop.tz)::date < :as_of AS opted_out
FROM g
CROSS JOIN prop
LEFT JOIN stay_agg sa ON sa.guest_id = g.id
LEFT JOIN night_agg na ON na.guest_id = g.id
LEFT JOIN visit_agg va ON va.guest_id = g.id
LEFT JOIN own_visit_agg ova ON ova.guest_id = g.id
LEFT JOIN months mo ON mo.guest_id = g.id
LEFT JOIN order_agg oa ON oa.guest_id = g.id
LEFT JOIN channel_agg ca ON ca.guest_id = g.id
ORDER BY g.id
"""
)


def stay_type(
    stays: int, dining_visits: int, with_children: bool, solo_stays: int, nights: int,
    weekend_nights: int,
) -> str:  # fmt: skip
    """The stay-type rule of the module docstring."""
    if stays == 0:
        return "diner-only" if dining_visits > 0 else "none"
    if with_children:
        return "family"
    weekday_share = (nights - weekend_nights) / nights if nights else 0.0
    if 2 * solo_stays >= stays and weekday_share >= BUSINESS_WEEKDAY_SHARE:
        return "business"
    return "leisure"


def _property_id(session: Session) -> int:
    property_id = session.info.get("property_id")
    if property_id is None:
        raise ValueError("guest features need a session bound to one property (Database.tenant)")
    return int(property_id)


def _row_features(row: Any, as_of: date) -> GuestFeatures:
    channel = row.channel or ("whatsapp" if row.has_phone else "email" if row.has_email else "none")
    peak = int(row.peak_month) if row.peak_month is not None else None
    return GuestFeatures(
        guest_id=int(row.guest_id),
        recency_days=(as_of - row.last_day).days if row.last_day is not None else None,
        frequency=int(row.frequency),
        stays=int(row.stays),
        dining_visits=int(row.dining_visits),
        spend=float(row.spend),
        preferred_channel=channel,
        stay_type=stay_type(
            int(row.stays),
            int(row.dining_visits),
            bool(row.with_children),
            int(row.solo_stays),
            int(row.nights),
            int(row.weekend_nights),
        ),
        peak_month=peak,
        season=SEASONS[peak] if peak is not None else None,
        has_consent=bool(row.has_consent),
        opted_out=bool(row.opted_out),
    )


def iter_guest_features(session: Session, as_of: date) -> Iterator[GuestFeatures]:
    """The features of every guest of the session's property created before ``as_of``, in
    guest id order, streamed from a server-side cursor (flat memory)."""
    params = {
        "pid": _property_id(session),
        "as_of": as_of,
        "since": date.fromordinal(as_of.toordinal() - TWO_YEARS_DAYS),
    }
    result = session.execute(_QUERY, params, execution_options={"yield_per": STREAM_BATCH})
    for row in result:
        yield _row_features(row, as_of)


def guest_features(session: Session, as_of: date) -> list[GuestFeatures]:
    """:func:`iter_guest_features` as a list."""
    return list(iter_guest_features(session, as_of))
