"""From the model's tool call to a step: resolve what the guest said (dates, which booking),
run the read-only tool, and either answer or ask for the yes that a write needs."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from agents.reception import llm_tools as t
from agents.reception.answers import answer_from_documents
from agents.reception.grounding import date_phrase_in
from agents.reception.menu_args import menu_args
from agents.reception.render import (
    render_availability,
    render_bookings,
    render_menu,
    render_profile,
)
from agents.reception.steps import Pending, Step, action
from agents.reception.when import WhenError, resolve_date, resolve_stay, resolve_time
from tools.base import ToolContext, ToolError
from tools.reception import (
    AvailabilityArgs,
    CancelArgs,
    ChangeArgs,
    ForgetArgs,
    GuestArgs,
    HandoffArgs,
    MyReservationsArgs,
    MyTablesArgs,
    OrderStatusArgs,
    PreferenceArgs,
    ReservationArgs,
    ReservationInfo,
    RoomServiceArgs,
    TableAvailabilityArgs,
    TableCancelArgs,
    TableReservationArgs,
    guest_profile,
    handoff_to_staff,
    menu_search,
    my_reservations,
    my_table_reservations,
    order_status,
    quote_cancellation,
    quote_change,
    quote_forget_me,
    quote_reservation,
    quote_room_service,
    quote_table_cancellation,
    quote_table_reservation,
    remember_preference,
    room_availability,
    table_availability,
)
from tools.reception.availability import RoomTypeOffer
from tools.reception.room_service import OrderLine

Handler = Callable[[ToolContext, BaseModel, date], Step]


class NeedsAnswer(Exception):
    """Something only the guest can tell (which booking, how many nights): ask them."""


def _confirm(
    message: str, ask: str, tool: str, args: BaseModel, actions: list[dict[str, Any]]
) -> Step:
    """Show the preview and ask; the write waits in ``pending`` for the guest's yes."""
    question = f"{message}\n{ask} (yes/no)"
    pending = Pending(tool=tool, arguments=args.model_dump(mode="json"), question=question)
    return Step(reply=question, actions=actions, pending=pending)


def _check_rooms(ctx: ToolContext, call: BaseModel, today: date) -> Step:
    """Free rooms with their prices; when something fits, an offer to book it (the requested
    type, else the cheapest), so the guest's yes books what they were just shown."""
    assert isinstance(call, t.check_rooms)
    check_in, check_out = resolve_stay(call.check_in, call.check_out, call.nights, today)
    args = AvailabilityArgs(
        check_in=check_in, check_out=check_out, guests=call.guests, room_type=call.room_type
    )
    result = room_availability(ctx, args)
    shown = render_availability(result)
    actions = [action("room_availability", args, result)]
    if not result.available:
        return Step(reply=shown, actions=actions)
    best = min(result.available, key=lambda offer: _flexible_total(offer))
    booking = _booking_args(ctx, check_in, check_out, call.guests, best.room_type)
    quote = quote_reservation(ctx, booking)
    actions.append(action("quote_reservation", booking, quote))
    price = f"{quote.price.total:,.2f} {quote.price.currency}"
    ask = f"Shall I book the {quote.room_type_name} for {price}?"
    return _confirm(shown, ask, "create_reservation", booking, actions)


def _flexible_total(offer: RoomTypeOffer) -> Decimal:
    """The total of the rate a booking takes by default (the flexible one), else the cheapest."""
    flexible = [r for r in offer.rates if r.refundable and not r.includes_breakfast]
    return min(r.total for r in (flexible or offer.rates))


def _booking_args(
    ctx: ToolContext, check_in: date, check_out: date, guests: int, room_type: str
) -> ReservationArgs:
    """A booking as the guest asked, with their stored preferences as its special requests."""
    profile = guest_profile(ctx, GuestArgs())
    return ReservationArgs(
        check_in=check_in,
        check_out=check_out,
        guests=guests,
        room_type=room_type,
        special_requests="; ".join(profile.preferences)[:500] or None,
    )


def _book_room(ctx: ToolContext, call: BaseModel, today: date) -> Step:
    assert isinstance(call, t.book_room)
    if call.room_type is None:  # which room is the availability's offer
        return _check_rooms(ctx, t.check_rooms(**call.model_dump()), today)
    check_in, check_out = resolve_stay(call.check_in, call.check_out, call.nights, today)
    args = _booking_args(ctx, check_in, check_out, call.guests, call.room_type)
    quote = quote_reservation(ctx, args)
    actions = [action("quote_reservation", args, quote)]
    return _confirm(quote.message, "Shall I book it?", "create_reservation", args, actions)


