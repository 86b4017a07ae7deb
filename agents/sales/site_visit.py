"""Reading a request to visit the venue ("could we come and see it on Friday at 11am?"): that
a visit is asked for, and the local day and time asked, when the message names both."""

from __future__ import annotations

import re
from datetime import date, datetime, time

from agents.reception.grounding import date_phrase_in
from agents.reception.when import WhenError, resolve_date

_VISIT = re.compile(
    r"\b(site visit|(?:visit|see|view|tour) (?:the |your )?(?:venue|hotel|place|property|"
    r"rooms?|hall|garden)|come (?:and|to|over to) see|a viewing|show us around|look around)\b",
    re.IGNORECASE,
)
_CLOCK = re.compile(
    r"\b(?P<hour>\d{1,2})(?::(?P<minute>\d{2}))?\s*(?P<half>am|pm|a\.m\.|p\.m\.)"
    r"|\b(?P<hour24>\d{1,2}):(?P<minute24>\d{2})\b",
    re.IGNORECASE,
)


def site_visit_asked(text: str) -> bool:
    return bool(_VISIT.search(text))


def visit_moment(text: str, today: date) -> datetime | None:
    """The day and time of the visit asked in ``text``; None unless both are there and the
    moment is still to come."""
    phrase = date_phrase_in(text)
    clock = _clock(text)
    if phrase is None or clock is None:
        return None
    try:
        day = resolve_date(phrase, today)
    except WhenError:
        return None
    return datetime.combine(day, clock) if day > today else None


def _clock(text: str) -> time | None:
    match = _CLOCK.search(text)
    if match is None:
        return None
    if match.group("hour24") is not None:
        hour, minute = int(match.group("hour24")), int(match.group("minute24"))
    else:
        hour, minute = int(match.group("hour")), int(match.group("minute") or 0)
        if not 1 <= hour <= 12:
            return None
        afternoon = match.group("half").lower().startswith("p")
        hour = hour % 12 + (12 if afternoon else 0)
    return time(hour, minute) if hour < 24 and minute < 60 else None
