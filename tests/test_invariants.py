"""Invariants Postgres itself guards: no double-booked room, stock only through movements and
never a lost update, checked money, phones and enums."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from decimal import Decimal

import psycopg
import pytest
from sqlalchemy import text

from buffr.db.session import Database
from tests.factories import make_guest, make_product, make_property, make_room

Conn = psycopg.Connection[tuple[object, ...]]


@pytest.fixture(scope="module")
def hotel(db: Database) -> dict[str, int]:
    with db.owner() as s:
        prop = make_property(s, "invariants")
        room = make_room(s, prop)
        guest = make_guest(s, prop)
        product = make_product(s, prop)
        ids = {"property": prop.id, "room": room.id, "guest": guest.id, "product": product.id}
    # A stay of its own for test_checked_columns' UPDATEs, which need a row to check: they
    # passed only when the booking tests had run first in the same process.
    assert _book(db, ids, 9999, date(2040, 1, 1), 2)
    return ids


def _connect(db: Database, property_id: int) -> Conn:
    conn = psycopg.connect(db.endpoints.app_dsn)
    conn.execute("SELECT set_config('app.property_id', %s, false)", (str(property_id),))
    conn.commit()
    return conn


def _book(db: Database, hotel: dict[str, int], attempt: int, start: date, nights: int) -> bool:
    with _connect(db, hotel["property"]) as conn:
        try:
            conn.execute(
                "INSERT INTO room_reservations (property_id, code, room_id, guest_id, check_in, "
                "check_out, adults, children, status, total_amount, currency) "
                "VALUES (%s, %s, %s, %s, %s, %s, 2, 0, 'confirmed', 900, 'ILS')",
                (
                    hotel["property"],
                    f"C{attempt:04d}",
                    hotel["room"],
                    hotel["guest"],
                    start,
                    start + timedelta(days=nights),
                ),
            )
            conn.commit()
            return True
        except psycopg.errors.ExclusionViolation:
            return False
        except psycopg.errors.DeadlockDetected:
            # Two inserts each waiting on the other's uncommitted row (checking the exclusion
            # constraint): Postgres refuses one and the other goes on (seen in a full test run).
            return False


def test_twenty_concurrent_overlapping_bookings_yield_one(
    db: Database, hotel: dict[str, int]
) -> None:
    base = date(2031, 5, 1)
    # Twenty different but overlapping stays of the same room, all at once.
    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(
            pool.map(lambda i: _book(db, hotel, i, base + timedelta(days=i % 3), 3), range(20))
        )
    assert results.count(True) == 1
    with db.tenant(hotel["property"]) as s:
        count = s.scalar(
            text("SELECT count(*) FROM room_reservations WHERE check_in BETWEEN :a AND :b"),
            {"a": base, "b": base + timedelta(days=3)},
        )
    assert count == 1


def test_back_to_back_and_cancelled_stays_do_not_conflict(
    db: Database, hotel: dict[str, int]
) -> None:
    base = date(2032, 3, 1)
    assert _book(db, hotel, 9001, base, 2)
    assert _book(db, hotel, 9002, base + timedelta(days=2), 2), "check-out day is free again"
    assert not _book(db, hotel, 9003, base + timedelta(days=1), 2)
    with _connect(db, hotel["property"]) as conn:
        conn.execute("UPDATE room_reservations SET status = 'cancelled' WHERE code = 'C9001'")
        conn.commit()
    assert _book(db, hotel, 9004, base, 2), "a cancelled stay frees its nights"


def _move(db: Database, hotel: dict[str, int], quantity: int) -> None:
    with _connect(db, hotel["property"]) as conn:
        kind = "IN" if quantity > 0 else "OUT"
        conn.execute(
            "INSERT INTO stock_movements (property_id, product_id, kind, quantity, actor_label) "
            "VALUES (%s, %s, %s, %s, 'test')",
            (hotel["property"], hotel["product"], kind, quantity),
        )
        conn.commit()


def _stock(db: Database, hotel: dict[str, int]) -> Decimal:
    with db.tenant(hotel["property"]) as s:
        value = s.scalar(
            text("SELECT quantity FROM stock WHERE product_id = :p"), {"p": hotel["product"]}
        )
    assert isinstance(value, Decimal)
    return value


def test_hundred_concurrent_movements_sum_exactly(db: Database, hotel: dict[str, int]) -> None:
    _move(db, hotel, 1000)
    before = _stock(db, hotel)
    deltas = [(-3 if i % 2 else 5) for i in range(100)]
    with ThreadPoolExecutor(max_workers=20) as pool:
        list(pool.map(lambda q: _move(db, hotel, q), deltas))
    assert _stock(db, hotel) == before + sum(deltas)
    with db.tenant(hotel["property"]) as s:
        total = s.scalar(
            text("SELECT sum(quantity) FROM stock_movements WHERE product_id = :p"),
            {"p": hotel["product"]},
        )
    assert total == _stock(db, hotel), "stock equals the sum of its movements"


def test_stock_is_changed_only_through_movements(db: Database, hotel: dict[str, int]) -> None:
    with (
        _connect(db, hotel["property"]) as conn,
        pytest.raises(psycopg.errors.InsufficientPrivilege),
    ):
        conn.execute("UPDATE stock SET quantity = 5")
    with (
        _connect(db, hotel["property"]) as conn,
        pytest.raises(psycopg.errors.InsufficientPrivilege),
    ):
        conn.execute("DELETE FROM stock_movements")
    with (
        _connect(db, hotel["property"]) as conn,
        pytest.raises(psycopg.errors.InsufficientPrivilege),
    ):
        conn.execute("UPDATE stock_movements SET quantity = 1")


def test_stock_never_goes_negative(db: Database, hotel: dict[str, int]) -> None:
    level = _stock(db, hotel)
    with pytest.raises(psycopg.errors.CheckViolation, match="quantity_nonnegative"):
        _move(db, hotel, -int(level) - 1)
    assert _stock(db, hotel) == level, "the refused movement left nothing behind"


def test_a_count_becomes_the_difference(db: Database, hotel: dict[str, int]) -> None:
    with _connect(db, hotel["property"]) as conn:
        row = conn.execute(
            "INSERT INTO stock_movements (property_id, product_id, kind, quantity, "
            "counted_quantity, actor_label) VALUES (%s, %s, 'ADJUST', NULL, 40, 'count') "
            "RETURNING quantity, balance_after",
            (hotel["property"], hotel["product"]),
        ).fetchone()
        conn.commit()
    assert row is not None and row[1] == Decimal(40)
    assert _stock(db, hotel) == Decimal(40)


@pytest.mark.parametrize(
    ("sql", "constraint"),
    [
        ("UPDATE guests SET phone = '054-1234567'", "phone_e164"),
        ("UPDATE guests SET email = 'not an email'", "email_format"),
        ("UPDATE properties SET currency = 'ils'", "currency_iso4217"),
        ("UPDATE room_reservations SET status = 'maybe'", "reservation_status"),
        ("UPDATE room_reservations SET check_out = check_in", "stay_has_nights"),
        ("UPDATE products SET box_size = 0", "box_size_positive"),
        (
            "UPDATE guests SET opted_out_at = now(), marketing_consent = true, consent_at = now()",
            "opt_out_clears_consent",
        ),
        (
            "INSERT INTO stock_movements (property_id, product_id, kind, quantity) "
            "SELECT property_id, id, 'OUT', 5 FROM products",
            "sign_matches_kind",
        ),
    ],
)
def test_checked_columns(db: Database, hotel: dict[str, int], sql: str, constraint: str) -> None:
    with (
        _connect(db, hotel["property"]) as conn,
        pytest.raises(psycopg.errors.CheckViolation, match=constraint),
    ):
        conn.execute(sql)


def test_money_and_times_have_the_right_types(db: Database) -> None:
    with db.owner() as s:
        rows = s.execute(
            text(
                "SELECT table_name, column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = 'public' AND (column_name LIKE '%price%' OR column_name "
                "LIKE '%amount%' OR column_name LIKE '%\\_at')"
            )
        ).all()
    assert rows
    wrong = [
        r
        for r in rows
        if (r[1].endswith("_at") and r[2] != "timestamp with time zone")
        or (not r[1].endswith("_at") and r[2] != "numeric")
    ]
    assert wrong == []


def test_a_table_cannot_be_double_booked(db: Database, hotel: dict[str, int]) -> None:
    with _connect(db, hotel["property"]) as conn:
        venue = conn.execute(
            "INSERT INTO venues (property_id, name, kind) VALUES (%s, 'Tide', 'restaurant') "
            "RETURNING id",
            (hotel["property"],),
        ).fetchone()
        assert venue is not None
        table = conn.execute(
            "INSERT INTO dining_tables (property_id, venue_id, label, seats) "
            "VALUES (%s, %s, 'T1', 4) RETURNING id",
            (hotel["property"], venue[0]),
        ).fetchone()
        assert table is not None
        insert = (
            "INSERT INTO table_reservations (property_id, table_id, guest_id, starts_at, ends_at, "
            "party_size, status) VALUES (%s, %s, %s, %s, %s, 2, %s)"
        )
        ids = (hotel["property"], table[0], hotel["guest"])
        conn.execute(insert, (*ids, "2031-01-01 19:00+02", "2031-01-01 21:00+02", "booked"))
        conn.execute(insert, (*ids, "2031-01-01 21:00+02", "2031-01-01 23:00+02", "booked"))
        conn.execute(insert, (*ids, "2031-01-01 20:00+02", "2031-01-01 22:00+02", "cancelled"))
        with pytest.raises(psycopg.errors.ExclusionViolation):
            conn.execute(insert, (*ids, "2031-01-01 20:00+02", "2031-01-01 22:00+02", "booked"))
