"""The date/time phrase resolver (agents.reception.when): pure, no services needed. Every case
uses a fixed ``today``: a Sunday, a Friday and a Saturday, to pin the weekday rules."""

from __future__ import annotations

from datetime import date, time

import pytest

from agents.reception.when import (
    WhenError,
    resolve_date,
    resolve_datetime,
    resolve_stay,
    resolve_time,
)

SUNDAY = date(2026, 6, 14)
FRIDAY = date(2026, 6, 19)
SATURDAY = date(2026, 6, 20)
DEC_20 = date(2026, 12, 20)  # a Sunday near the year's end


def d(month: int, day: int, year: int = 2026) -> date:
    return date(year, month, day)


def test_fixed_todays_are_the_weekdays_the_rules_are_tested_on() -> None:
    assert [day.strftime("%a") for day in (SUNDAY, FRIDAY, SATURDAY, DEC_20)] == [
        "Sun",
        "Fri",
        "Sat",
        "Sun",
    ]


# -- dates -------------------------------------------------------------------------------------

DATES_FROM_SUNDAY = [
    # ISO and day-first numbers
    ("2026-12-14", d(12, 14)),
    ("2027-01-02", d(1, 2, 2027)),
    ("14/12", d(12, 14)),
    ("14/12/2026", d(12, 14)),
    ("14/12/27", d(12, 14, 2027)),
    ("14.12", d(12, 14)),
    ("14-12", d(12, 14)),
    ("on 14/12", d(12, 14)),
    # month names
    ("14 December", d(12, 14)),
    ("14th of December", d(12, 14)),
    ("Dec 14", d(12, 14)),
    ("December 14th 2026", d(12, 14)),
    ("December 14th, 2027", d(12, 14, 2027)),
    ("sept 3", d(9, 3)),
    # a day of the month alone
    ("the 14th", d(6, 14)),  # today counts: not past
    ("on the 14th", d(6, 14)),
    ("the 20th", d(6, 20)),
    ("the 2nd", d(7, 2)),  # past this month: next month
    ("the 31st", d(7, 31)),  # June has no 31st
    # relative
    ("today", SUNDAY),
    ("tonight", SUNDAY),
    ("this evening", SUNDAY),
    ("tomorrow", d(6, 15)),
    ("for tomorrow", d(6, 15)),
    ("tomorrow evening", d(6, 15)),
    ("Friday night", d(6, 19)),
    ("day after tomorrow", d(6, 16)),
    ("the day after tomorrow", d(6, 16)),
    ("in 3 days", d(6, 17)),
    ("in two weeks", d(6, 28)),
    ("in a week", d(6, 21)),
    ("in a couple of days", d(6, 16)),
    ("a week from today", d(6, 21)),
    ("a week from tomorrow", d(6, 22)),
    ("3 days from now", d(6, 17)),
    # weekdays said on a Sunday
    ("Friday", d(6, 19)),
    ("this Friday", d(6, 19)),
    ("on Friday", d(6, 19)),
    ("fri", d(6, 19)),
    ("Sunday", SUNDAY),  # today is Sunday: "Sunday" is today
    ("next Sunday", d(6, 21)),
    ("next Friday", d(6, 19)),  # the first Friday after today
    ("Friday next week", d(6, 26)),  # the Friday of next Sunday-to-Saturday week
    ("Friday of next week", d(6, 26)),
    ("next week on Friday", d(6, 26)),
    ("Friday this week", d(6, 19)),
    # the weekend
    ("this weekend", d(6, 19)),
    ("the weekend", d(6, 19)),
    ("next weekend", d(6, 19)),  # as "next Friday"
    # Hebrew
    ("היום", SUNDAY),
    ("הערב", SUNDAY),
    ("מחר", d(6, 15)),
    ("למחר", d(6, 15)),
    ("מחר בערב", d(6, 15)),
    ("מחרתיים", d(6, 16)),
    ("יום שישי", d(6, 19)),
    ("ביום שישי", d(6, 19)),
    ("בשישי", d(6, 19)),
    ("שישי הקרוב", d(6, 19)),
    ("שישי הבא", d(6, 19)),
    ("ביום שישי הבא", d(6, 19)),
    ("שישי בשבוע הבא", d(6, 26)),
    ("יום ו'", d(6, 19)),
    ("בשבת", d(6, 20)),
    ("ביום שני", d(6, 15)),
    ("בעוד 3 ימים", d(6, 17)),
    ("בעוד שלושה ימים", d(6, 17)),
    ("בעוד שבוע", d(6, 21)),
    ("בעוד יומיים", d(6, 16)),
    ("בעוד שבועיים", d(6, 28)),
    ("14/12", d(12, 14)),
    ("ב-14/12", d(12, 14)),
    ("14 בדצמבר", d(12, 14)),
    ("ה-14 בדצמבר", d(12, 14)),
    ("ה-20", d(6, 20)),
    ("ב-20 לחודש", d(6, 20)),
    ("סוף השבוע", d(6, 19)),
    ('בסופ"ש', d(6, 19)),
    ("מחֵר", d(6, 15)),  # niqqud is ignored
]


