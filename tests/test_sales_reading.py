"""What code reads from a sales message without the model, and how the model's values are
grounded in the message."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from agents.sales.llm_tools import event_details, ground
from agents.sales.reading import discount_asked, read_facts, read_group_size, read_kind
from domain.sales import LeadKind

TODAY = date(2027, 3, 1)


@pytest.mark.parametrize(
    ("text", "bare", "size"),
    [
        ("we'll be one hundred and twenty people", False, 120),
        ("about one hundred and twenty", True, 120),  # read whole, not also as 20
        ("a group of 12 students", False, 12),
        ("for 2 nights for 30 people", False, 30),
        ("about 80", True, 80),
        ("about 80", False, None),  # a bare number counts only when the size was asked
        ("20 or 30 people", False, 30),  # the number the people word follows: the upper end
    ],
)
def test_group_size(text: str, bare: bool, size: int | None) -> None:
    assert read_group_size(text, bare) == size


def test_one_message_with_every_field() -> None:
    facts = read_facts(
        "Wedding for 200 guests on 18 July, we need a kosher menu, our budget is 90,000 ILS "
        "and we'll decide within two weeks, my email is noa@example.com",
        TODAY,
        None,
        "ILS",
    )
    assert facts.kind is LeadKind.WEDDING
    assert (facts.group_size, facts.event_date) == (200, date(2027, 7, 18))
    assert facts.budget == Decimal(90000) and facts.needs == "a kosher menu"
    assert facts.decision_timeline == "within two weeks"
    assert facts.contact_email == "noa@example.com"


def test_dates() -> None:
    assert read_facts("3 January 2027", TODAY, "event_date", "ILS").event_date == date(2027, 1, 3)
    assert read_facts("3 January", TODAY, "event_date", "ILS").event_date == date(2028, 1, 3)
    spa = read_facts("Do you have a spa weekend package?", TODAY, None, "ILS")
    assert spa.event_date is None and spa.kind is LeadKind.PACKAGE
    ordinal = read_facts("the last Saturday of June", TODAY, "event_date", "ILS")
    assert ordinal.event_date is None and ordinal.date_phrase == "last Saturday of June"
    assert read_facts("19 March", TODAY, "group_size", "ILS").group_size is None  # a date


def test_budgets() -> None:
    assert read_facts("about 20k", TODAY, "budget", "ILS").budget == Decimal(20000)
    usd = read_facts("budget 5,000 USD", TODAY, None, "ILS")
    assert usd.budget is None and usd.budget_note == "5,000 USD"
    assert read_facts("not sure yet", TODAY, "budget", "ILS").budget_note == "not sure yet"
    assert read_facts("for 40 people", TODAY, "budget", "ILS").budget is None  # no money


def test_kinds_and_discounts() -> None:
    assert read_kind("Do you host weddings?") is LeadKind.WEDDING
    assert read_kind("team building for our employees") is LeadKind.CORPORATE
    assert read_kind("hello") is None
    assert discount_asked("Could you do 10% off?") == Decimal(10)
    assert discount_asked("We want a 90 percent discount") == Decimal(90)
    assert discount_asked("Is there any discount?") is True
    assert discount_asked("we are 80 guests") is None


def test_grounding_keeps_only_what_the_guest_wrote() -> None:
    said = "probably in the summer, we'll be around a hundred and fifty of us"
    kept = ground(event_details(event_date="the summer", group_size=150), said)
    assert kept.group_size == 150 and kept.event_date == "the summer"
    dropped = ground(event_details(event_date="12 June", group_size=50, needs="a DJ"), said)
    assert (dropped.group_size, dropped.event_date, dropped.needs) == (None, None, None)


def test_the_sales_suite_loads_with_its_day() -> None:
    from pathlib import Path

    from evals.grading import load_scenarios, load_suite_config

    suite = Path(__file__).resolve().parents[1] / "evals" / "sales"
    scenarios = load_scenarios(suite)
    assert len(scenarios) >= 30
    assert all(s.expect.sql for s in scenarios)  # every one is graded on the database
    assert load_suite_config(suite).today == date(2027, 3, 1)


def test_yes_no_and_a_person() -> None:
    from agents.sales.reading import wants_a_person, wants_to_accept, wants_to_decline

    assert wants_to_accept("Sounds good, we'll take it")
    assert not wants_to_accept("Great, but is parking included?")
    assert wants_to_decline("No thanks, we found another venue")
    assert not wants_to_accept("no, not yet")
    assert wants_a_person("Can I speak to someone from your sales team?")
