"""Date and time phrases to concrete dates and times, in English and Hebrew.

Guests (and the LLM that fills the booking tools' arguments from what they said) name dates the
way people do: "next Friday for two nights", "from the 14th to the 16th", "tomorrow at 8",
"מחר בשמונה". This module resolves such phrases against ``today`` in the property's timezone,
which the caller passes in: it never reads the clock, so every answer is a pure function of its
arguments and every rule below is pinned by a test with a fixed ``today``.

Hand-written rather than ``dateparser``: the phrases are few and the rules for the ambiguous ones
(which Friday is "next Friday", day-first numbers, "at 8" for dinner, when a yearless date rolls
over) are product decisions that must be stated and stable. ``dateparser`` brings its own answers
to those (it reads "Friday" as a past Friday unless told otherwise, and its Hebrew coverage of
"בשבע וחצי" or "לשני לילות" is thin), pulls in a large dependency tree, and a new release could
change a booking date silently. Number words come from ``agents.inventory.numbers.read_number``.

The grammar, word by word: Hebrew prepositions glued to a known word are split off (``בשמונה`` ->
``ב`` ``שמונה``, ``ב-19:30`` -> ``ב`` ``19:30``), niqqud is dropped, ``14th`` reads as ``14``, and
filler words (``on``, ``the``, ``of``, ``from``, ``at``, ``ב``, ``ה``, ...) are skipped.

Rules for the ambiguous cases (weeks run Sunday to Saturday; the weekend is Friday-Saturday):

* ``Friday`` / ``this Friday`` / ``on Friday`` / ``יום שישי`` / ``ביום שישי`` / ``שישי הקרוב``:
  the nearest Friday from today on, today included (said on a Friday, it means today).
* ``next Friday`` / ``שישי הבא``: the first Friday strictly after today (five days later when
  said on a Sunday, a week later when said on a Friday). Hebrew ``הבא`` means "the coming one"
  and English usage is split, so this is the common ground; the receptionist reads the concrete
  date back to the guest anyway.
* ``Friday next week`` / ``next week Friday`` / ``שישי בשבוע הבא``: the Friday of the next
  Sunday-to-Saturday week. ``Friday this week`` / ``שישי השבוע``: this week's, even if past.
* ``this weekend`` / ``the weekend`` / ``סוף השבוע`` / ``סופ"ש``: the nearest Friday from today
  on, or today when today is Saturday (the weekend is under way). ``next weekend`` /
  ``סוף השבוע הבא``: the Friday that ``next Friday`` names. As a stay with neither nights nor a
  check-out, the weekend lasts until the Sunday after check-in.
* Numeric dates are day first (Israeli and European order): ``14/12``, ``14.12``, ``14-12``,
  with an optional year (``14/12/2026``, ``14/12/26``); ``2026-12-14`` is ISO. ``12/14`` is an
  error, not a guess.
* A day and month without a year (``14 December``, ``Dec 14``, ``14/12``, ``14 בדצמבר``): this
  year unless that date is already past, else next year (today is not past).
* A day of the month alone (``the 14th``, ``on the 14th``, ``ה-14``): this month unless already
  past, else the next month that has that day.
* ``in 3 days`` / ``in two weeks`` / ``a week from today`` / ``בעוד שבוע``: counted from today
  (``a week from tomorrow`` from tomorrow). ``tonight`` / ``הערב`` / ``הלילה`` is today; a part
  of the day (``tomorrow evening``, ``מחר בבוקר``) does not move the date.

Times (``resolve_time``): ``20:00``, ``8:30pm``, ``8.30``, ``half past seven``, ``seven thirty``,
``quarter to eight``, ``noon``, ``בשבע וחצי``, ``רבע לשמונה``, ``בצהריים``. A bare hour is read on
a 24-hour clock (``8`` is 08:00) unless ``evening_default``; am/pm or a part of the day decides
(``8 בערב`` is 20:00, ``2 בצהריים`` is 14:00, ``2 at night`` is 02:00). A 24-hour time keeps
its hour whatever follows it (``20:00 pm`` is 20:00), but ``13 am`` is an error.

Stays (``resolve_stay``): check-out phrases that name a weekday, a day of the month or a yearless
date mean the first such day strictly after check-in ("until Sunday", "to the 16th"), so a stay
can cross a month or year end. In a range whose check-out names the month and whose check-in does
not ("from the 14th to the 16th of December"), check-in is the latest such day before check-out.
"""

