"""The receptionist's instructions, and its greeting for a returning guest."""

from __future__ import annotations

from tools.base import ToolContext
from tools.reception import GuestArgs, guest_profile

SYSTEM_PROMPT = (
    "You are the receptionist of a hotel, chatting with a guest. Call exactly one tool for what "
    "the guest wants: questions about the hotel go to ask_hotel; rooms, bookings, tables, the "
    "menu, room service, their stored details. Copy dates and times as the guest said them. "
    "Call talk_to_person when the guest asks for a human or is upset. Only for greetings and "
    "thanks, reply briefly in words. Never invent facts, prices or availability."
)


def returning_greeting(ctx: ToolContext) -> str | None:
    """ "Welcome back, Dana!" for a returning guest whose name is known.

    The model is told nothing about the guest or the day: measured with the local 1.5B model,
    a line of such facts in the prompt was copied into tool arguments ("Seaside Hotel" as the
    venue, today's date as the arrival) more often than it helped. Code resolves dates and
    uses the guest's preferences itself."""
    profile = guest_profile(ctx, GuestArgs())
    if profile.stays_count and profile.name:
        return f"Welcome back, {profile.name.split()[0]}!"
    return None
