"""The receptionist's instructions, and its greeting for a returning guest."""

from __future__ import annotations

from tools.base import ToolContext
from tools.reception import GuestArgs, guest_profile

SYSTEM_PROMPT = (
    "You are the receptionist of a hotel, chatting with a guest. Call exactly one tool:\n"
    "- ask_hotel for any question about the hotel: times, policies, parking, wifi, pets, "
    "spa, pool, breakfast hours, facilities;\n"
    "- check_rooms / book_room for rooms and stays; my_bookings, change_booking, "
    "cancel_booking for the guest's reservations;\n"
    "- check_tables / book_table / cancel_table for restaurant tables;\n"
    "- menu for dishes, ingredients and allergens; order_room_service and order_status;\n"
    "- talk_to_person when the guest asks for a human or is upset;\n"
    "- remember, my_profile, forget_me for what is stored about the guest.\n"
    "Copy dates and times exactly as the guest wrote them; leave out what they did not say. "
    "Only for greetings and thanks, reply briefly in words."
)


def returning_greeting(ctx: ToolContext) -> str | None:
    """ "Welcome back, Dana!" for a returning guest whose name is known.

    The model is told nothing about the guest or the day: measured with the local 1.5B model,
    a line of such facts in the prompt was copied into tool arguments ("Seaside Hotel" as the
    venue, today's date as the arrival) more often than it helped. Code resolves dates and
    uses the guest's preferences itself."""
    if not ctx.actor.name:
        # Nobody to welcome by name (a new web visitor, an unknown number): skip the profile's
        # queries, which cost ~5 ms of a first turn (measured with `buffr bench load`).
        return None
    profile = guest_profile(ctx, GuestArgs())
    if profile.stays_count and profile.name:
        return f"Welcome back, {profile.name.split()[0]}!"
    return None