from __future__ import annotations

import calendar
import contextlib
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import Literal, TypeAlias

from agents.reception.when_time import read_time, resolve_time
from agents.reception.when_words import (
    DAY_PARTS,
    DAY_UNITS,
    DUAL_UNITS,
    EN_WEEKDAYS,
    HE_WEEKDAY_LETTERS,
    HE_WEEKDAYS,
    MONTH_NAMES,
    MONTHS,
    PERIODS,
    SMALL_NUMBER,
    WEEKDAY_NAMES,
    Period,
    WhenError,
    count_of_days,
    phrase_words,
    quoted,
    whole_number,
)

__all__ = ["WhenError", "resolve_date", "resolve_datetime", "resolve_stay", "resolve_time"]


# -- dates -------------------------------------------------------------------------------------

_WeekdayRule = Literal["coming", "next", "next_week", "this_week"]


@dataclass(frozen=True, slots=True)
class _Offset:
    """``days`` after today: "tomorrow", "in 3 days"."""

    days: int


@dataclass(frozen=True, slots=True)
class _DayMonth:
    """A calendar date, with or without its year: "14 December", "14/12/2026"."""

    day: int
    month: int
    year: int | None = None


@dataclass(frozen=True, slots=True)
class _DayOfMonth:
    """A day of the month ("the 14th") whose month the rules choose."""

    day: int


@dataclass(frozen=True, slots=True)
class _Weekday:
    weekday: int  # date.weekday(): Monday is 0
    rule: _WeekdayRule


@dataclass(frozen=True, slots=True)
class _Weekend:
    rule: Literal["coming", "next"]


_DateSpec: TypeAlias = _Offset | _DayMonth | _DayOfMonth | _Weekday | _Weekend

_DATE_FILLERS = frozenset({"on", "the", "of", "for", "from", "starting", "ב", "ה", "ל", "מ", "ו"})
_DAYS_FROM_TODAY: dict[tuple[str, ...], int] = {
    ("today",): 0,
    ("tonight",): 0,
    ("היום",): 0,
    ("הערב",): 0,
    ("הלילה",): 0,
    ("tomorrow",): 1,
    ("tmrw",): 1,
    ("מחר",): 1,
    ("day", "after", "tomorrow"): 2,
    ("after", "tomorrow"): 2,  # the Israeli-English calque of מחרתיים
    ("מחרתיים",): 2,
}
_FROM_BASES = {"today": 0, "now": 0, "tomorrow": 1}  # "a week from tomorrow"
_WEEKDAY_RULES: dict[tuple[str, ...], _WeekdayRule] = {
    (): "coming",
    ("this",): "coming",
    ("coming",): "coming",
    ("this", "coming"): "coming",
    ("upcoming",): "coming",
    ("הקרוב",): "coming",
    ("הקרובה",): "coming",
    ("הזה",): "coming",
    ("הזאת",): "coming",
    ("next",): "next",
    ("הבא",): "next",
    ("הבאה",): "next",
    ("next", "week"): "next_week",
    ("שבוע", "הבא"): "next_week",
    ("this", "week"): "this_week",
    ("השבוע",): "this_week",
}
_WEEKEND_WORDS = [("weekend",), ("סוף", "שבוע"), ("סוף", "השבוע"), ('סופ"ש',), ("סופש",)]
_ISO_DATE = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
_DAY_FIRST_DATE = re.compile(r"(\d{1,2})[-/.](\d{1,2})(?:[-/.](\d{4}|\d{2}))?")
_YEAR_NUMBER = re.compile(r"\d{4}")


def _day_month(day: int, month: int, year: int | None, text: str) -> _DayMonth:
    """A checked calendar date; a date that cannot exist is the guest's error to hear about."""
    if not 1 <= month <= 12:
        raise WhenError(
            f"I read dates day first, and {quoted(text)} has no month {month}. "
            "Could you give the date like 14/12 or 14 December?"
        )
    longest = calendar.monthrange(year or 2024, month)[1]  # 2024 is a leap year: 29/2 may pass
    if not 1 <= day <= longest:
        in_year = f" {year}" if year else ""
        raise WhenError(
            f"There's no {day} {MONTH_NAMES[month - 1]}{in_year} on the calendar. "
            "Could you check the date?"
        )
    return _DayMonth(day, month, year)


