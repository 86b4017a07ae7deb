"""STOP and START: a guest's opt-out from every message of the property, in English and Hebrew.

Only a message that is nothing but the keyword counts ("stop", "STOP!", " הסר "): a sentence
that merely contains "stop" or "cancel" ("cancel my booking") is a request for the agent.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from domain.guests import Guest


class OptCommand(enum.StrEnum):
    STOP = "stop"
    START = "start"


STOP_WORDS = frozenset(
    {"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "הסר", "הסרה", "עצור", "הפסק"}
)
START_WORDS = frozenset({"start", "unstop", "yes", "התחל", "חזור"})
_EDGES = re.compile(r"^[\W_]+|[\W_]+$")
_HEBREW = re.compile(r"[\u0590-\u05FF]")


@dataclass(frozen=True)
class Keyword:
    command: OptCommand
    language: str  # "en" or "he": the language of the confirmation


def classify(text: str) -> Keyword | None:
    """The opt-out command this whole message is, if any."""
    word = _EDGES.sub("", text.strip()).casefold()
    if not word or " " in word:
        return None
    language = "he" if _HEBREW.search(word) else "en"
    if word in STOP_WORDS:
        return Keyword(OptCommand.STOP, language)
    if word in START_WORDS:
        return Keyword(OptCommand.START, language)
    return None


def language_of(text: str) -> str:
    """ "he" for a message with Hebrew letters, else "en" (the language of a system notice)."""
    return "he" if _HEBREW.search(text) else "en"


def apply(
    session: Session, guest_id: int, command: OptCommand, now: datetime | None = None
) -> None:
    """Opt the guest out (withdrawing marketing consent) or back in."""
    if command is OptCommand.STOP:
        values: dict[str, object] = {
            "opted_out_at": now or datetime.now(UTC),
            "marketing_consent": False,
        }
    else:
        values = {"opted_out_at": None}
    session.execute(update(Guest).where(Guest.id == guest_id).values(**values))


def is_opted_out(session: Session, phone: str) -> bool:
    """Whether the guest with this phone number opted out (unknown numbers have not)."""
    found = session.scalar(select(Guest.opted_out_at).where(Guest.phone == phone))
    return found is not None
