"""Reception tools, cancellations under the policy: free inside the window, the first night
after it, the full amount on a non-refundable rate, a person when no charge is defined, and no
cancelling a stay that has begun or ended.

Shares the bookings module's world (a fresh database of this module's own)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from buffr.db.session import Database
from domain.ops import AuditEntry, Notification
from domain.property import Property
from domain.rooms import ReservationStatus, RoomReservation
from tests.factories import make_stay
from tests.test_reception_bookings import NOW, World, call, refusal, status_of, stay, world
from tools.reception import CancelArgs, cancel_reservation, quote_cancellation

__all__ = ["world"]  # the module-scoped fixture, built again on this module's database


def test_cancel_inside_the_window_is_free(db: Database, world: World) -> None:
    reservation = stay(db, world, world.alice, "102", (date(2030, 4, 10), date(2030, 4, 12)))
    quote = call(
        db, world.hotel, world.alice, quote_cancellation, CancelArgs(reservation=reservation)
    )
    assert quote.free and quote.fee == Decimal("0.00") and quote.can_cancel_here
    assert "free of charge until 08 Apr 2030, 15:00" in quote.message
    done = call(
        db, world.hotel, world.alice, cancel_reservation, CancelArgs(reservation=reservation)
    )
    assert done.fee == 0 and done.reservation.stage == "cancelled"
    with db.owner() as session:
        row = session.get_one(RoomReservation, reservation)
        note = session.scalars(
            select(Notification).where(
                Notification.data["reservation_id"].as_integer() == reservation
            )
        ).one()
    assert row.status is ReservationStatus.CANCELLED and row.cancelled_at == NOW
    assert note.data["fee"] == "0.00" and "Free cancellation" in note.body
    again = refusal(
        db, world.hotel, world.alice, cancel_reservation, CancelArgs(reservation=reservation)
    )
    assert "already cancelled on 04 Mar 2030" in again


def test_cancel_outside_the_window_charges_the_first_night(db: Database, world: World) -> None:
    reservation = stay(
        db, world, world.bob, "101", (date(2030, 3, 5), date(2030, 3, 7)), total="1170"
    )
    quote = call(
        db, world.hotel, world.bob, quote_cancellation, CancelArgs(reservation=reservation)
    )
    # Tuesday the 5th is a 500 night; with 17% tax the first night is 585.
    assert not quote.free and quote.fee == Decimal("585.00") and quote.can_cancel_here
    assert "ended 03 Mar, 15:00" in quote.message and "(first night)" in quote.message
    done = call(db, world.hotel, world.bob, cancel_reservation, CancelArgs(reservation=reservation))
    assert done.fee == Decimal("585.00")
    with db.owner() as session:
        entry = session.scalars(
            select(AuditEntry).where(
                AuditEntry.entity_id == str(reservation), AuditEntry.action == "cancel_reservation"
            )
        ).one()
    assert entry.after is not None and entry.after["cancellation_fee"] == "585.00"
    non_refundable = stay(
        db,
        world,
        world.bob,
        "102",
        (date(2030, 3, 4), date(2030, 3, 5)),
        plan="STD-NR",
        total="520",
    )
    quote = call(
        db, world.hotel, world.bob, quote_cancellation, CancelArgs(reservation=non_refundable)
    )
    assert quote.fee == Decimal("520") and "nothing is refunded" in quote.message


def test_without_a_late_charge_a_person_decides(db: Database, world: World) -> None:
    assert world.carol.id is not None
    with db.owner() as session:
        assert "cancellation" not in session.get_one(Property, world.other).policies
        late = make_stay(
            session,
            world.other,
            world.carol.id,
            "11",
            date(2030, 3, 5),
            date(2030, 3, 6),
            plan_code=None,
        )
    quote = call(db, world.other, world.carol, quote_cancellation, CancelArgs(reservation=late))
    assert (quote.free, quote.fee, quote.can_cancel_here) == (False, None, False)
    message = refusal(
        db, world.other, world.carol, cancel_reservation, CancelArgs(reservation=late)
    )
    assert "no longer be cancelled free of charge" in message and "pass you" in message
    assert status_of(db, late) is ReservationStatus.CONFIRMED


@pytest.mark.parametrize(
    ("status", "nights", "expected"),
    [
        ("checked_out", (date(2030, 2, 20), date(2030, 2, 23)), "in the past"),
        ("no_show", (date(2030, 3, 1), date(2030, 3, 2)), "in the past"),
        ("checked_in", (date(2030, 3, 3), date(2030, 3, 6)), "checked in"),
    ],
)
def test_past_and_current_stays_cannot_be_cancelled(
    db: Database, world: World, status: str, nights: tuple[date, date], expected: str
) -> None:
    reservation = stay(db, world, world.alice, "301", nights, status=status, plan="DLX-FLEX")
    assert expected in refusal(
        db, world.hotel, world.alice, cancel_reservation, CancelArgs(reservation=reservation)
    )