def _modifiers_around(core: list[str], start: int, end: int) -> _WeekdayRule | None:
    """The rule the words before ``core[start]`` or after ``core[end - 1]`` state; one side."""
    before, after = tuple(core[:start]), tuple(core[end:])
    if before and after:
        return None
    return _WEEKDAY_RULES.get(before or after)


def _weekend(core: list[str]) -> _Weekend | None:
    for words in _WEEKEND_WORDS:
        for start in range(len(core) - len(words) + 1):
            if tuple(core[start : start + len(words)]) == words:
                rule = _modifiers_around(core, start, start + len(words))
                if rule == "next":
                    return _Weekend("next")
                if rule == "coming":
                    return _Weekend("coming")
    return None


def _weekday(core: list[str]) -> _Weekday | None:
    for i, word in enumerate(core):
        after_yom = i > 0 and core[i - 1] == "יום"
        weekday = EN_WEEKDAYS.get(word, HE_WEEKDAYS.get(word))
        if weekday is None and after_yom:
            weekday = HE_WEEKDAY_LETTERS.get(word)
        if weekday is not None:
            rule = _modifiers_around(core, i - 1 if after_yom else i, i + 1)
            return None if rule is None else _Weekday(weekday, rule)
    return None


def _offset(core: list[str]) -> _Offset | None:
    if len(core) > 1 and core[0] in {"in", "בעוד", "עוד"}:  # "in 3 days", "בעוד שבוע"
        days = count_of_days(core[1:])
        return None if days is None else _Offset(days)
    if len(core) > 1 and core[-1] in _FROM_BASES:  # "a week from today" ("from" is a filler)
        days = count_of_days(core[:-1])
        return None if days is None else _Offset(days + _FROM_BASES[core[-1]])
    return None


def _numeric_date(word: str, text: str) -> _DayMonth | None:
    """``2026-12-14`` (ISO), or day first: ``14/12``, ``14.12``, ``14-12``, ``14/12/2026``,
    ``14/12/26``."""
    if iso := _ISO_DATE.fullmatch(word):
        iso_year, iso_month, iso_day = map(int, iso.groups())
        return _day_month(iso_day, iso_month, iso_year, text)
    if not (numeric := _DAY_FIRST_DATE.fullmatch(word)):
        return None
    year_text = numeric[3]
    year = None if year_text is None else int(year_text) + (2000 if len(year_text) == 2 else 0)
    return _day_month(int(numeric[1]), int(numeric[2]), year, text)


def _named_month_date(core: list[str], text: str) -> _DayMonth | None:
    """``14 December``, ``December 14``, either with a year after: ``December 14 2026``."""
    months = [i for i, word in enumerate(core) if word in MONTHS]
    if len(months) != 1 or len(core) not in (2, 3) or months[0] > 1:
        return None
    month_at = months[0]
    day_text = core[1 - month_at]  # the month is first or second; the day is the other
    year_text = core[2] if len(core) == 3 else None
    if not SMALL_NUMBER.fullmatch(day_text) or not (
        year_text is None or _YEAR_NUMBER.fullmatch(year_text)
    ):
        return None
    year = None if year_text is None else int(year_text)
    return _day_month(int(day_text), MONTHS[core[month_at]], year, text)


def _calendar_date(core: list[str], text: str) -> _DayMonth | _DayOfMonth | None:
    if len(core) == 1 and (numeric := _numeric_date(core[0], text)):
        return numeric
    if named := _named_month_date(core, text):
        return named
    if core and SMALL_NUMBER.fullmatch(core[0]) and core[1:] in ([], ["month"], ["חודש"]):
        day = int(core[0])
        if not 1 <= day <= 31:
            raise WhenError(f"No month has a day {day}. Could you check the date?")
        return _DayOfMonth(day)
    return None


