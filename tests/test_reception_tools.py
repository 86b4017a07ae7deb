"""Reception tools, rooms: availability, the price breakdown and tax arithmetic, the checks on a
stay request, and the alternatives offered when nothing is free."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import TypeVar, get_type_hints
from zoneinfo import ZoneInfo

import pytest
from pydantic import BaseModel

from buffr.db.session import Database
from domain.property import Property
from tests.factories import make_guest, make_reception_hotel, make_stay
from tools.base import Actor, ToolContext, ToolError, jsonable
from tools.reception import AvailabilityArgs, room_availability

TZ = ZoneInfo("Asia/Jerusalem")
NOW = datetime(2030, 3, 4, 10, 0, tzinfo=TZ)  # Monday
GUEST = Actor(kind="guest", id=None)
A = TypeVar("A", bound=BaseModel)
R = TypeVar("R")


@pytest.fixture(scope="module")
def hotel(db: Database) -> int:
    with db.owner() as session:
        return make_reception_hotel(session).id


def call(db: Database, pid: int, tool: Callable[[ToolContext, A], R], args: A) -> R:
    with db.tenant(pid) as session:
        return tool(ToolContext(session, pid, GUEST, now=NOW), args)


def availability(db: Database, pid: int, **args: object) -> dict[str, object]:
    return jsonable(call(db, pid, room_availability, AvailabilityArgs.model_validate(args)))


def refused(db: Database, pid: int, **args: object) -> str:
    with pytest.raises(ToolError) as error:
        call(db, pid, room_availability, AvailabilityArgs.model_validate(args))
    return str(error.value)


def test_price_breakdown_and_taxes_are_exact(db: Database, hotel: int) -> None:
    result = call(
        db,
        hotel,
        room_availability,
        AvailabilityArgs(
            check_in=date(2030, 3, 6), check_out=date(2030, 3, 9), guests=2, room_type="standard"
        ),
    )
    assert [o.room_type for o in result.available] == ["STD"]
    offer = result.available[0]
    assert offer.rooms_left == 2
    flex = next(r for r in offer.rates if r.rate_plan == "STD-FLEX")
    assert [(n.night.day, n.price, n.source) for n in flex.nights] == [
        (6, Decimal("500.00"), "base rate"),
        (7, Decimal("650.00"), "rate calendar"),
        (8, Decimal("700.00"), "rate calendar"),
    ]
    assert flex.subtotal == Decimal("1850.00")
    assert [(t.name, t.amount) for t in flex.taxes] == [
        ("Tax 17%", Decimal("314.50")),  # 17% of 1850
        ("City tax", Decimal("30.00")),  # 5 per person per night, 2 guests, 3 nights
    ]
    assert flex.total == Decimal("2194.50") and flex.currency == "ILS"
    assert not flex.provisional and flex.refundable
    # Free until 48 hours before the 15:00 check-in on the 6th.
    assert flex.cancellation.free_until == datetime(2030, 3, 4, 15, 0, tzinfo=TZ)
    assert "48 hours" in flex.cancellation.text and "first night" in flex.cancellation.text
    # Rates come cheapest first (breakfast has no weekend prices here); non-refundable says so.
    assert [r.rate_plan for r in offer.rates] == ["STD-NR", "STD-BB", "STD-FLEX"]
    non_refundable = offer.rates[0]
    assert non_refundable.total == Decimal("1574.40")  # 1320 + 224.40 tax + 30 city tax
    assert non_refundable.cancellation.free_until is None
    assert "Non-refundable" in non_refundable.cancellation.text
    assert "Free from 06 Mar to 09 Mar 2030" in result.message


def test_tax_included_in_prices_is_shown_not_added(db: Database, hotel: int) -> None:
    """Where the property publishes prices with VAT in them, the quote shows VAT's share."""
    with db.owner() as session:
        prop = session.get(Property, hotel)
        assert prop is not None
        saved = dict(prop.policies)
        prop.policies = {**saved, "tax": {"included_in_prices": True}}
    try:
        result = call(
            db,
            hotel,
            room_availability,
            AvailabilityArgs(
                check_in=date(2030, 3, 6), check_out=date(2030, 3, 7), guests=2, room_type="STD"
            ),
        )
    finally:
        with db.owner() as session:
            prop = session.get(Property, hotel)
            assert prop is not None
            prop.policies = saved
    flex = next(r for r in result.available[0].rates if r.rate_plan == "STD-FLEX")
    assert flex.subtotal == Decimal("500.00")
    vat, city = flex.taxes
    assert (vat.name, vat.amount, vat.included) == ("VAT 17% (included)", Decimal("72.65"), True)
    assert (city.amount, city.included) == (Decimal("10.00"), False)
    assert flex.total == Decimal("510.00")  # 500 with VAT inside, plus the city tax


