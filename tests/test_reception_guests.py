"""Reception tools, people: handing a conversation to staff (once) and back; what is kept about
a guest, remembering preferences, forgetting on request; recognising a returning guest."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TypeVar
from zoneinfo import ZoneInfo

import pytest
from pydantic import BaseModel
from sqlalchemy import func, select

from buffr.db.session import Database
from domain.conversations import Conversation, ConversationStatus
from domain.guests import Guest
from domain.ops import AuditEntry, Notification, NotificationKind
from domain.property import StaffRole
from domain.rooms import RoomReservation
from tests.factories import make_conversation, make_guest, make_reception_hotel, make_stay
from tools.base import Actor, ToolContext, ToolError
from tools.reception import (
    ForgetArgs,
    GuestArgs,
    HandoffArgs,
    IdentifyArgs,
    PreferenceArgs,
    ReleaseArgs,
    forget_me,
    guest_profile,
    handoff_to_staff,
    identify_guest,
    quote_forget_me,
    quote_remember_preference,
    release_handoff,
    remember_preference,
)
from tools.reception.guest_memory import MAX_PREFERENCES

TZ = ZoneInfo("Asia/Jerusalem")
NOW = datetime(2030, 3, 4, 10, 0, tzinfo=TZ)
STAFF = Actor(kind="staff", id=None, name="Front desk", role=StaffRole.MANAGER)
SYSTEM = Actor(kind="system")
A = TypeVar("A", bound=BaseModel)
R = TypeVar("R")


@dataclass(frozen=True)
class World:
    hotel: int
    dana: Actor  # two stays and one upcoming, known by phone and e-mail
    conversation: int  # Dana's
    eli: Actor  # known only by e-mail


@pytest.fixture(scope="module")
def world(db: Database) -> World:
    with db.owner() as session:
        hotel = make_reception_hotel(session)
        dana = make_guest(session, hotel, "+972543330001")
        dana.name, dana.email, dana.notes = "Dana Barak", "dana@example.com", "Allergic to nuts."
        dana.marketing_consent, dana.consent_at = True, NOW
        for room, nights, status in (
            ("101", (date(2029, 6, 1), date(2029, 6, 3)), "checked_out"),
            ("301", (date(2029, 12, 20), date(2029, 12, 23)), "checked_out"),
            ("102", (date(2030, 4, 1), date(2030, 4, 2)), "confirmed"),
        ):
            make_stay(session, hotel.id, dana.id, room, *nights, status)
        eli = Guest(property_id=hotel.id, name="Eli", email="eli@example.org", preferences=[])
        session.add(eli)
        session.flush()
        conversation = make_conversation(session, hotel.id, dana.id)
        return World(
            hotel.id, Actor(kind="guest", id=dana.id), conversation, Actor(kind="guest", id=eli.id)
        )


def call(
    db: Database,
    world: World,
    actor: Actor,
    tool: Callable[[ToolContext, A], R],
    args: A,
    conversation: int | None = None,
) -> R:
    with db.tenant(world.hotel) as session:
        ctx = ToolContext(session, world.hotel, actor, conversation, now=NOW)
        return tool(ctx, args)


def refusal(
    db: Database, world: World, actor: Actor, tool: Callable[[ToolContext, A], R], args: A
) -> str:
    with pytest.raises(ToolError) as error:
        call(db, world, actor, tool, args)
    return str(error.value)


def handoffs(db: Database, conversation: int) -> int:
    with db.owner() as session:
        return int(
            session.scalar(
                select(func.count()).where(
                    Notification.kind == NotificationKind.HANDOFF,
                    Notification.data["conversation_id"].as_integer() == conversation,
                )
            )
            or 0
        )


def conversation_status(db: Database, conversation: int) -> ConversationStatus:
    with db.owner() as session:
        return session.get_one(Conversation, conversation).status


def test_handoff_is_idempotent_and_staff_release_it(db: Database, world: World) -> None:
    reason = HandoffArgs(reason="Wants to discuss a wedding for 120 guests.")
    first = call(db, world, world.dana, handoff_to_staff, reason, world.conversation)
    assert (first.status, first.already_with_staff) == (ConversationStatus.HANDOFF, False)
    second = call(db, world, world.dana, handoff_to_staff, reason, world.conversation)
    assert second.already_with_staff and "already has this conversation" in second.message
    assert handoffs(db, world.conversation) == 1
    assert conversation_status(db, world.conversation) is ConversationStatus.HANDOFF
    with db.owner() as session:
        note = session.scalars(
            select(Notification).where(Notification.kind == NotificationKind.HANDOFF)
        ).one()
    assert "Dana Barak" in note.title and "wedding for 120" in note.body
    assert note.data["guest_id"] == world.dana.id and note.data["channel"] == "whatsapp"

    release = ReleaseArgs(conversation_id=world.conversation)
    assert "Only staff" in refusal(db, world, world.dana, release_handoff, release)
    released = call(db, world, STAFF, release_handoff, release)
    assert released.changed and released.status is ConversationStatus.OPEN
    assert conversation_status(db, world.conversation) is ConversationStatus.OPEN
    assert not call(db, world, STAFF, release_handoff, release).changed
    # A new handoff after the release notifies staff again.
    call(db, world, world.dana, handoff_to_staff, reason, world.conversation)
    assert handoffs(db, world.conversation) == 2
    with db.owner() as session:
        actions = session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.entity == "conversations")
            .order_by(AuditEntry.id)
        ).all()
    assert actions == ["handoff_to_staff", "release_handoff", "handoff_to_staff"]


def test_handoff_needs_a_conversation(db: Database, world: World) -> None:
    message = refusal(db, world, world.dana, handoff_to_staff, HandoffArgs(reason="help"))
    assert "no conversation" in message


def test_profile_shows_what_is_stored(db: Database, world: World) -> None:
    profile = call(db, world, world.dana, guest_profile, GuestArgs())
    assert (profile.name, profile.phone, profile.email) == (
        "Dana Barak",
        "+972543330001",
        "dana@example.com",
    )
    assert profile.stays_count == 2 and profile.upcoming_stays == 1
    assert profile.last_stay is not None and profile.last_stay.check_in == date(2029, 12, 20)
    assert profile.last_stay.room_type == "Sea View Deluxe"
    assert profile.marketing_consent and not profile.opted_out
    assert profile.staff_notes is None  # staff notes are not read out to the guest
    desk = call(db, world, STAFF, guest_profile, GuestArgs(guest_id=world.dana.id))
    assert desk.staff_notes == "Allergic to nuts."
    # A guest asking for another guest's profile gets their own.
    assert (
        call(db, world, world.eli, guest_profile, GuestArgs(guest_id=world.dana.id)).name == "Eli"
    )


def test_remember_preferences(db: Database, world: World) -> None:
    said = PreferenceArgs(text="  Prefers a   quiet room. ")
    preview = call(db, world, world.eli, quote_remember_preference, said)
    assert preview.message == "Would remember: Prefers a quiet room." and preview.preferences == []
    added = call(db, world, world.eli, remember_preference, said)
    assert added.added and added.preferences == ["Prefers a quiet room"]
    again = call(
        db, world, world.eli, remember_preference, PreferenceArgs(text="prefers a QUIET room!")
    )
    assert not again.added and again.preferences == ["Prefers a quiet room"]
    too_long = PreferenceArgs(text="x" * 121)
    assert "fewer words" in refusal(db, world, world.eli, remember_preference, too_long)
    card = PreferenceArgs(text="my card is 4580 1234 5678 9012")
    assert "card or ID numbers" in refusal(db, world, world.eli, remember_preference, card)
    for n in range(MAX_PREFERENCES - 1):
        call(db, world, world.eli, remember_preference, PreferenceArgs(text=f"wish {n}"))
    full = refusal(db, world, world.eli, remember_preference, PreferenceArgs(text="one more"))
    assert f"already remember {MAX_PREFERENCES}" in full
    with db.owner() as session:
        assert len(session.get_one(Guest, world.eli.id).preferences) == MAX_PREFERENCES
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "remember_preference")
        ).first()
    assert entry is not None and "quiet" not in str(entry.before) + str(entry.after)


def test_forget_preferences_then_everything(db: Database, world: World) -> None:
    call(db, world, world.dana, remember_preference, PreferenceArgs(text="high floor"))
    call(db, world, world.dana, forget_me, ForgetArgs(what="preferences"))
    with db.owner() as session:
        dana = session.get_one(Guest, world.dana.id)
        assert dana.preferences == [] and dana.name == "Dana Barak"
    preview = call(db, world, world.dana, quote_forget_me, ForgetArgs(what="all"))
    assert not preview.done and "email" in preview.cleared
    assert any("reservations" in kept for kept in preview.kept)
    done = call(db, world, world.dana, forget_me, ForgetArgs(what="all"))
    assert done.done
    with db.owner() as session:
        dana = session.get_one(Guest, world.dana.id)
        stays = session.scalar(
            select(func.count()).where(RoomReservation.guest_id == world.dana.id)
        )
        trail = session.scalars(select(AuditEntry).where(AuditEntry.action == "forget_me")).all()
    assert (dana.name, dana.email, dana.notes, dana.preferences) == (None, None, None, [])
    assert dana.phone == "+972543330001" and not dana.marketing_consent
    assert dana.opted_out_at == NOW
    assert stays == 3  # reservations are records the law requires us to keep
    assert all("Dana" not in str(entry.before) + str(entry.after) for entry in trail)


def test_identify_a_returning_guest(db: Database, world: World) -> None:
    with db.owner() as session:
        session.add(
            Guest(
                property_id=world.hotel,
                name="Noam",
                phone="+972543330009",
                email="shared@example.com",
                preferences=[],
            )
        )
    by_phone = call(db, world, SYSTEM, identify_guest, IdentifyArgs(phone="054-333-0001"))
    assert (by_phone.found, by_phone.matched_by, by_phone.guest_id) == (
        True,
        "phone",
        world.dana.id,
    )
    # Known by e-mail only, now writing from a new phone: recognised by the e-mail stated.
    eli = call(
        db,
        world,
        SYSTEM,
        identify_guest,
        IdentifyArgs(phone="+972549990000", email="ELI@example.org"),
    )
    assert (eli.found, eli.matched_by, eli.guest_id) == (True, "email", world.eli.id)
    # An e-mail on file for a guest with another phone is not merged.
    clash = call(
        db,
        world,
        SYSTEM,
        identify_guest,
        IdentifyArgs(phone="+972549990000", email="shared@example.com"),
    )
    assert (clash.found, clash.conflict, clash.guest_id) == (False, True, None)
    nobody = call(db, world, STAFF, identify_guest, IdentifyArgs(email="nobody@example.com"))
    assert not nobody.found and not nobody.conflict
    assert "for staff" in refusal(
        db, world, world.eli, identify_guest, IdentifyArgs(email="x@y.org")
    )
    assert "not a" in refusal(db, world, SYSTEM, identify_guest, IdentifyArgs(phone="hello"))