def _read_date(words: Sequence[str], text: str) -> tuple[_DateSpec, Period | None] | None:
    """What a date phrase says, and the part of the day it names (a hint for the time), or
    ``None`` when the words are not a date phrase. Impossible dates raise ``WhenError``."""
    core = [word for word in words if word not in _DATE_FILLERS]
    period = next((PERIODS[word] for word in core if word in PERIODS), None)
    if len(core) > 1 and core[0] == "this" and core[1] in DAY_PARTS:  # "this evening"
        core = core[1:]
    had_day_part = any(word in DAY_PARTS for word in core)
    core = [word for word in core if word not in DAY_PARTS]
    if not core:
        return (_Offset(0), period) if had_day_part else None  # "this evening" is today
    spec: _DateSpec | None
    if tuple(core) in _DAYS_FROM_TODAY:
        spec = _Offset(_DAYS_FROM_TODAY[tuple(core)])
    else:
        spec = _offset(core) or _weekend(core) or _weekday(core) or _calendar_date(core, text)
    return None if spec is None else (spec, period)


def _sunday_of_week(day: date) -> date:
    return day - timedelta(days=(day.weekday() + 1) % 7)


def _next_weekday(today: date, weekday: int) -> date:
    """The first ``weekday`` strictly after ``today``."""
    return today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)


def _first_on_or_after(start: date, day: int, month: int | None) -> date:
    """The first ``day`` (of ``month``, or of any month) on or after ``start``."""
    year, current_month = start.year, start.month
    for _ in range(12 * 8 + 1):  # eight years reach a 29 February
        fits = month is None or current_month == month
        if fits and day <= calendar.monthrange(year, current_month)[1]:
            candidate = date(year, current_month, day)
            if candidate >= start:
                return candidate
        year, current_month = (year + 1, 1) if current_month == 12 else (year, current_month + 1)
    raise AssertionError(f"no {day}/{month} within eight years")  # _day_month checked it


def _latest_before(end: date, day: int) -> date:
    """The latest ``day`` of a month strictly before ``end`` ("the 14th to 16 December")."""
    year, month = end.year, end.month
    while True:
        if day <= calendar.monthrange(year, month)[1] and date(year, month, day) < end:
            return date(year, month, day)
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)


_LONGEST_PLAUSIBLE_STAY = 180  # nights; a yearless check-out further away is a mistake


def _place(spec: _DateSpec, today: date, after: date | None = None) -> date:
    """The date ``spec`` names. With ``after`` (a check-in), a weekday, a day of the month or a
    yearless date is the first one strictly after it; relative phrases still count from today."""
    start = today if after is None else after + timedelta(days=1)
    match spec:
        case _Offset(days):
            return today + timedelta(days=days)
        case _DayMonth(day, month, year) if year is not None:
            return date(year, month, day)
        case _DayMonth(day, month):
            found = _first_on_or_after(start, day, month)
            if after is not None and (found - after).days > _LONGEST_PLAUSIBLE_STAY:
                # "from 12 March to 10 March" is a slip, not a stay of 363 nights: keep the
                # date as written so the booking tools say check-out must come after check-in.
                with contextlib.suppress(ValueError):  # 29 February has no year before
                    return found.replace(year=found.year - 1)
            return found
        case _DayOfMonth(day):
            return _first_on_or_after(start, day, None)
        case _Weekday(weekday, "coming"):
            return start + timedelta(days=(weekday - start.weekday()) % 7)
        case _Weekday(weekday, "next"):
            return _next_weekday(today, weekday)
        case _Weekday(weekday, "next_week"):
            return _sunday_of_week(today) + timedelta(days=7 + (weekday + 1) % 7)
        case _Weekday(weekday, _):  # this_week
            return _sunday_of_week(today) + timedelta(days=(weekday + 1) % 7)
        case _Weekend("next"):
            return _next_weekday(today, calendar.FRIDAY)
        case _Weekend(_):
            if start.weekday() == calendar.SATURDAY:
                return start
            return start + timedelta(days=(calendar.FRIDAY - start.weekday()) % 7)
    raise AssertionError(spec)


def _date_spec(phrase: str) -> _DateSpec:
    words = phrase_words(phrase)
    if not words:
        raise WhenError("Which date would you like?")
    read = _read_date(words, phrase)
    if read is None:
        raise _date_not_understood(phrase)
    return read[0]


def _date_not_understood(phrase: str) -> WhenError:
    return WhenError(
        f"I couldn't tell which date you mean by {quoted(phrase)}. "
        "Could you give a date like 14 March?"
    )


