"""Times of day in guests' words, for ``agents.reception.when``: "8", "8pm", "20:00",
"half past seven", "noon", "בשמונה", "בשבע וחצי"; ``evening_default`` reads a bare hour from 1
to 11 as pm (dinner at 8 is 20:00)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import time

from agents.inventory.numbers import HALF, read_number
from agents.reception.when_words import (
    PERIODS,
    SMALL_NUMBER,
    Period,
    WhenError,
    phrase_words,
    quoted,
    whole_number,
)


@dataclass(frozen=True, slots=True)
class _Clock:
    hour: int
    minute: int
    twenty_four_hour: bool = False  # written "08:30" or "0:30": am/pm defaults do not apply


_CLOCK = re.compile(r"(\d{1,2})(?:[:.](\d{2}))?")
_TIME_FILLERS = frozenset(
    {"at", "around", "about", "approximately", "approx", "roughly", "by", "for", "in", "the"}
    | {"this", "sharp", "o'clock", "oclock", "ב", "ה", "שעה", "בערך", "בסביבות"}
)
_MINUTES_BEFORE = frozenset({"to", "before", "ל"})  # "quarter to eight", "רבע לשמונה"
_MINUTES_AFTER = frozenset({"past", "after"})
_NOT_AN_HOUR = frozenset({"a", "an", "half", "חצי", "couple", "pair", "dozen", "זוג", "תריסר"})


def _hour(words: Sequence[str]) -> int | None:
    if len(words) == 1 and SMALL_NUMBER.fullmatch(words[0]):
        return int(words[0])
    if not words or words[0] in _NOT_AN_HOUR:
        return None
    return whole_number(words)


def _minutes(words: Sequence[str]) -> int | None:
    """Minutes before "past"/"to": ``half`` 30, ``quarter`` / ``רבע`` 15, ``ten [minutes]``."""
    words = [word for word in words if word not in {"minutes", "minute", "דקות", "a"}]
    if words in (["quarter"], ["רבע"]):
        return 15
    if words == ["half"]:
        return 30
    minutes = whole_number(words)
    return minutes if minutes is not None and 0 < minutes < 60 else None


def _read_clock(core: list[str]) -> _Clock | None:
    """An hour and minutes, before am/pm is applied, or ``None`` when ``core`` is no time."""
    if len(core) == 1 and (clock := _CLOCK.fullmatch(core[0])):
        hour_text, minute_text = clock.groups()
        padded = hour_text.startswith("0")  # "08:30", "0:30"
        return _Clock(int(hour_text), int(minute_text or 0), twenty_four_hour=padded)
    if len(core) == 2 and SMALL_NUMBER.fullmatch(core[0]) and re.fullmatch(r"\d\d", core[1]):
        return _Clock(int(core[0]), int(core[1]))  # "8 30"
    for i, word in enumerate(core):
        if 0 < i < len(core) - 1 and word in _MINUTES_BEFORE | _MINUTES_AFTER:
            minutes_part, hour_part = _minutes(core[:i]), _hour(core[i + 1 :])
            if minutes_part is None or hour_part is None:
                return None
            if word in _MINUTES_AFTER:
                return _Clock(hour_part, minutes_part)
            # "quarter to one" is 12:45 on the 12-hour clock the phrase uses, before am/pm
            return _Clock(hour_part - 1 if hour_part > 1 else 12, 60 - minutes_part)
    if core[0] in _NOT_AN_HOUR:
        return None
    got = read_number(core, 0)
    if got is None or got[0] < 0:
        return None
    value, used = got
    hour, rest = int(value), core[used:]
    if value - hour == HALF and not rest:  # "שבע וחצי", "seven and a half"
        return _Clock(hour, 30)
    if value != hour:
        return None
    if not rest:
        return _Clock(hour, 0)
    if rest in (["ורבע"], ["ו", "רבע"]):
        return _Clock(hour, 15)
    if rest[0] in {"ו", "o", "oh"}:  # "שבע ועשרים", "seven oh five"
        rest = rest[1:]
    minutes = int(rest[0]) if len(rest) == 1 and re.fullmatch(r"\d\d", rest[0]) else None
    minutes = minutes if minutes is not None else whole_number(rest)
    return None if minutes is None else _Clock(hour, minutes)


def _apply_period(clock: _Clock, period: Period | None, evening_default: bool, text: str) -> time:
    hour, minute = clock.hour, clock.minute
    twelve_hour = 1 <= hour <= 12 and not clock.twenty_four_hour
    if not (0 <= hour <= 23 and 0 <= minute <= 59) or (period == "am" and hour > 12):
        raise WhenError(
            f"I couldn't find {quoted(text)} on the clock. Could you give a time like 19:30?"
        )
    if period == "am" and twelve_hour:
        hour %= 12  # 12 am is midnight
    elif period == "pm" and twelve_hour:
        hour = hour % 12 + 12  # 12 pm is noon
    elif period == "night" and twelve_hour:
        hour = hour + 12 if 6 <= hour <= 11 else hour % 12  # "2 at night" is 02:00
    elif period == "noon" and twelve_hour:
        hour = hour + 12 if hour <= 6 else hour  # "2 בצהריים" is 14:00, "11 בצהריים" 11:00
    elif period is None and evening_default and twelve_hour and hour != 12:
        hour += 12
    return time(hour, minute)


def read_time(
    words: Sequence[str], hint: Period | None, evening_default: bool, text: str
) -> time | None:
    """The time ``words`` name, or ``None`` when they are no time. ``hint`` is the part of the
    day a date phrase named ("tonight"); am/pm in the time itself wins over it."""
    core = [word for word in words if word not in _TIME_FILLERS]
    periods = {PERIODS[word] for word in core if word in PERIODS}
    core = [word for word in core if word not in PERIODS]
    if len(periods) > 1:
        return None  # "8 am in the evening"
    period = next(iter(periods), hint)
    if not core:
        return time(12) if periods == {"noon"} else None
    if core in (["midnight"], ["חצות"]) and not periods:
        return time(0)
    clock = _read_clock(core)
    return None if clock is None else _apply_period(clock, period, evening_default, text)


def _time_not_understood(phrase: str) -> WhenError:
    return WhenError(
        f"I couldn't tell what time you mean by {quoted(phrase)}. Could you give a time like 19:30?"
    )


def resolve_time(phrase: str, *, evening_default: bool = False) -> time:
    """The time of day ``phrase`` names: ``20:00``, ``8:30pm``, ``half past seven``, ``noon``,
    ``בשבע וחצי``, ``בצהריים``.

    A bare hour from 1 to 11 with neither am/pm nor a part of the day (``8``, ``8:30``, ``eight``,
    ``בשמונה``) is read as morning, unless ``evening_default``, when it is pm: the right default
    for dinner tables ("at 8" -> 20:00). A zero-padded hour (``08:30``) is a 24-hour time either
    way, and 12 stays noon."""
    words = phrase_words(phrase)
    if not words:
        raise WhenError("What time would you like?")
    time_of_day = read_time(words, None, evening_default, phrase)
    if time_of_day is None:
        raise _time_not_understood(phrase)
    return time_of_day