def test_result_is_json_for_the_model(db: Database, hotel: int) -> None:
    data = availability(db, hotel, check_in="2030-03-06", check_out="2030-03-07", guests=1)
    offers = data["available"]
    assert isinstance(offers, list) and {o["room_type"] for o in offers} == {"STD", "DLX", "FAM"}
    assert offers[0]["rates"][0]["total"] == "519.80"  # 440 + 74.80 tax + 5 city tax
    assert offers[0]["rates"][0]["nights"][0]["night"] == "2030-03-06"


def test_nights_after_the_published_calendar_are_provisional(db: Database, hotel: int) -> None:
    result = call(
        db,
        hotel,
        room_availability,
        AvailabilityArgs(
            check_in=date(2030, 4, 29), check_out=date(2030, 5, 2), guests=2, room_type="STD"
        ),
    )
    flex = next(r for r in result.available[0].rates if r.rate_plan == "STD-FLEX")
    assert [n.source for n in flex.nights] == [
        "base rate",
        "rate calendar",
        "not yet published",
    ]
    assert [n.price for n in flex.nights] == [Decimal(500), Decimal(520), Decimal(500)]
    assert flex.provisional and "not published yet" in flex.notes[0]
    # A plan without any calendar is simply at its base price.
    deluxe = call(
        db,
        hotel,
        room_availability,
        AvailabilityArgs(
            check_in=date(2030, 4, 29), check_out=date(2030, 5, 2), guests=2, room_type="DLX"
        ),
    )
    assert not deluxe.available[0].rates[0].provisional


def test_check_in_in_the_past(db: Database, hotel: int) -> None:
    message = refused(db, hotel, check_in="2030-03-03", check_out="2030-03-05", guests=2)
    assert "in the past" in message and "today is 04 Mar 2030" in message


def test_today_is_the_property_s_date(db: Database, hotel: int) -> None:
    # 23:30 on the 3rd in UTC is already the 4th in Jerusalem: the 4th is today, not past.
    late_utc = datetime(2030, 3, 3, 23, 30, tzinfo=ZoneInfo("UTC"))
    args = AvailabilityArgs(check_in=date(2030, 3, 4), check_out=date(2030, 3, 5), guests=1)
    with db.tenant(hotel) as session:
        result = room_availability(ToolContext(session, hotel, GUEST, now=late_utc), args)
    assert result.available


@pytest.mark.parametrize("check_out", ["2030-03-10", "2030-03-09"])
def test_check_out_must_be_after_check_in(db: Database, hotel: int, check_out: str) -> None:
    message = refused(db, hotel, check_in="2030-03-10", check_out=check_out, guests=2)
    assert "must be after check-in" in message


def test_stays_over_thirty_nights_go_to_the_team(db: Database, hotel: int) -> None:
    message = refused(db, hotel, check_in="2030-03-10", check_out="2030-04-10", guests=2)
    assert "up to 30 nights" in message and "31 nights" in message


def test_bookings_open_a_year_ahead(db: Database, hotel: int) -> None:
    message = refused(db, hotel, check_in="2031-06-01", check_out="2031-06-03", guests=2)
    assert "365 days ahead" in message


def test_forty_guests_get_the_maximum_and_a_way_forward(db: Database, hotel: int) -> None:
    message = refused(db, hotel, check_in="2030-03-10", check_out="2030-03-12", guests=40)
    assert "largest room, the Family Suite, sleeps 5" in message
    assert "several rooms" in message and "sales team" in message