def _the_booking(ctx: ToolContext, given: str | None, doing: str) -> str:
    """The reservation the guest means: the code they gave, or their only upcoming one."""
    if given:
        return given
    upcoming = my_reservations(ctx, MyReservationsArgs()).upcoming
    if not upcoming:
        raise ToolError(f"I can't find an upcoming reservation under your name to {doing}.")
    if len(upcoming) > 1:
        codes = ", ".join(f"{r.code} ({r.check_in:%d %b}–{r.check_out:%d %b})" for r in upcoming)
        raise NeedsAnswer(f"You have several reservations: {codes}. Which one shall I {doing}?")
    return upcoming[0].code


def _change_booking(ctx: ToolContext, call: BaseModel, today: date) -> Step:
    assert isinstance(call, t.change_booking)
    code = _the_booking(ctx, call.reservation, "change")
    check_in = check_out = None
    if call.check_in or call.check_out or call.nights:
        current = _upcoming_booking(ctx, code)
        # What the guest did not change stays: the arrival date, or the stay's length.
        start = call.check_in or current.check_in.isoformat()
        nights = call.nights if (call.nights or call.check_out) else current.nights
        check_in, check_out = resolve_stay(start, call.check_out, nights, today)
    args = ChangeArgs(
        reservation=code,
        check_in=check_in,
        check_out=check_out,
        guests=call.guests,
        room_type=call.room_type,
    )
    quote = quote_change(ctx, args)
    return _confirm(
        quote.message,
        "Shall I make this change?",
        "change_reservation",
        args,
        [action("quote_change", args, quote)],
    )


def _upcoming_booking(ctx: ToolContext, code: str) -> ReservationInfo:
    for booking in my_reservations(ctx, MyReservationsArgs()).upcoming:
        if booking.code == code.upper():
            return booking
    raise ToolError(f"I can't find an upcoming reservation {code} under your name.")


def _cancel_booking(ctx: ToolContext, call: BaseModel, today: date) -> Step:
    assert isinstance(call, t.cancel_booking)
    args = CancelArgs(reservation=_the_booking(ctx, call.reservation, "cancel"))
    quote = quote_cancellation(ctx, args)
    actions = [action("quote_cancellation", args, quote)]
    if not quote.can_cancel_here:
        return Step(reply=quote.message, actions=actions)
    return _confirm(quote.message, "Shall I cancel it?", "cancel_reservation", args, actions)


def _table_args(call: t.check_tables | t.book_table, today: date) -> TableAvailabilityArgs:
    day = resolve_date(call.date, today)
    at = resolve_time(call.time, evening_default=True)
    return TableAvailabilityArgs(venue=call.venue, date=day, time=at, party_size=call.party_size)


def _check_tables(ctx: ToolContext, call: BaseModel, today: date) -> Step:
    assert isinstance(call, t.check_tables)
    args = _table_args(call, today)
    result = table_availability(ctx, args)
    return Step(reply=result.message, actions=[action("table_availability", args, result)])


def _book_table(ctx: ToolContext, call: BaseModel, today: date) -> Step:
    assert isinstance(call, t.book_table)
    where = _table_args(call, today)
    args = TableReservationArgs(**where.model_dump(), notes=call.notes)
    quote = quote_table_reservation(ctx, args)
    return _confirm(
        quote.message,
        "Shall I reserve it?",
        "reserve_table",
        args,
        [action("quote_table_reservation", args, quote)],
    )


def _cancel_table(ctx: ToolContext, call: BaseModel, today: date) -> Step:
    assert isinstance(call, t.cancel_table)
    reservation_id = _the_table(ctx, call.reservation)
    args = TableCancelArgs(reservation_id=reservation_id)
    quote = quote_table_cancellation(ctx, args)
    return _confirm(
        quote.message,
        "Shall I cancel it?",
        "cancel_table_reservation",
        args,
        [action("quote_table_cancellation", args, quote)],
    )


def _the_table(ctx: ToolContext, given: str | None) -> int:
    digits = "".join(ch for ch in given or "" if ch.isdigit())
    if digits:
        return int(digits)
    upcoming = my_table_reservations(ctx, MyTablesArgs()).upcoming
    if not upcoming:
        raise ToolError("I can't find an upcoming table reservation under your name.")
    if len(upcoming) > 1:
        listed = ", ".join(f"#{r.id} ({r.venue}, {r.starts_at:%d %b %H:%M})" for r in upcoming)
        raise NeedsAnswer(f"You have several table reservations: {listed}. Which one?")
    return upcoming[0].id


