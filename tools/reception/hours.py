"""Opening hours written for people, read as time windows.

The schema keeps a venue's hours (and room service's, in the policies JSON) as text, e.g.
``"Breakfast 07:00-10:30 (Fri-Sat 07:30-11:00); dinner 18:00-22:30"`` or
``"17:00-01:00 daily"``. Each ``;``-separated part gives its times; a parenthesis that names
days replaces that part's times on those days; a part that names days outside parentheses
applies on those days only. A window that ends at or before it starts runs past midnight.
Text with no times at all means the hours are unknown, and nothing is restricted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# A day's full name or its short form, not any word that starts like one ("sunset").
_DAY = (
    r"(mon|tue|wed|thu|fri|sat|sun)"
    r"(?:day|s|sday|nesday|rsday|urday|r|rs)?\b\.?"
)
DAY_SPAN = re.compile(rf"\b{_DAY}(?:\s*(?:-|–|to)\s*{_DAY})?", re.IGNORECASE)
TIME_RANGE = re.compile(r"(\d{1,2})[:.](\d{2})\s*(?:-|–|—|to)\s*(\d{1,2})[:.](\d{2})")
PARENTHESIS = re.compile(r"\(([^)]*)\)")

Window = tuple[datetime, datetime]


@dataclass(frozen=True)
class Clause:
    days: frozenset[int] | None  # weekdays (Monday 0); None: every day
    ranges: tuple[tuple[int, int], ...]  # minutes after midnight: start, end

    def applies(self, weekday: int) -> bool:
        return self.days is None or weekday in self.days


@dataclass(frozen=True)
class Part:
    base: Clause
    overrides: tuple[Clause, ...]

    def ranges_on(self, weekday: int) -> tuple[tuple[int, int], ...]:
        for override in self.overrides:
            if override.applies(weekday):
                return override.ranges
        return self.base.ranges if self.base.applies(weekday) else ()


def parse_hours(text: str | None) -> list[Part] | None:
    """The parts of an opening-hours text, or None when it gives no times."""
    if not text or not TIME_RANGE.search(text):
        return None
    parts = []
    for segment in re.split(r"[;\n]", text):
        overrides = tuple(
            clause
            for inner in PARENTHESIS.findall(segment)
            if (clause := _clause(inner)).ranges and clause.days is not None
        )
        parts.append(Part(_clause(PARENTHESIS.sub(" ", segment)), overrides))
    return parts


def windows_on(text: str | None, day: date, tz: ZoneInfo) -> list[Window] | None:
    """The open windows that start on ``day`` or run into it from the evening before; None
    when the hours are unknown."""
    parts = parse_hours(text)
    if parts is None:
        return None
    windows: list[Window] = []
    for start_day in (day - timedelta(days=1), day):
        midnight = datetime.combine(start_day, time(0), tzinfo=tz)
        for part in parts:
            for start, end in part.ranges_on(start_day.weekday()):
                length = end - start if end > start else end + 24 * 60 - start
                opens = midnight + timedelta(minutes=start)
                windows.append((opens, opens + timedelta(minutes=length)))
    return sorted(windows)


def is_open(windows: list[Window] | None, moment: datetime, before_close: timedelta) -> bool:
    """Whether ``moment`` falls in a window, at least ``before_close`` before it closes."""
    if windows is None:
        return True
    return any(opens <= moment <= closes - before_close for opens, closes in windows)


def _clause(text: str) -> Clause:
    ranges = tuple(
        (int(h1) * 60 + int(m1), int(h2) * 60 + int(m2))
        for h1, m1, h2, m2 in TIME_RANGE.findall(text)
    )
    return Clause(_days(text), ranges)


def _days(text: str) -> frozenset[int] | None:
    days: set[int] = set()
    for first, last in DAY_SPAN.findall(text):
        start = DAY_NAMES.index(first.lower())
        end = DAY_NAMES.index(last.lower()) if last else start
        days.update((start + i) % 7 for i in range((end - start) % 7 + 1))
    return frozenset(days) or None