@pytest.mark.parametrize(("phrase", "expected"), DATES_FROM_SUNDAY)
def test_resolve_date_from_a_sunday(phrase: str, expected: date) -> None:
    assert resolve_date(phrase, SUNDAY) == expected


WEEKDAY_RULES = [
    # said on the Friday itself: "Friday" is today, "next Friday" a week later
    ("Friday", FRIDAY, FRIDAY),
    ("this Friday", FRIDAY, FRIDAY),
    ("ביום שישי", FRIDAY, FRIDAY),
    ("next Friday", FRIDAY, d(6, 26)),
    ("שישי הבא", FRIDAY, d(6, 26)),
    ("Friday next week", FRIDAY, d(6, 26)),
    ("Thursday", FRIDAY, d(6, 25)),
    ("Thursday this week", FRIDAY, d(6, 18)),  # this week's, even if already past
    ("שישי השבוע", FRIDAY, FRIDAY),
    ("Sunday", FRIDAY, d(6, 21)),
    # on a Saturday, next week starts tomorrow
    ("Friday", SATURDAY, d(6, 26)),
    ("next Friday", SATURDAY, d(6, 26)),
    ("Friday next week", SATURDAY, d(6, 26)),
    ("Sunday next week", SATURDAY, d(6, 21)),
    # the weekend: on a Friday it is today, on a Saturday it is under way
    ("this weekend", FRIDAY, FRIDAY),
    ("next weekend", FRIDAY, d(6, 26)),
    ("this weekend", SATURDAY, SATURDAY),
    ("the weekend", SATURDAY, SATURDAY),
    ("next weekend", SATURDAY, d(6, 26)),
    ("סוף השבוע הבא", SATURDAY, d(6, 26)),
]


@pytest.mark.parametrize(("phrase", "today", "expected"), WEEKDAY_RULES)
def test_weekday_and_weekend_rules(phrase: str, today: date, expected: date) -> None:
    assert resolve_date(phrase, today) == expected


ROLL_OVER = [
    ("14/6", SUNDAY, d(6, 14)),  # today is not past
    ("13/6", SUNDAY, d(6, 13, 2027)),
    ("14 March", SUNDAY, d(3, 14, 2027)),
    ("Mar 14", SUNDAY, d(3, 14, 2027)),
    ("14 במרץ", SUNDAY, d(3, 14, 2027)),
    ("5 January", DEC_20, d(1, 5, 2027)),
    ("28/12", DEC_20, d(12, 28)),
    ("the 5th", DEC_20, d(1, 5, 2027)),
    ("29/2", SUNDAY, d(2, 29, 2028)),  # the next year that has it
    ("14/3/2026", SUNDAY, d(3, 14)),  # an explicit year is kept, even in the past
]


@pytest.mark.parametrize(("phrase", "today", "expected"), ROLL_OVER)
def test_dates_without_a_year_roll_to_next_year_once_past(
    phrase: str, today: date, expected: date
) -> None:
    assert resolve_date(phrase, today) == expected


def test_today_is_only_what_the_caller_passes() -> None:
    assert resolve_date("tomorrow", date(2031, 2, 28)) == date(2031, 3, 1)
    assert resolve_date("today", date(1999, 12, 31)) == date(1999, 12, 31)


