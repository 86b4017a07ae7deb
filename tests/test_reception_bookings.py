"""Reception tools, bookings: create, list, change and cancel under the policy; one guest never
reaches another's booking, nor a session of one property another property's; two guests racing
for the last room get one booking and one clear refusal."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import psycopg
import pytest
from pydantic import BaseModel
from sqlalchemy import func, select, text

from buffr.db.session import Database
from domain.ops import AuditEntry, Notification, NotificationKind
from domain.property import StaffRole
from domain.rooms import ReservationStatus, RoomReservation
from tests.factories import make_guest, make_property, make_reception_hotel, make_room, make_stay
from tools.base import Actor, ToolContext, ToolError
from tools.reception import (
    CancelArgs,
    ChangeArgs,
    MyReservationsArgs,
    ReservationArgs,
    cancel_reservation,
    change_reservation,
    create_reservation,
    my_reservations,
    quote_cancellation,
    quote_change,
    quote_reservation,
)
from tools.reception.reservations import BookingResult

TZ = ZoneInfo("Asia/Jerusalem")
NOW = datetime(2030, 3, 4, 10, 0, tzinfo=TZ)  # Monday
STAFF = Actor(kind="staff", id=None, name="Front desk", role=StaffRole.MANAGER)
A = TypeVar("A", bound=BaseModel)
R = TypeVar("R")


@dataclass(frozen=True)
class World:
    hotel: int
    other: int  # a second property
    alice: Actor
    bob: Actor
    carol: Actor  # a guest of the other property


@pytest.fixture(scope="module")
def world(db: Database) -> World:
    with db.owner() as session:
        hotel = make_reception_hotel(session)
        other = make_property(session, "elsewhere")
        make_room(session, other, "11")
        alice = make_guest(session, hotel, "+972541110001")
        bob = make_guest(session, hotel, "+972541110002")
        carol = make_guest(session, other, "+972541110003")
        return World(
            hotel.id,
            other.id,
            Actor(kind="guest", id=alice.id),
            Actor(kind="guest", id=bob.id),
            Actor(kind="guest", id=carol.id),
        )


def call(db: Database, pid: int, actor: Actor, tool: Callable[[ToolContext, A], R], args: A) -> R:
    with db.tenant(pid) as session:
        return tool(ToolContext(session, pid, actor, now=NOW), args)


def refusal(
    db: Database, pid: int, actor: Actor, tool: Callable[[ToolContext, A], R], args: A
) -> str:
    with pytest.raises(ToolError) as error:
        call(db, pid, actor, tool, args)
    return str(error.value)


def stay(
    db: Database,
    world: World,
    guest: Actor,
    room: str,
    nights: tuple[date, date],
    status: str = "confirmed",
    plan: str | None = "STD-FLEX",
    total: str = "1000",
) -> int:
    """A reservation written directly, for the situations a test needs (past, late, ...)."""
    assert guest.id is not None
    with db.owner() as session:
        return make_stay(
            session, world.hotel, guest.id, room, *nights, status, plan, Decimal(total)
        )


def status_of(db: Database, reservation_id: int) -> ReservationStatus:
    with db.owner() as session:
        return session.get_one(RoomReservation, reservation_id).status


def test_create_and_list_only_your_own(db: Database, world: World) -> None:
    args = ReservationArgs(
        check_in=date(2030, 3, 20), check_out=date(2030, 3, 22), guests=2, room_type="STD"
    )
    quote = call(db, world.hotel, world.alice, quote_reservation, args)
    assert quote.price.total == Decimal("1190.00")  # 2 × 500 + 17% + 2 × 2 × 5 city tax
    assert quote.status_after_booking is ReservationStatus.CONFIRMED and quote.rooms_left == 2
    booked = call(db, world.hotel, world.alice, create_reservation, args)
    info = booked.reservation
    assert info.code.startswith("HVH") and len(info.code) == 9
    assert (info.status, info.total, info.stage) == ("confirmed", Decimal("1190.00"), "upcoming")
    assert info.room_number in ("101", "102") and info.guests == 2
    with db.owner() as session:
        row = session.get_one(RoomReservation, info.id)
        assert (row.guest_id, row.total_amount, row.rate_plan_id is not None) == (
            world.alice.id,
            Decimal("1190.00"),
            True,
        )
        audits = session.scalars(
            select(AuditEntry.action).where(
                AuditEntry.entity == "room_reservations", AuditEntry.entity_id == str(info.id)
            )
        ).all()
        note = session.scalars(
            select(Notification).where(Notification.data["code"].as_string() == info.code)
        ).one()
    assert audits == ["create_reservation"]
    assert note.kind is NotificationKind.BOOKING and note.data["action"] == "created"
    mine = call(db, world.hotel, world.alice, my_reservations, MyReservationsArgs())
    assert info.code in [r.code for r in mine.upcoming]
    theirs = call(
        db, world.hotel, world.bob, my_reservations, MyReservationsArgs(guest_id=world.alice.id)
    )
    assert info.code not in [r.code for r in theirs.upcoming + theirs.past]
    desk = call(
        db, world.hotel, STAFF, my_reservations, MyReservationsArgs(guest_id=world.alice.id)
    )
    assert info.code in [r.code for r in desk.upcoming]


def test_staff_must_name_the_guest(db: Database, world: World) -> None:
    args = ReservationArgs(
        check_in=date(2030, 3, 23), check_out=date(2030, 3, 24), guests=1, room_type="STD"
    )
    assert "Say which guest" in refusal(db, world.hotel, STAFF, create_reservation, args)
    booked = call(
        db,
        world.hotel,
        STAFF,
        create_reservation,
        args.model_copy(update={"guest_id": world.bob.id}),
    )
    with db.owner() as session:
        assert session.get_one(RoomReservation, booked.reservation.id).guest_id == world.bob.id


def test_a_guest_cannot_see_or_cancel_anothers_booking(db: Database, world: World) -> None:
    reservation = stay(db, world, world.alice, "101", (date(2030, 4, 1), date(2030, 4, 3)))
    with db.owner() as session:
        code = session.get_one(RoomReservation, reservation).code
    missing = refusal(
        db, world.hotel, world.bob, quote_cancellation, CancelArgs(reservation="TNOSUCH")
    )
    for ref in (code, reservation, str(reservation), code.lower()):
        attempts: list[tuple[Callable[[ToolContext, Any], object], BaseModel]] = [
            (quote_cancellation, CancelArgs(reservation=ref)),
            (cancel_reservation, CancelArgs(reservation=ref)),
            (quote_change, ChangeArgs(reservation=ref, check_out=date(2030, 4, 4))),
            (change_reservation, ChangeArgs(reservation=ref, check_out=date(2030, 4, 4))),
        ]
        for tool, args in attempts:
            message = refusal(db, world.hotel, world.bob, tool, args)
            # Word for word the answer for a booking that does not exist.
            assert message == missing.replace("TNOSUCH", str(ref))
    assert status_of(db, reservation) is ReservationStatus.CONFIRMED
    seen = call(db, world.hotel, world.alice, quote_cancellation, CancelArgs(reservation=code))
    assert seen.reservation.id == reservation and seen.free


def test_a_property_cannot_reach_anothers_booking(db: Database, world: World) -> None:
    assert world.carol.id is not None
    with db.owner() as session:
        elsewhere = make_stay(
            session,
            world.other,
            world.carol.id,
            "11",
            date(2030, 4, 1),
            date(2030, 4, 2),
            plan_code=None,
        )
    for actor in (world.alice, STAFF):
        message = refusal(
            db, world.hotel, actor, cancel_reservation, CancelArgs(reservation=elsewhere)
        )
        assert f"can't find reservation {elsewhere}" in message
    assert status_of(db, elsewhere) is ReservationStatus.CONFIRMED
    own = call(db, world.other, world.carol, quote_cancellation, CancelArgs(reservation=elsewhere))
    assert own.reservation.id == elsewhere


def test_change_is_repriced_and_keeps_the_room(db: Database, world: World) -> None:
    booked = call(
        db,
        world.hotel,
        world.alice,
        create_reservation,
        ReservationArgs(
            check_in=date(2030, 3, 25), check_out=date(2030, 3, 27), guests=2, room_type="STD"
        ),
    )
    before = booked.reservation
    longer = ChangeArgs(reservation=before.code, check_out=date(2030, 3, 28))
    quote = call(db, world.hotel, world.alice, quote_change, longer)
    assert quote.price.total == Decimal("1785.00")  # 3 × 500 + 255 tax + 30 city tax
    assert quote.difference == Decimal("595.00") and quote.keeps_room
    changed = call(db, world.hotel, world.alice, change_reservation, longer)
    after = changed.reservation
    assert (after.check_out, after.total, after.room_number) == (
        date(2030, 3, 28),
        Decimal("1785.00"),
        before.room_number,
    )
    upgraded = call(
        db,
        world.hotel,
        world.alice,
        change_reservation,
        ChangeArgs(reservation=before.id, room_type="deluxe", guests=3),
    )
    assert (upgraded.reservation.room_type, upgraded.reservation.room_number) == ("DLX", "301")
    assert upgraded.reservation.total == Decimal("2853.00")  # 3 × 800 + 408 + 3 × 3 × 5
    assert upgraded.difference == Decimal("1068.00")
    with db.owner() as session:
        audits = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.entity == "room_reservations", AuditEntry.entity_id == str(before.id))
            .order_by(AuditEntry.id)
        ).all()
        changes = session.scalar(
            select(func.count()).where(
                Notification.data["reservation_id"].as_integer() == before.id,
                Notification.data["action"].as_string() == "changed",
            )
        )
    assert [a.action for a in audits] == [
        "create_reservation",
        "change_reservation",
        "change_reservation",
    ]
    assert audits[1].before is not None and audits[1].before["check_out"] == "2030-03-27"
    assert audits[1].after is not None and audits[1].after["check_out"] == "2030-03-28"
    assert changes == 2


def test_changes_that_need_a_person(db: Database, world: World) -> None:
    soon = stay(db, world, world.alice, "102", (date(2030, 3, 5), date(2030, 3, 6)))
    message = refusal(
        db,
        world.hotel,
        world.alice,
        quote_change,
        ChangeArgs(reservation=soon, check_out=date(2030, 3, 7)),
    )
    assert "go through our staff" in message and "pass you" in message
    fixed = stay(
        db, world, world.alice, "101", (date(2030, 4, 20), date(2030, 4, 22)), plan="STD-NR"
    )
    message = refusal(
        db,
        world.hotel,
        world.alice,
        change_reservation,
        ChangeArgs(reservation=fixed, check_out=date(2030, 4, 23)),
    )
    assert "non-refundable" in message
    later = stay(db, world, world.alice, "101", (date(2030, 5, 1), date(2030, 5, 3)))
    assert "as it stands" in refusal(
        db, world.hotel, world.alice, quote_change, ChangeArgs(reservation=later)
    )
    stay(db, world, world.bob, "301", (date(2030, 5, 1), date(2030, 5, 3)), plan="DLX-FLEX")
    message = refusal(
        db, world.hotel, world.alice, quote_change, ChangeArgs(reservation=later, room_type="DLX")
    )
    assert "Sea View Deluxe is not free" in message


def test_two_guests_racing_for_the_last_room(db: Database, world: World) -> None:
    """The Family Suite has one room in service: while Alice's booking is not yet committed,
    Bob's insert waits on the exclusion constraint and then hears the room was just taken."""
    args = ReservationArgs(
        check_in=date(2030, 6, 10), check_out=date(2030, 6, 12), guests=4, room_type="FAM"
    )
    outcome: dict[str, object] = {}

    def bob_books() -> None:
        try:
            outcome["bob"] = call(db, world.hotel, world.bob, create_reservation, args)
        except ToolError as error:
            outcome["bob"] = error

    with db.tenant(world.hotel) as session:
        ctx = ToolContext(session, world.hotel, world.alice, now=NOW)
        alice = create_reservation(ctx, args)
        racer = threading.Thread(target=bob_books)
        racer.start()
        _wait_for_a_lock_wait(db)
    racer.join(timeout=30)
    assert not racer.is_alive()
    assert alice.reservation.room_number == "401"
    assert isinstance(outcome["bob"], ToolError) and "just taken" in str(outcome["bob"])
    # Afterwards the room is simply not free.
    later = refusal(db, world.hotel, world.bob, create_reservation, args)
    assert "fully booked" in later
    with db.owner() as session:
        held = session.scalar(
            select(func.count()).where(
                RoomReservation.check_in == args.check_in, RoomReservation.status != "cancelled"
            )
        )
    assert held == 1


