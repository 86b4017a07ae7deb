"""What the model may not make up: values the guest never wrote.

Small models fill fields that look required with something plausible: "reservation 1", a
check-out copied from the check-in, "nights: 1" or "guests: 2" nobody said. A value counts
only if the guest's words carry it (this message or their recent ones); otherwise it is
dropped and the receptionist falls back on what is known (the guest's only upcoming booking,
the stay's current length) or asks.
"""

from __future__ import annotations

import re
from typing import Any, TypeVar

from pydantic import BaseModel

from agents.reception import llm_tools as t

Call = TypeVar("Call", bound=BaseModel)
_CHANGES = (t.change_booking,)
_DATEISH = re.compile(
    r"\d|today|tonight|tomorrow|week|monday|tuesday|wednesday|thursday|friday|saturday|sunday"
    r"|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec"
    r"|היום|מחר|שבוע|ראשון|שני|שלישי|רביעי|חמישי|שישי|שבת|ינואר|פברואר|מרץ|אפריל|מאי|יוני"
    r"|יולי|אוגוסט|ספטמבר|אוקטובר|נובמבר|דצמבר",
    re.IGNORECASE,
)
_NIGHTS = re.compile(r"night|week|לילה|לילות|שבוע", re.IGNORECASE)
_SAME_LENGTH = re.compile(r"same (number of )?nights|as many nights|אותו מספר לילות", re.IGNORECASE)
_PEOPLE = re.compile(
    r"\b(people|persons?|guests?|adults?|kids|children|of us|pax)\b|\b(alone|just me|only me)\b"
    r"|אנשים|אורחים|מבוגרים|ילדים|לבד",
    re.IGNORECASE,
)


def ground(call: Call, text: str, history: list[list[str]]) -> Call:
    said = " ".join([text, *(said for role, said in history[-4:] if role == "guest")])
    fields = type(call).model_fields
    drop: dict[str, Any] = {}
    reference = getattr(call, "reservation", None)
    if isinstance(reference, str) and not _written(reference, said):
        drop["reservation"] = None
    check_in, check_out = getattr(call, "check_in", None), getattr(call, "check_out", None)
    if check_out and check_in and check_out.strip().lower() == check_in.strip().lower():
        drop["check_out"] = None
    if getattr(call, "nights", None) and (not _NIGHTS.search(said) or _SAME_LENGTH.search(said)):
        drop["nights"] = None
    venue = getattr(call, "venue", None)
    if isinstance(venue, str) and not _mentions(venue, said):
        drop["venue"] = None
    if isinstance(call, _CHANGES) and not _DATEISH.search(said):
        drop |= {"check_in": None, "check_out": None}
    # Changing the party size must be asked for; a new booking keeps its default of two.
    if "guests" in fields and fields["guests"].default is None and not _PEOPLE.search(said):
        drop["guests"] = None
    return call.model_copy(update=drop) if drop else call


def _mentions(name: str, said: str) -> bool:
    """Some word of ``name`` (of three letters or more) is in what the guest said."""
    words = {w.lower() for w in re.findall(r"[^\W_]{3,}", said)}
    return any(w.lower() in words for w in re.findall(r"[^\W_]{3,}", name))


def _written(reference: str, said: str) -> bool:
    words = {w.upper() for w in re.findall(r"[A-Za-z0-9]+", said)}
    wanted = re.sub(r"[^A-Za-z0-9]", "", reference).upper()
    return bool(wanted) and wanted in words
