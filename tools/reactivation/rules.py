"""The business rules of sending a campaign, in code: quiet hours and rate limits. A property
may override each in ``policies["campaigns"]``::

    {"quiet_hours": {"start": "21:00", "end": "09:00"},
     "rate_per_minute": {"sms": 60, "whatsapp": 300}}

Without ``campaigns.quiet_hours`` the property's own ``quiet_hours`` (its house quiet hours)
apply; without either, 21:00 to 09:00.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_QUIET = (time(21, 0), time(9, 0))
DEFAULT_RATE_PER_MINUTE = {"sms": 60, "whatsapp": 300}
BATCH_SIZE = 500


@dataclass(frozen=True)
class CampaignRules:
    quiet_start: time = DEFAULT_QUIET[0]
    quiet_end: time = DEFAULT_QUIET[1]
    rate_per_minute: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_RATE_PER_MINUTE))


def _clock(value: object, default: time) -> time:
    try:
        return time.fromisoformat(str(value))
    except ValueError:
        return default


def rules_of(policies: dict[str, Any] | None) -> CampaignRules:
    """The campaign rules of a property's policies (defaults for whatever is not set)."""
    policies = policies or {}
    own = policies.get("campaigns") if isinstance(policies.get("campaigns"), dict) else {}
    assert isinstance(own, dict)
    quiet = own.get("quiet_hours") or policies.get("quiet_hours") or {}
    rates = dict(DEFAULT_RATE_PER_MINUTE)
    if isinstance(own.get("rate_per_minute"), dict):
        rates.update({str(k): int(v) for k, v in own["rate_per_minute"].items()})
    return CampaignRules(
        quiet_start=_clock(quiet.get("start"), DEFAULT_QUIET[0]),
        quiet_end=_clock(quiet.get("end"), DEFAULT_QUIET[1]),
        rate_per_minute=rates,
    )


def zone(name: str | None, fallback: str) -> ZoneInfo:
    """The guest's timezone, else the property's (an unknown name counts as not given)."""
    for candidate in (name, fallback):
        if candidate:
            try:
                return ZoneInfo(candidate)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")


def _quiet_at(local: time, start: time, end: time) -> bool:
    if start <= end:
        return start <= local < end
    return local >= start or local < end  # the window spans midnight


def send_after(now: datetime, tz: ZoneInfo, rules: CampaignRules) -> datetime:
    """``now`` when it is not quiet hours where the guest is, else the end of the quiet hours
    there (in UTC): a message is deferred, never dropped."""
    local = now.astimezone(tz)
    if not _quiet_at(local.time(), rules.quiet_start, rules.quiet_end):
        return now
    end = local.replace(
        hour=rules.quiet_end.hour, minute=rules.quiet_end.minute, second=0, microsecond=0
    )
    if end <= local:
        end += timedelta(days=1)
    return end.astimezone(UTC)