def resolve_date(phrase: str, today: date) -> date:
    """The date ``phrase`` names, relative to ``today`` (see the module's rules).

    ``resolve_date("next Friday", date(2026, 6, 14))`` -> ``date(2026, 6, 19)``.
    Raises ``WhenError`` when the phrase is not a date or the date cannot exist (31/2)."""
    return _place(_date_spec(phrase), today)


# -- a day and a time ---------------------------------------------------------------------


def _splits(words: list[str]) -> Iterator[tuple[list[str], list[str]]]:
    """(date words, time words): date first ("tomorrow at 8"), then time first ("8pm friday")."""
    for k in range(1, len(words)):
        yield words[:k], words[k:]
    for k in range(1, len(words)):
        yield words[k:], words[:k]


def resolve_datetime(
    phrase: str, today: date, *, evening_default: bool = False
) -> tuple[date, time]:
    """The date and time ``phrase`` names: ``tomorrow at 8``, ``Friday 19:30``, ``tonight at 7``,
    ``מחר בשמונה``, ``8pm on the 14th``. A time alone (``8pm``) is today. A date phrase that
    names the evening (``tonight``, ``tomorrow evening``, ``הערב``) makes a bare hour pm even
    without ``evening_default``; see ``resolve_time`` for the rest."""
    words = phrase_words(phrase)
    if not words:
        raise WhenError("Which day and time would you like?")
    first_error: WhenError | None = None
    for date_words, time_words in _splits(words):
        try:
            read = _read_date(date_words, phrase)
            if read is None:
                continue
            time_of_day = read_time(time_words, read[1], evening_default, phrase)
            if time_of_day is not None:
                return _place(read[0], today), time_of_day
        except WhenError as error:  # an impossible date or time; another split may still fit
            first_error = first_error or error
    if first_error is not None:
        raise first_error
    time_alone = read_time(words, None, evening_default, phrase)
    if time_alone is not None:
        return today, time_alone
    date_alone = _read_date(words, phrase)
    if date_alone is not None:
        day = _place(date_alone[0], today)
        raise WhenError(f"What time would you like on {_spoken(day)}?")
    raise WhenError(
        f"I couldn't tell which day and time you mean by {quoted(phrase)}. "
        "Could you say something like 'tomorrow at 19:30'?"
    )


def _spoken(day: date) -> str:
    return f"{WEEKDAY_NAMES[day.weekday()]} {day.day} {MONTH_NAMES[day.month - 1]}"


# -- stays -------------------------------------------------------------------------------------

_NIGHTS = frozenset({"night", "nights", "לילה", "לילות"})
_FOR = frozenset({"for", "ל"})
_RANGE_WORDS = frozenset({"to", "until", "till", "til", "through", "thru", "-", "עד"})
_DAY_RANGE = re.compile(r"(\d{1,2})-(\d{1,2})")


def _nights_span(words: list[str], i: int) -> tuple[int, int, int] | None:
    """(first word, end, nights) of a length of stay that ends at or starts from ``words[i]``."""
    word, before = words[i], words[:i]
    if word in _NIGHTS:
        for k in range(max(0, i - 3), i):  # the longest number first: "twenty one nights"
            if (nights := whole_number(words[k:i])) is not None:
                return k, i + 1, nights
        if word == "לילה" and words[i + 1 : i + 2] in (["אחד"], ["אחת"]):  # "לילה אחד"
            return i, i + 2, 1
        if before[-1:] == ["ל"] and word == "לילה":  # "ללילה": for a night
            return i, i + 1, 1
        if before[-2:] == ["for", "the"] and word == "night":
            return i - 1, i + 1, 1
    elif word in DUAL_UNITS and before[-1:] == ["ל"]:  # "לשבועיים"
        return i, i + 1, DUAL_UNITS[word]
    elif DAY_UNITS.get(word, 1) >= 7:  # "for a week", "לשבוע", "for two weeks"
        for k in range(max(0, i - 3), i + 1):
            if words[k - 1 : k] and words[k - 1] in _FOR:
                count = whole_number(words[k:i]) if k < i else 1
                if count is not None:
                    return k, i + 1, count * DAY_UNITS[word]
    return None


