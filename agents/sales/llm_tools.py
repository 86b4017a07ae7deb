"""The tools the sales agent's model chooses from, for what code could not read itself.

The model only reads: it fills in what the guest said about the event, in the guest's own
words, and code checks every value against the message (``ground``) before it is stored.
Prices, discounts and stages are never the model's.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, Field

from agents.inventory.numbers import read_number, tokenize


class event_details(BaseModel):
    """What the guest told about their event, group or stay."""

    event_date: str | None = Field(default=None, description="The date in the guest's words")
    group_size: int | None = Field(default=None, description="How many people")
    needs: str | None = Field(default=None, description="What they need, in a few words")


class talk_to_person(BaseModel):
    """The guest asks for a person or is upset."""

    reason: str = Field(description="Why, in a few words")


TOOLS: tuple[type[BaseModel], ...] = (event_details, talk_to_person)
TOOLS_BY_NAME = {tool.__name__: tool for tool in TOOLS}

SYSTEM_PROMPT = (
    "You help a hotel's sales team with an enquiry about an event, a wedding, a group or a "
    "package. Call exactly one tool: event_details with what the guest said (copy dates as "
    "written; leave out what they did not say), or talk_to_person if they want a human."
)


def ground(call: event_details, text: str) -> event_details:
    """Drop what the guest did not write: a group size whose number is not in the message,
    a date none of whose words are."""
    said = text.lower()
    numbers = _numbers(text)
    update: dict[str, object] = {}
    if call.group_size is not None and call.group_size not in numbers:
        update["group_size"] = None
    if call.event_date and not any(
        re.search(rf"\b{re.escape(word)}", said)
        for word in re.findall(r"[^\W_]{3,}|\d+", call.event_date.lower())
    ):
        update["event_date"] = None
    if call.needs and not any(w in said for w in re.findall(r"[^\W_]{4,}", call.needs.lower())):
        update["needs"] = None
    return call.model_copy(update=update) if update else call


def _numbers(text: str) -> set[int]:
    """The whole numbers the message says, each read as a whole: "a hundred and fifty" is
    150, not also 50."""
    words = [token.norm for token in tokenize(text)]
    found, i = set(), 0
    while i < len(words):
        number = read_number(words, i)
        if number is None:
            i += 1
            continue
        if number[0] == number[0].to_integral_value():
            found.add(int(number[0]))
        i += max(number[1], 1)
    return found
