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

from agents.inventory.lexicon import wordset
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
    if _SAME_LENGTH.search(said) and getattr(call, "check_out", None):
        drop["check_out"] = None  # "same number of nights": the length is the booking's own
    for name in ("venue", "room_type"):
        value = getattr(call, name, None)
        if isinstance(value, str) and not _mentions(value, said):
            drop[name] = None
    check_out = drop.get("check_out", getattr(call, "check_out", None))
    if isinstance(check_out, str) and not _date_said(check_out, said):
        drop["check_out"] = None
    for name in ("check_in", "date"):  # a date nobody said: take the one in the message
        phrase = getattr(call, name, None)
        if isinstance(phrase, str) and not _date_said(phrase, said):
            drop[name] = date_phrase_in(text) or ""
        elif isinstance(phrase, str) and (year := _unsaid_year(phrase, said)):
            drop[name] = phrase.replace(year, "").strip(" ,./-")
    if drop.get("check_in") == "" and "check_in" in fields and fields["check_in"].default is None:
        drop["check_in"] = None
    if isinstance(call, _CHANGES) and not _DATEISH.search(said):
        drop |= {"check_in": None, "check_out": None}
    # Changing the party size must be asked for; a new booking keeps its default of two.
    if "guests" in fields and fields["guests"].default is None and not _PEOPLE.search(said):
        drop["guests"] = None
    return call.model_copy(update=drop) if drop else call


_DATE_PHRASE = re.compile(
    r"\b(?:(?:this|next|on)\s+)?(?:today|tonight|tomorrow|monday|tuesday|wednesday|thursday"
    r"|friday|saturday|sunday|weekend)\b(?:\s+next\s+week)?"
    r"|\b\d{1,2}[./-]\d{1,2}(?:[./-]\d{2,4})?\b"
    r"|\b\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*"
    r"|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\s+\d{1,2}(?:st|nd|rd|th)?\b"
    r"|\bthe\s+\d{1,2}(?:st|nd|rd|th)\b"
    r"|(?:ב?יום\s+)?(?:ראשון|שני|שלישי|רביעי|חמישי|שישי|שבת)(?:\s+הבא)?|מחרתיים|מחר|היום|הערב",
    re.IGNORECASE,
)
_DATE_FILLERS = wordset("the on at of for from this next in a an")
# Hebrew words for the room types, so "חדר סטנדרט" grounds room_type "standard".
_ROOM_WORDS = {"סטנדרט": "standard", "רגיל": "standard", "דלוקס": "deluxe", "ים": "sea view",
               "סוויטה": "suite", "משפחתי": "family", "משפחתית": "family"}  # fmt: skip


def date_phrase_in(text: str) -> str | None:
    """The first date phrase in the guest's own words ("tonight", "next Friday", "12/3")."""
    found = _DATE_PHRASE.search(text)
    return found.group(0) if found else None


def _date_said(phrase: str, said: str) -> bool:
    """Whether the guest's words carry the model's date phrase: some word of it other than
    fillers and the year, or its digits ("12/3" in "12/3/2027")."""
    lowered = said.lower()
    for word in re.findall(r"\d+(?:[./-]\d+)+|[^\W_]+", phrase.lower()):
        if word in _DATE_FILLERS or re.fullmatch(r"20\d\d", word):
            continue
        digits = re.match(r"\d{1,2}[./-]\d{1,2}", word)
        if (digits and digits.group(0) in lowered) or re.search(rf"\b{re.escape(word)}", lowered):
            return True
    return False


def _unsaid_year(phrase: str, said: str) -> str | None:
    """A year in the model's date phrase that the guest never wrote ("12/3/2023" for "12/3"),
    with its separator, to be cut off: the resolver then picks the coming date."""
    found = re.search(r"[./-]?\b(20\d\d|\d\d)$|\s*\b20\d\d\b", phrase.strip())
    if found is None or found.group(0).strip(" ./-") in said:
        return None
    if re.fullmatch(r"\d{1,2}[./-]\d{1,2}", phrase.strip()):
        return None  # "12/3" itself: no year to cut
    return found.group(0)


def _mentions(name: str, said: str) -> bool:
    """Some word of ``name`` (of three letters or more) is in what the guest said."""
    words = {w.lower() for w in re.findall(r"[^\W_]{2,}", said)}
    words |= {english for hebrew, english in _ROOM_WORDS.items() if hebrew in words}
    return any(w.lower() in words for w in re.findall(r"[^\W_]{3,}", name))


def _written(reference: str, said: str) -> bool:
    words = {w.upper() for w in re.findall(r"[A-Za-z0-9]+", said)}
    wanted = re.sub(r"[^A-Za-z0-9]", "", reference).upper()
    return bool(wanted) and wanted in words