def _take_nights(words: list[str]) -> tuple[int | None, list[str]]:
    """The number of nights ``words`` state ("for two nights", "לשני לילות", "for a week") and
    the words left around it."""
    for i in range(len(words)):
        span = _nights_span(words, i)
        if span is not None:
            start, end, nights = span
            if start > 0 and words[start - 1] in _FOR:
                start -= 1
            return nights, words[:start] + words[end:]
    return None, words


def _nights_value(nights: int | str) -> int:
    if isinstance(nights, int):
        return nights
    words = phrase_words(nights)
    stated, rest = _take_nights(words)
    if stated is not None and not [word for word in rest if word not in _FOR]:
        return stated
    core = [word for word in words if word not in _FOR]
    for count in (whole_number(core), count_of_days(core)):
        if count is not None:
            return count
    if core in (["night"], ["לילה"]):
        return 1
    raise WhenError(
        f"I couldn't tell how many nights you mean by {quoted(nights)}. "
        "Could you give a number, like 2 nights?"
    )


def _split_range(words: list[str]) -> tuple[list[str], list[str]]:
    """Check-in and check-out words of "from X to Y", "X until Y", "between X and Y",
    "מ-X עד Y", "14-16 December"; the check-out words are empty when there is no range."""
    expanded: list[str] = []
    for i, word in enumerate(words):
        next_to_month = any(w in MONTHS for w in words[max(0, i - 1) : i + 2])
        if (days := _DAY_RANGE.fullmatch(word)) and next_to_month:
            expanded += [days[1], "-", days[2]]
        else:
            expanded.append(word)
    if expanded[:1] == ["between"] and "and" in expanded:
        i = expanded.index("and")
        return expanded[1:i], expanded[i + 1 :]
    for i, word in enumerate(expanded):
        if word in _RANGE_WORDS and 0 < i < len(expanded) - 1:
            return expanded[:i], expanded[i + 1 :]
    return expanded, []


def _blank(value: str | None) -> bool:
    return value is None or not value.strip()


def resolve_stay(
    check_in: str, check_out: str | None, nights: int | str | None, today: date
) -> tuple[date, date]:
    """(check-in, check-out) for a room stay.

    ``check_in`` is a date phrase that may also hold the length of stay or the whole range:
    "next Friday for two nights", "from the 14th to the 16th", "this weekend". ``check_out`` is
    a date phrase ("Sunday": the first Sunday after check-in) or a length ("3 nights");
    ``nights`` a number, in digits or words ("two", "שני לילות"). Blank strings count as
    missing. The arguments win over what ``check_in`` says; with none of them, "the weekend"
    ends on the Sunday after check-in, and anything else raises ``WhenError`` asking for the
    nights. Past dates and check-out on or before check-in are returned as they are: the
    booking tools refuse them with their own messages."""
    if _blank(check_in):
        raise WhenError("Which date would you like to check in?")
    stated_nights, words = _take_nights(phrase_words(check_in))
    arrival_words, departure_words = _split_range(words)
    arrival_spec = _read_date(arrival_words, check_in)
    if arrival_spec is None:
        raise _date_not_understood(check_in)
    spec = arrival_spec[0]

    departure_spec: _DateSpec | None = None
    if not _blank(check_out):
        assert check_out is not None
        out_nights, out_words = _take_nights(phrase_words(check_out))
        if out_nights is not None and not [w for w in out_words if w not in _DATE_FILLERS]:
            stated_nights, nights = out_nights, None
        else:
            departure_spec = _date_spec(check_out)
    elif departure_words:
        read = _read_date(departure_words, check_in)
        if read is None:
            raise _date_not_understood(check_in)
        departure_spec = read[0]

    if departure_spec is not None:
        if isinstance(spec, _DayOfMonth) and isinstance(departure_spec, _DayMonth):
            departure = _place(departure_spec, today)  # "14 to 16 December": month from the end
            return _latest_before(departure, spec.day), departure
        arrival = _place(spec, today)
        return arrival, _place(departure_spec, today, after=arrival)

    arrival = _place(spec, today)
    if not (nights is None or (isinstance(nights, str) and _blank(nights))):
        return arrival, arrival + timedelta(days=_nights_value(nights))
    if stated_nights is not None:
        return arrival, arrival + timedelta(days=stated_nights)
    if isinstance(spec, _Weekend):
        return arrival, _next_weekday(arrival, calendar.SUNDAY)
    raise WhenError("For how many nights would you like to stay?")