def _wait_for_a_lock_wait(db: Database, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with db.owner() as session:
            if session.scalar(text("SELECT count(*) FROM pg_locks WHERE NOT granted")):
                return
        time.sleep(0.05)
    raise AssertionError("the second booking never waited for the first")


def test_a_deadlock_between_two_bookings_of_one_room_sends_the_loser_to_the_next_room(
    db: Database, world: World
) -> None:
    """Two overlapping inserts can each wait on the other's uncommitted row; Postgres then
    fails one with a deadlock. Made to happen on purpose: another booking of room 101 is
    written but not committed, Alice's insert waits on it, and that other transaction then
    waits on a lock Alice's turn holds. Postgres fails the one that waited first, Alice's
    insert. It tries 101 once more (the same deadlock again, since the other transaction is
    still waiting on her), then takes room 102 instead of failing the turn."""
    args = ReservationArgs(
        check_in=date(2030, 7, 6), check_out=date(2030, 7, 8), guests=2, room_type="STD"
    )
    lock_key = "deadlock-test"
    with db.owner() as session:
        room_101 = session.scalar(
            text("SELECT id FROM rooms WHERE property_id = :p AND number = '101'"),
            {"p": world.hotel},
        )
    other = psycopg.connect(db.endpoints.app_dsn)
    other.execute("SELECT set_config('app.property_id', %s, true)", (str(world.hotel),))
    other.execute(
        "INSERT INTO room_reservations (property_id, code, room_id, guest_id, check_in, "
        "check_out, adults, children, status, total_amount, currency) "
        "VALUES (%s, 'RACE01', %s, %s, %s, %s, 2, 0, 'confirmed', 1000, 'ILS')",
        (world.hotel, room_101, world.bob.id, args.check_in, args.check_out),
    )
    outcome: dict[str, object] = {}

    def alice_books() -> None:
        with db.tenant(world.hotel, lock_key=lock_key) as session:
            try:
                ctx = ToolContext(session, world.hotel, world.alice, now=NOW)
                outcome["alice"] = create_reservation(ctx, args)
            except Exception as error:
                outcome["alice"] = error

    racer = threading.Thread(target=alice_books)
    racer.start()
    _wait_for_a_lock_wait(db)  # Alice's insert waits on the uncommitted booking of 101
    try:
        # Now the other transaction waits on Alice's turn: a cycle, which Postgres breaks
        # by failing the first waiter, Alice's insert. Alice goes on and commits; then this
        # lock is granted.
        other.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (lock_key,))
        victim = "alice"
    except psycopg.errors.DeadlockDetected:
        victim = "other"  # a host so slow that this wait was checked first: Alice got 101
    finally:
        other.rollback()
        other.close()
    racer.join(timeout=30)
    assert not racer.is_alive()
    booked = outcome["alice"]
    assert not isinstance(booked, Exception), booked
    assert isinstance(booked, BookingResult)
    assert booked.reservation.room_number == ("102" if victim == "alice" else "101")
