"""Shared by the campaign tests: a small hotel with guests of every kind a campaign must tell
apart, on its own property (so rate-limit counters and campaigns never mix between tests)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from buffr.db.session import Database
from domain.guests import Guest
from domain.property import Property
from tests.factories import make_conversation, make_reception_hotel, make_stay

TZ = ZoneInfo("Asia/Jerusalem")
NOW = datetime(2030, 3, 1, 16, 0, tzinfo=TZ)  # daytime at the hotel and in New York (09:00)
NIGHT = datetime(2030, 3, 1, 23, 30, tzinfo=TZ)  # quiet hours at the hotel
OFFER = "15% off two nights in spring"


@dataclass
class Hotel:
    slug: str
    property_id: int
    guests: dict[str, int] = field(default_factory=dict)  # label -> guest id
    phones: dict[str, str] = field(default_factory=dict)


def _phone() -> str:
    return f"+4477009{uuid.uuid4().int % 100000:05d}"


def add_guest(session: Session, hotel: Hotel, label: str, *, consent: bool = True,
              opted_out: bool = False, phone: bool = True, timezone: str | None = None,
              last_stay_days: int | None = 200, whatsapp: bool = False,
              spend: Decimal = Decimal("1000.00"), room: str = "101",
              now: datetime = NOW) -> int:  # fmt: skip
    number = _phone() if phone else None
    guest = Guest(
        property_id=hotel.property_id, name=f"{label.title()} Guest", phone=number,
        email=None if phone else f"{uuid.uuid4().hex[:8]}@example.com", preferences=[],
        marketing_consent=consent and not opted_out,
        consent_at=NOW - timedelta(days=400) if consent else None,
        opted_out_at=NOW - timedelta(days=1) if opted_out else None, timezone=timezone,
    )  # fmt: skip
    session.add(guest)
    session.flush()
    if last_stay_days is not None:
        check_out = now.date() - timedelta(days=last_stay_days)
        make_stay(session, hotel.property_id, guest.id, room, check_out - timedelta(days=2),
                  check_out, status="checked_out", total=spend)  # fmt: skip
    if whatsapp:
        make_conversation(session, hotel.property_id, guest.id)  # last channel WhatsApp
    hotel.guests[label] = guest.id
    hotel.phones[label] = number or ""
    return guest.id


def make_hotel(
    db: Database, policies: Mapping[str, object] | None = None, now: datetime = NOW
) -> Hotel:
    """A hotel with one guest of each kind, their stays ``now`` minus some days;
    ``hotel.guests`` names them."""
    slug = f"h{uuid.uuid4().hex[:8]}"
    with db.owner() as session:
        prop = make_reception_hotel(session, slug)
        if policies:
            prop.policies = {**prop.policies, **policies}
        hotel = Hotel(slug, prop.id)
        add_guest(session, hotel, "lapsed sms", last_stay_days=200, now=now)
        add_guest(session, hotel, "no consent", consent=False, last_stay_days=300, now=now)
        add_guest(session, hotel, "opted out", opted_out=True, last_stay_days=400, now=now)
        add_guest(session, hotel, "no phone", phone=False, last_stay_days=500, now=now)
        add_guest(
            session, hotel, "whatsapp", whatsapp=True, last_stay_days=600, room="102", now=now
        )
        add_guest(session, hotel, "recent", last_stay_days=10, room="102", now=now)
        add_guest(
            session, hotel, "new york", timezone="America/New_York", last_stay_days=700, now=now
        )
    return hotel


def property_name(db: Database, property_id: int) -> str:
    with db.owner() as session:
        return str(session.scalar(select(Property.name).where(Property.id == property_id)))


def as_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)