DATE_ERRORS = [
    (
        "blorp",
        "I couldn't tell which date you mean by 'blorp'. Could you give a date like 14 March?",
    ),
    ("", "Which date would you like?"),
    ("31/2", "There's no 31 February on the calendar. Could you check the date?"),
    ("29/2/2026", "There's no 29 February 2026 on the calendar. Could you check the date?"),
    ("31 April", "There's no 31 April on the calendar. Could you check the date?"),
    (
        "12/14",
        "I read dates day first, and '12/14' has no month 14. "
        "Could you give the date like 14/12 or 14 December?",
    ),
    ("the 32nd", "No month has a day 32. Could you check the date?"),
    (
        "next Friday next week",
        "I couldn't tell which date you mean by 'next Friday next week'. "
        "Could you give a date like 14 March?",
    ),
    (
        "tomorrow at 8",
        "I couldn't tell which date you mean by 'tomorrow at 8'. "
        "Could you give a date like 14 March?",
    ),
    (
        "next month",
        "I couldn't tell which date you mean by 'next month'. Could you give a date like 14 March?",
    ),
]


@pytest.mark.parametrize(("phrase", "message"), DATE_ERRORS)
def test_resolve_date_errors_speak_to_the_guest(phrase: str, message: str) -> None:
    with pytest.raises(WhenError) as error:
        resolve_date(phrase, SUNDAY)
    assert str(error.value) == message


def test_when_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="blorp"):
        resolve_date("blorp", SUNDAY)


# -- times -------------------------------------------------------------------------------------

TIMES = [
    ("8", time(8)),
    ("at 8", time(8)),
    ("eight", time(8)),
    ("8 o'clock", time(8)),
    ("8pm", time(20)),
    ("8 pm", time(20)),
    ("8 p.m.", time(20)),
    ("eight pm", time(20)),
    ("8am", time(8)),
    ("12am", time(0)),
    ("12pm", time(12)),
    ("12:30 am", time(0, 30)),
    ("20:00", time(20)),
    ("19:30", time(19, 30)),
    ("08:30", time(8, 30)),
    ("0:30", time(0, 30)),
    ("8.30", time(8, 30)),
    ("8:30pm", time(20, 30)),
    ("7 30", time(7, 30)),
    ("half past seven", time(7, 30)),
    ("quarter past 8", time(8, 15)),
    ("ten past eight", time(8, 10)),
    ("quarter to eight", time(7, 45)),
    ("twenty to nine", time(8, 40)),
    ("seven thirty", time(7, 30)),
    ("seven forty five", time(7, 45)),
    ("seven oh five", time(7, 5)),
    ("seven and a half", time(7, 30)),
    ("twenty thirty", time(20, 30)),
    ("noon", time(12)),
    ("at midday", time(12)),
    ("12 noon", time(12)),
    ("midnight", time(0)),
    ("8 in the evening", time(20)),
    ("10 at night", time(22)),
    ("2 at night", time(2)),
    ("3 in the afternoon", time(15)),
    ("20:00 pm", time(20)),  # a 24-hour hour keeps its value
    # Hebrew
    ("בשמונה", time(8)),
    ("בשעה 8", time(8)),
    ("ב-19:30", time(19, 30)),
    ("ב19:30", time(19, 30)),
    ("בשבע וחצי", time(7, 30)),
    ("שבע ורבע", time(7, 15)),
    ("שבע ועשרים", time(7, 20)),
    ("רבע לשמונה", time(7, 45)),
    ("עשרים לשמונה", time(7, 40)),
    ("באחת עשרה", time(11)),
    ("שמונה בערב", time(20)),
    ("שמונה בבוקר", time(8)),
    ("בצהריים", time(12)),
    ("בשתיים בצהריים", time(14)),
    ("ארבע אחר הצהריים", time(16)),
    ("עשר בלילה", time(22)),
    ("חצות", time(0)),
]


@pytest.mark.parametrize(("phrase", "expected"), TIMES)
def test_resolve_time(phrase: str, expected: time) -> None:
    assert resolve_time(phrase) == expected


EVENING_DEFAULT = [
    # phrase, with evening_default, without
    ("8", time(20), time(8)),
    ("at 8", time(20), time(8)),
    ("8:30", time(20, 30), time(8, 30)),
    ("half past seven", time(19, 30), time(7, 30)),
    ("quarter to eight", time(19, 45), time(7, 45)),
    ("בשמונה", time(20), time(8)),
    ("בשבע וחצי", time(19, 30), time(7, 30)),
    ("11", time(23), time(11)),
    # not bare: unchanged either way
    ("12", time(12), time(12)),
    ("08:30", time(8, 30), time(8, 30)),
    ("8am", time(8), time(8)),
    ("שמונה בבוקר", time(8), time(8)),
    ("19:30", time(19, 30), time(19, 30)),
    ("noon", time(12), time(12)),
]


