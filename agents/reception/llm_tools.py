"""The tools the receptionist's model chooses from, as the model sees them.

They describe what the guest asked in the guest's own terms (dates as said: "next Friday"); the
receptionist resolves them (``agents.reception.when``), runs the typed tools of
``tools.reception`` and words the answer itself. Writes are never done on the model's say-so:
a write tool only produces a preview, and the guest's "yes" carries it out (see ``flow``).
Descriptions are short on purpose: every word is prompt the local model reads on each turn.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

# No example dates: measured, the local model copied an example ("next Friday") into calls
# for messages that named no date at all.
_AS_SAID = "The date in the guest's own words"
DateText = Field(description=_AS_SAID)
MaybeDateText = Field(default=None, description=_AS_SAID)


class ask_hotel(BaseModel):
    """Any question about the hotel: check-in and check-out times, policies, facilities,
    opening hours, spa, pool, parking, wifi, breakfast times, pets, directions."""

    question: str = Field(description="The guest's question, in English")


class check_rooms(BaseModel):
    """Free rooms and prices for a stay."""

    check_in: str = DateText
    check_out: str | None = MaybeDateText
    nights: int | None = None
    guests: int = 2
    room_type: str | None = None


class book_room(BaseModel):
    """Book a room for a stay."""

    check_in: str = DateText
    check_out: str | None = MaybeDateText
    nights: int | None = None
    guests: int = 2
    room_type: str | None = None


class my_bookings(BaseModel):
    """The guest's own room reservations and table reservations."""


class change_booking(BaseModel):
    """Change the guest's room reservation: dates, number of guests or room type."""

    reservation: str | None = Field(default=None, description="Its code, if the guest gave it")
    check_in: str | None = MaybeDateText
    check_out: str | None = MaybeDateText
    nights: int | None = None
    guests: int | None = None
    room_type: str | None = None


class cancel_booking(BaseModel):
    """Cancel the guest's room reservation."""

    reservation: str | None = Field(default=None, description="Its code, if the guest gave it")


class check_tables(BaseModel):
    """Free restaurant tables at a date and time."""

    date: str = DateText
    time: str = Field(description="The time in the guest's own words")
    party_size: int = 2
    venue: str | None = None


class book_table(BaseModel):
    """Reserve a restaurant table."""

    date: str = DateText
    time: str = Field(description="The time in the guest's own words")
    party_size: int = 2
    venue: str | None = None
    notes: str | None = None


class cancel_table(BaseModel):
    """Cancel the guest's table reservation."""

    reservation: str | None = None


class menu(BaseModel):
    """Dishes and drinks on the menu: ingredients, allergens, diets, prices."""

    query: str | None = Field(default=None, description="Dish, course or ingredient words")
    dietary: list[str] = Field(default_factory=list, description="Diets the guest named")
    avoid_allergens: list[str] = Field(
        default_factory=list, description="Allergies the guest named"
    )


class RoomServiceItem(BaseModel):
    item: str
    quantity: int = 1
    notes: str | None = None


class order_room_service(BaseModel):
    """Order food or drinks to the guest's room."""

    items: list[RoomServiceItem]


class order_status(BaseModel):
    """Where the guest's room-service order is."""


class talk_to_person(BaseModel):
    """Hand the conversation to a member of staff (the guest asks for a person, or is upset)."""

    reason: str


class remember(BaseModel):
    """Remember a lasting preference the guest tells you about themselves."""

    preference: str


class my_profile(BaseModel):
    """What the hotel has stored about the guest."""


class forget_me(BaseModel):
    """Delete what is stored about the guest: their preferences, or all personal details."""

    what: Literal["preferences", "all"] = "all"


TOOLS: list[type[BaseModel]] = [
    ask_hotel,
    check_rooms,
    book_room,
    my_bookings,
    change_booking,
    cancel_booking,
    check_tables,
    book_table,
    cancel_table,
    menu,
    order_room_service,
    order_status,
    talk_to_person,
    remember,
    my_profile,
    forget_me,
]
TOOLS_BY_NAME = {tool.__name__: tool for tool in TOOLS}