def test_a_room_type_too_small_points_to_the_others(db: Database, hotel: int) -> None:
    result = call(
        db,
        hotel,
        room_availability,
        AvailabilityArgs(
            check_in=date(2030, 3, 20), check_out=date(2030, 3, 21), guests=3, room_type="STD"
        ),
    )
    assert result.available == []
    assert [o.room_type for o in result.other_room_types] == ["DLX", "FAM"]
    assert "The Standard Room sleeps at most 2." in result.message


def test_unknown_room_type_lists_the_real_ones(db: Database, hotel: int) -> None:
    message = refused(
        db, hotel, check_in="2030-03-10", check_out="2030-03-11", guests=1, room_type="villa"
    )
    assert "Standard Room (STD)" in message and "Family Suite (FAM)" in message


def test_nothing_free_offers_other_types_and_nearest_dates(db: Database, hotel: int) -> None:
    with db.owner() as session:
        guest = make_guest(session, session.get_one(Property, hotel), "+972541000001")
        make_stay(session, hotel, guest.id, "301", date(2030, 3, 10), date(2030, 3, 13))
    asked = AvailabilityArgs(
        check_in=date(2030, 3, 11), check_out=date(2030, 3, 12), guests=2, room_type="DLX"
    )
    result = call(db, hotel, room_availability, asked)
    assert result.available == []
    assert [o.room_type for o in result.other_room_types] == ["STD", "FAM"]
    assert all(o.rates for o in result.other_room_types)  # priced, ready to offer
    # The one-night stay moved: the 10th-12th are taken, the 9th and the 13th are free.
    assert [(o.check_in, o.shift_days, o.room_types) for o in result.nearest_dates] == [
        (date(2030, 3, 9), -2, ["DLX"]),
        (date(2030, 3, 13), 2, ["DLX"]),
        (date(2030, 3, 8), -3, ["DLX"]),
    ]
    # Without another type to offer, the nearest dates are the answer.
    with db.owner() as session:
        guest = make_guest(session, session.get_one(Property, hotel), "+972541000002")
        for number in ("101", "102"):
            make_stay(session, hotel, guest.id, number, date(2030, 3, 11), date(2030, 3, 12))
        make_stay(session, hotel, guest.id, "401", date(2030, 3, 11), date(2030, 3, 12))
    everything = call(
        db,
        hotel,
        room_availability,
        AvailabilityArgs(check_in=date(2030, 3, 11), check_out=date(2030, 3, 12), guests=2),
    )
    assert everything.available == [] and everything.other_room_types == []
    assert everything.nearest_dates[0].check_in == date(2030, 3, 10)
    assert set(everything.nearest_dates[0].room_types) == {"STD", "FAM"}
    assert "Nearest dates with rooms" in everything.message


def _tools() -> dict[str, Callable[..., object]]:
    import tools.reception as reception

    return {
        name: getattr(reception, name)
        for name in reception.__all__
        if name[0].islower() and callable(getattr(reception, name))
    }


def test_every_tool_has_the_typed_contract() -> None:
    """fn(ctx, args) -> result, pydantic in and out, a docstring for the model to read, and
    a schema an LLM tool binding can use."""
    tools = _tools()
    assert len(tools) == 26
    for name, tool in tools.items():
        hints = get_type_hints(tool)
        args_type, result_type = hints.pop("args"), hints.pop("return")
        assert hints == {"ctx": ToolContext}, name
        assert issubclass(args_type, BaseModel) and issubclass(result_type, BaseModel), name
        assert tool.__doc__ and len(tool.__doc__) > 40, name
        assert args_type.model_json_schema()["type"] == "object", name
        assert result_type.model_json_schema()["type"] == "object", name


def test_every_write_has_a_preview_with_the_same_arguments() -> None:
    from tools.reception import WRITE_PREVIEWS

    tools = _tools()
    for write, preview in WRITE_PREVIEWS.items():
        assert get_type_hints(tools[write])["args"] is get_type_hints(tools[preview])["args"]
        assert "Read only" in " ".join((tools[preview].__doc__ or "").split()), preview