@pytest.mark.parametrize(("phrase", "evening", "morning"), EVENING_DEFAULT)
def test_evening_default_makes_a_bare_hour_pm(phrase: str, evening: time, morning: time) -> None:
    assert resolve_time(phrase, evening_default=True) == evening
    assert resolve_time(phrase) == morning


TIME_ERRORS = [
    ("blorp", "I couldn't tell what time you mean by 'blorp'. Could you give a time like 19:30?"),
    ("", "What time would you like?"),
    ("25:00", "I couldn't find '25:00' on the clock. Could you give a time like 19:30?"),
    ("8:75", "I couldn't find '8:75' on the clock. Could you give a time like 19:30?"),
    ("13 am", "I couldn't find '13 am' on the clock. Could you give a time like 19:30?"),
    (
        "8 am in the evening",
        "I couldn't tell what time you mean by '8 am in the evening'. "
        "Could you give a time like 19:30?",
    ),
    (
        "tomorrow",
        "I couldn't tell what time you mean by 'tomorrow'. Could you give a time like 19:30?",
    ),
]


@pytest.mark.parametrize(("phrase", "message"), TIME_ERRORS)
def test_resolve_time_errors(phrase: str, message: str) -> None:
    with pytest.raises(WhenError) as error:
        resolve_time(phrase)
    assert str(error.value) == message


# -- dates with times --------------------------------------------------------------------------

DATETIMES = [
    # phrase, evening_default, date, time
    ("tomorrow at 8", False, d(6, 15), time(8)),
    ("tomorrow at 8", True, d(6, 15), time(20)),
    ("tomorrow at 8pm", False, d(6, 15), time(20)),
    ("Friday 19:30", False, d(6, 19), time(19, 30)),
    ("Saturday 19:30", False, d(6, 20), time(19, 30)),
    ("next Friday at half past seven", True, d(6, 19), time(19, 30)),
    ("tonight at 7", False, SUNDAY, time(19)),  # "tonight" makes it pm by itself
    ("this evening at 8", False, SUNDAY, time(20)),
    ("tomorrow evening at 7", False, d(6, 15), time(19)),
    ("tomorrow morning at 8", True, d(6, 15), time(8)),  # morning wins over the default
    ("8pm tomorrow", False, d(6, 15), time(20)),
    ("at 7 tonight", False, SUNDAY, time(19)),
    ("the 14th at 8pm", False, SUNDAY, time(20)),
    ("14/12 at 20:00", False, d(12, 14), time(20)),
    ("14.12 8.30", True, d(12, 14), time(20, 30)),
    ("December 14 at 8", True, d(12, 14), time(20)),
    ("day after tomorrow at noon", False, d(6, 16), time(12)),
    ("8pm", False, SUNDAY, time(20)),  # a time alone is today
    # Hebrew
    ("מחר בשמונה", True, d(6, 15), time(20)),
    ("מחר בשמונה", False, d(6, 15), time(8)),
    ("הערב בשבע", False, SUNDAY, time(19)),
    ("מחר בערב בשבע", False, d(6, 15), time(19)),
    ("ביום שישי ב-19:30", False, d(6, 19), time(19, 30)),
    ("שישי הבא בשמונה וחצי בערב", False, d(6, 19), time(20, 30)),
    ("מחר בצהריים", False, d(6, 15), time(12)),
    ("בשבע וחצי", True, SUNDAY, time(19, 30)),
]


@pytest.mark.parametrize(("phrase", "evening", "day", "at"), DATETIMES)
def test_resolve_datetime(phrase: str, evening: bool, day: date, at: time) -> None:
    assert resolve_datetime(phrase, SUNDAY, evening_default=evening) == (day, at)


DATETIME_ERRORS = [
    ("tomorrow", "What time would you like on Monday 15 June?"),
    ("ביום שישי", "What time would you like on Friday 19 June?"),
    (
        "blorp at 8",
        "I couldn't tell which day and time you mean by 'blorp at 8'. "
        "Could you say something like 'tomorrow at 19:30'?",
    ),
    ("31/2 at 8", "There's no 31 February on the calendar. Could you check the date?"),
    (
        "tomorrow at 25:00",
        "I couldn't find 'tomorrow at 25:00' on the clock. Could you give a time like 19:30?",
    ),
    ("", "Which day and time would you like?"),
]