def _menu(ctx: ToolContext, call: BaseModel, today: date) -> Step:
    assert isinstance(call, t.menu)
    args = menu_args(call, ctx.source_message or "")
    result = menu_search(ctx, args)
    return Step(reply=render_menu(result), actions=[action("menu_search", args, result)])


def _order_room_service(ctx: ToolContext, call: BaseModel, today: date) -> Step:
    assert isinstance(call, t.order_room_service)
    args = RoomServiceArgs(
        items=[OrderLine(item=i.item, quantity=i.quantity, notes=i.notes) for i in call.items]
    )
    quote = quote_room_service(ctx, args)
    return _confirm(
        quote.message,
        "Shall I place the order?",
        "place_room_service_order",
        args,
        [action("quote_room_service", args, quote)],
    )


def _order_status(ctx: ToolContext, call: BaseModel, today: date) -> Step:
    args = OrderStatusArgs()
    result = order_status(ctx, args)
    return Step(reply=result.message, actions=[action("order_status", args, result)])


def _my_bookings(ctx: ToolContext, call: BaseModel, today: date) -> Step:
    rooms = my_reservations(ctx, MyReservationsArgs())
    tables = my_table_reservations(ctx, MyTablesArgs())
    return Step(
        reply=render_bookings(rooms, tables),
        actions=[
            action("my_reservations", {}, rooms),
            action("my_table_reservations", {}, tables),
        ],
    )


def _talk_to_person(ctx: ToolContext, call: BaseModel, today: date) -> Step:
    assert isinstance(call, t.talk_to_person)
    args = HandoffArgs(reason=(call.reason or "The guest asked for a person.")[:500])
    result = handoff_to_staff(ctx, args)
    return Step(
        reply=result.message, actions=[action("handoff_to_staff", args, result)], handed_off=True
    )


def _remember(ctx: ToolContext, call: BaseModel, today: date) -> Step:
    assert isinstance(call, t.remember)
    args = PreferenceArgs(text=call.preference[:500])
    result = remember_preference(ctx, args)
    return Step(reply=result.message, actions=[action("remember_preference", args, result)])


def _my_profile(ctx: ToolContext, call: BaseModel, today: date) -> Step:
    profile = guest_profile(ctx, GuestArgs())
    return Step(reply=render_profile(profile), actions=[action("guest_profile", {}, profile)])


def _forget_me(ctx: ToolContext, call: BaseModel, today: date) -> Step:
    assert isinstance(call, t.forget_me)
    args = ForgetArgs(what=call.what)
    quote = quote_forget_me(ctx, args)
    return _confirm(
        quote.message,
        "Shall I delete it?",
        "forget_me",
        args,
        [action("quote_forget_me", args, quote)],
    )


def _ask_hotel(ctx: ToolContext, call: BaseModel, today: date) -> Step:
    assert isinstance(call, t.ask_hotel)
    return answer_from_documents(ctx, call.question)


HANDLERS: dict[str, Handler] = {
    "ask_hotel": _ask_hotel,
    "check_rooms": _check_rooms,
    "book_room": _book_room,
    "my_bookings": _my_bookings,
    "change_booking": _change_booking,
    "cancel_booking": _cancel_booking,
    "check_tables": _check_tables,
    "book_table": _book_table,
    "cancel_table": _cancel_table,
    "menu": _menu,
    "order_room_service": _order_room_service,
    "order_status": _order_status,
    "talk_to_person": _talk_to_person,
    "remember": _remember,
    "my_profile": _my_profile,
    "forget_me": _forget_me,
}


_NEEDS_A_DATE = (t.check_rooms, t.book_room, t.check_tables, t.book_table)
_TIME_QUESTION = re.compile(r"^\s*(when|what time)\b|opening hours|\bopen\b|מתי|באיזו שעה", re.I)


def run_call(ctx: ToolContext, call: BaseModel, today: date, text: str) -> Step:
    """Run one tool call of the model; what the guest must fix comes back as the reply.

    A call that cannot be what the guest meant goes to the documents instead: a booking tool
    for a message with no date in it ("is there parking?"), the menu for a question about
    times ("when is breakfast served?") or one the menu has nothing for."""
    if isinstance(call, t.menu) and _TIME_QUESTION.search(text):
        return answer_from_documents(ctx, text)
    try:
        step = HANDLERS[type(call).__name__](ctx, call, today)
    except WhenError as error:
        if isinstance(call, _NEEDS_A_DATE) and date_phrase_in(text) is None:
            return answer_from_documents(ctx, text)
        return Step(reply=str(error))
    except (ToolError, NeedsAnswer) as error:
        return Step(reply=str(error))
    if isinstance(call, t.menu) and not step.actions[0]["result"]["items"]:
        return answer_from_documents(ctx, text)
    return step