@pytest.mark.parametrize(("phrase", "message"), DATETIME_ERRORS)
def test_resolve_datetime_errors(phrase: str, message: str) -> None:
    with pytest.raises(WhenError) as error:
        resolve_datetime(phrase, SUNDAY)
    assert str(error.value) == message


# -- stays -------------------------------------------------------------------------------------

STAYS = [
    # check_in, check_out, nights, today, (check-in, check-out)
    ("next Friday for two nights", None, None, SUNDAY, (d(6, 19), d(6, 21))),
    ("next Friday", None, 2, SUNDAY, (d(6, 19), d(6, 21))),
    ("next Friday", None, "2", SUNDAY, (d(6, 19), d(6, 21))),
    ("next Friday", None, "two", SUNDAY, (d(6, 19), d(6, 21))),
    ("next Friday", None, "two nights", SUNDAY, (d(6, 19), d(6, 21))),
    ("next Friday", "Sunday", None, SUNDAY, (d(6, 19), d(6, 21))),
    ("tomorrow", None, "three nights", SUNDAY, (d(6, 15), d(6, 18))),
    ("tomorrow", None, "a night", SUNDAY, (d(6, 15), d(6, 16))),
    ("tomorrow", None, "one night", SUNDAY, (d(6, 15), d(6, 16))),
    ("tomorrow for a night", None, None, SUNDAY, (d(6, 15), d(6, 16))),
    ("tomorrow night for 2 nights", None, None, SUNDAY, (d(6, 15), d(6, 17))),
    ("tomorrow for a week", None, None, SUNDAY, (d(6, 15), d(6, 22))),
    ("tomorrow", None, "a week", SUNDAY, (d(6, 15), d(6, 22))),
    ("tomorrow", "3 nights", None, SUNDAY, (d(6, 15), d(6, 18))),
    ("in two weeks for 3 nights", None, None, SUNDAY, (d(6, 28), d(7, 1))),
    # ranges in one phrase
    ("from the 14th to the 16th", None, None, FRIDAY, (d(7, 14), d(7, 16))),
    ("from the 14th to the 16th", None, None, SUNDAY, (d(6, 14), d(6, 16))),
    ("between the 14th and the 16th", None, None, FRIDAY, (d(7, 14), d(7, 16))),
    ("the 30th to the 2nd", None, None, SUNDAY, (d(6, 30), d(7, 2))),
    ("the 14th to the 16th of December", None, None, SUNDAY, (d(12, 14), d(12, 16))),
    ("14-16 December", None, None, SUNDAY, (d(12, 14), d(12, 16))),
    ("December 14-16", None, None, SUNDAY, (d(12, 14), d(12, 16))),
    ("28 December to 2 January", None, None, SUNDAY, (d(12, 28), d(1, 2, 2027))),
    ("from tomorrow until Sunday", None, None, SUNDAY, (d(6, 15), d(6, 21))),
    # check-out: the first such day after check-in
    ("Sunday", "Sunday", None, SUNDAY, (SUNDAY, d(6, 21))),
    ("Friday", "Sunday", None, FRIDAY, (FRIDAY, d(6, 21))),
    ("tomorrow", "the 16th", None, SUNDAY, (d(6, 15), d(6, 16))),
    ("28/12", "2/1", None, SUNDAY, (d(12, 28), d(1, 2, 2027))),
    ("14/12", "16/12/2026", None, SUNDAY, (d(12, 14), d(12, 16))),
    # the weekend
    ("this weekend", None, None, SUNDAY, (d(6, 19), d(6, 21))),
    ("the weekend", None, None, FRIDAY, (FRIDAY, d(6, 21))),
    ("this weekend", None, None, SATURDAY, (SATURDAY, d(6, 21))),
    ("the weekend", None, 3, SUNDAY, (d(6, 19), d(6, 22))),
    ("this weekend for three nights", None, None, SUNDAY, (d(6, 19), d(6, 22))),
    ("this weekend", "Monday", None, SUNDAY, (d(6, 19), d(6, 22))),
    ("סוף השבוע", None, None, SUNDAY, (d(6, 19), d(6, 21))),
    # Hebrew
    ("מחר לשני לילות", None, None, SUNDAY, (d(6, 15), d(6, 17))),
    ("יום שישי ל-3 לילות", None, None, SUNDAY, (d(6, 19), d(6, 22))),
    ("מחר ללילה אחד", None, None, SUNDAY, (d(6, 15), d(6, 16))),
    ("מחר", None, "שני לילות", SUNDAY, (d(6, 15), d(6, 17))),
    ("מחר", None, "לילה אחד", SUNDAY, (d(6, 15), d(6, 16))),
    ("מחר", None, "לילה", SUNDAY, (d(6, 15), d(6, 16))),
    ("מחר", None, "שבועיים", SUNDAY, (d(6, 15), d(6, 29))),
    ("14/12", None, "שלושה", SUNDAY, (d(12, 14), d(12, 17))),
    ("שישי הבא לשבוע", None, None, SUNDAY, (d(6, 19), d(6, 26))),
    ("מ-14 עד 16 בדצמבר", None, None, SUNDAY, (d(12, 14), d(12, 16))),
    ("ביום שישי", "ביום ראשון", None, SUNDAY, (d(6, 19), d(6, 21))),
    # arguments win over what check_in says; blanks count as missing
    ("next Friday for two nights", None, 3, SUNDAY, (d(6, 19), d(6, 22))),
    ("from the 14th to the 16th", "the 18th", None, FRIDAY, (d(7, 14), d(7, 18))),
    ("tomorrow for two nights", "", "", SUNDAY, (d(6, 15), d(6, 17))),
    # resolved faithfully: the booking tools refuse these with their own messages
    ("13/6/2026", None, 2, SUNDAY, (d(6, 13), d(6, 15))),
    ("16/12", "14/12/2026", None, SUNDAY, (d(12, 16), d(12, 14))),
    ("tomorrow", None, 0, SUNDAY, (d(6, 15), d(6, 15))),
]


@pytest.mark.parametrize(("check_in", "check_out", "nights", "today", "expected"), STAYS)
def test_resolve_stay(
    check_in: str,
    check_out: str | None,
    nights: int | str | None,
    today: date,
    expected: tuple[date, date],
) -> None:
    assert resolve_stay(check_in, check_out, nights, today) == expected


STAY_ERRORS = [
    # check_in, check_out, nights, message
    ("tomorrow", None, None, "For how many nights would you like to stay?"),
    ("next Friday", "", "", "For how many nights would you like to stay?"),
    ("מחר בלילה", None, None, "For how many nights would you like to stay?"),  # "at night"
    ("", None, 2, "Which date would you like to check in?"),
    (
        "for two nights",
        None,
        None,
        "I couldn't tell which date you mean by 'for two nights'. "
        "Could you give a date like 14 March?",
    ),
    (
        "blorp",
        None,
        2,
        "I couldn't tell which date you mean by 'blorp'. Could you give a date like 14 March?",
    ),
    (
        "tomorrow",
        "blorp",
        None,
        "I couldn't tell which date you mean by 'blorp'. Could you give a date like 14 March?",
    ),
    (
        "tomorrow",
        None,
        "lots",
        "I couldn't tell how many nights you mean by 'lots'. "
        "Could you give a number, like 2 nights?",
    ),
    ("31/2", None, 2, "There's no 31 February on the calendar. Could you check the date?"),
]


@pytest.mark.parametrize(("check_in", "check_out", "nights", "message"), STAY_ERRORS)
def test_resolve_stay_errors(
    check_in: str, check_out: str | None, nights: int | str | None, message: str
) -> None:
    with pytest.raises(WhenError) as error:
        resolve_stay(check_in, check_out, nights, SUNDAY)
    assert str(error.value) == message


def test_a_check_out_written_before_the_check_in_is_kept_for_the_tools_to_refuse() -> None:
    today = date(2027, 3, 1)
    assert resolve_stay("12 March", "10 March", None, today) == (
        date(2027, 3, 12),
        date(2027, 3, 10),
    )
    # Across the year end a yearless check-out still rolls over.
    assert resolve_stay("28 December", "3 January", None, today) == (
        date(2027, 12, 28),
        date(2028, 1, 3),
    )
