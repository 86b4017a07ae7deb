"""The demo seed: what it creates, that it is idempotent and resettable, and that the data keeps
the invariants the tools rely on (stock = movements, no double-booked rooms, order totals)."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import phonenumbers
import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select, text

from buffr.db.session import Database
from domain.base import E164
from domain.dining import MenuItem
from domain.guests import Guest
from domain.inventory import Product, Stock
from domain.property import Property, StaffUser
from domain.rooms import Room, RoomType
from domain.seed import (
    CITY_BAR_SLUG,
    DEMO_DOCS_DIR,
    DEMO_PASSWORD,
    DEMO_SLUG,
    SeedReport,
    seed_demo,
)
from domain.seed.inventory_data import REQUIRED_SKUS

TABLES = (
    "staff_users", "guests", "room_types", "rooms", "rate_plans", "rate_prices",
    "room_reservations", "venues", "dining_tables", "table_reservations", "menus", "menu_items",
    "orders", "order_items", "inventory_categories", "products", "stock", "stock_movements",
    "packages",
)  # fmt: skip
ACTIVE = "('pending', 'confirmed', 'checked_in')"
# Every run in this module seeds as of the same day, so that reseeding at midnight is no flake.
TODAY = datetime.now(ZoneInfo("Asia/Jerusalem")).date()
FINGERPRINT = """
    SELECT md5(string_agg(x, '|')) FROM (
        SELECT concat_ws(',', p.slug, g.name, g.phone, g.email, g.loyalty_points) AS x
          FROM guests g JOIN properties p ON p.id = g.property_id
        UNION ALL
        SELECT concat_ws(',', code, check_in, check_out, status, total_amount)
          FROM room_reservations
        UNION ALL
        SELECT concat_ws(',', o.kind, o.status, o.total_amount, o.table_id IS NULL) FROM orders o
        ORDER BY 1) t"""


def table_counts(db: Database) -> dict[str, dict[str, int]]:
    """Rows per table per property slug, as the owner sees them."""
    counts: dict[str, dict[str, int]] = {}
    with db.owner() as s:
        for slug, pid in s.execute(select(Property.slug, Property.id)).all():
            counts[slug] = {
                t: int(s.execute(text(f"SELECT count(*) FROM {t} WHERE property_id = :p"),
                                 {"p": pid}).scalar_one())
                for t in TABLES
            }  # fmt: skip
    return counts


def scalar(db: Database, sql: str, **params: Any) -> Any:
    with db.owner() as s:
        return s.execute(text(sql), params).scalar_one()


@pytest.fixture(scope="module")
def seeded(db: Database) -> SeedReport:
    report = seed_demo(db, progress=print, today=TODAY)
    print(f"\nseed_demo took {report.seconds:.2f} s: {report.counts}")
    return report


@pytest.fixture(scope="module")
def first_counts(db: Database, seeded: SeedReport) -> dict[str, dict[str, int]]:
    return table_counts(db)


@pytest.fixture(scope="module")
def demo_id(db: Database, seeded: SeedReport) -> int:
    return db.property_id(DEMO_SLUG)


@pytest.fixture(scope="module")
def bar_id(db: Database, seeded: SeedReport) -> int:
    return db.property_id(CITY_BAR_SLUG)


def test_creates_both_properties(db: Database, seeded: SeedReport) -> None:
    assert seeded.created
    assert seeded.created_slugs == [DEMO_SLUG, CITY_BAR_SLUG]
    assert seeded.counts["properties"] == 2
    with db.owner() as s:
        hotel = s.scalars(select(Property).where(Property.slug == DEMO_SLUG)).one()
        bar = s.scalars(select(Property).where(Property.slug == CITY_BAR_SLUG)).one()
    assert (hotel.name, hotel.type, hotel.timezone, hotel.currency) == (
        "Seaside Hotel", "hotel", "Asia/Jerusalem", "ILS"
    )  # fmt: skip
    assert hotel.languages == ["en", "he"] and hotel.phone == "+97235550100"
    assert (hotel.check_in_time.hour, hotel.check_out_time.hour) == (15, 11)
    assert hotel.cancellation_window_hours == 48 and hotel.tax_rate_percent == 18
    assert hotel.policies["pets"]["fee_per_night"] == 80
    assert hotel.policies["quiet_hours"] == {"start": "23:00", "end": "07:00"}
    assert (bar.name, bar.type, bar.currency) == ("City Bar", "bar", "ILS")


def test_hotel_counts(first_counts: dict[str, dict[str, int]]) -> None:
    hotel = first_counts[DEMO_SLUG]
    assert hotel["rooms"] >= 20 and hotel["room_types"] == 3
    assert hotel["rate_plans"] >= 6 and hotel["rate_prices"] > 0
    assert 28 <= hotel["menu_items"] <= 35
    assert hotel["guests"] == 200
    assert hotel["products"] == 40 and hotel["stock"] == 40
    assert hotel["staff_users"] == 4 and hotel["packages"] == 4
    assert hotel["venues"] == 2 and hotel["dining_tables"] == 18
    assert hotel["room_reservations"] > 300
    assert hotel["table_reservations"] > 100 and hotel["orders"] > 200
    bar = first_counts[CITY_BAR_SLUG]
    assert bar["guests"] == 15 and bar["products"] == 8 and bar["staff_users"] == 2
    assert bar["dining_tables"] == 5 and bar["rooms"] == 0 and 5 <= bar["menu_items"] <= 10


def test_room_types_and_menus(db: Database, demo_id: int) -> None:
    with db.owner() as s:
        per_type = dict(
            s.execute(
                select(RoomType.code, func.count(Room.id))
                .join(Room, Room.room_type_id == RoomType.id)
                .where(RoomType.property_id == demo_id)
                .group_by(RoomType.code)
            ).all()
        )
        items = s.scalars(select(MenuItem).where(MenuItem.property_id == demo_id)).all()
    assert set(per_type) == {"STD", "DLX", "FAM"} and all(n >= 4 for n in per_type.values())
    allergens = {a for item in items for a in item.allergens}
    assert {"gluten", "dairy", "nuts", "eggs", "fish", "shellfish", "soy", "sesame"} <= allergens
    tags = {t for item in items for t in item.dietary_tags}
    assert {"vegetarian", "vegan", "gluten_free", "kosher"} <= tags
    assert scalar(db, "SELECT count(*) FROM menus WHERE property_id = :p "
                      "AND available_for_room_service", p=demo_id) == 1  # fmt: skip


def test_staff(db: Database, demo_id: int, bar_id: int) -> None:
    with db.owner() as s:
        staff = s.scalars(select(StaffUser).order_by(StaffUser.property_id, StaffUser.phone)).all()
    hotel = [(u.name, u.phone, u.role) for u in staff if u.property_id == demo_id]
    assert hotel == [
        ("Dana Levi", "+972501110001", "owner"),
        ("Yossi Cohen", "+972501110002", "manager"),
        ("Noa Mizrahi", "+972501110003", "staff"),
        ("Avi Peretz", "+972501110004", "staff"),
    ]
    bar = [(u.phone, u.role) for u in staff if u.property_id == bar_id]
    assert bar == [("+972502220001", "owner"), ("+972502220002", "staff")]
    hasher = PasswordHasher()
    for user in staff:
        assert user.email and user.password_hash and user.active
        assert hasher.verify(user.password_hash, DEMO_PASSWORD)


def test_required_products(db: Database, demo_id: int) -> None:
    with db.owner() as s:
        products = {
            p.sku: p for p in s.scalars(select(Product).where(Product.property_id == demo_id))
        }
    for sku, box in REQUIRED_SKUS.items():
        assert products[sku].box_size == box, sku
    tomato = products["TOMATO-KG"]
    assert (tomato.unit_type, tomato.container_type, tomato.box_name) == ("kg", "loose", None)
    assert products["EGGS-L-30"].box_name == "tray"
    small = [sku for sku, p in products.items() if "קולה קטן" in p.aliases]
    assert small == ["COKE-250-GLASS"] and "small coke" in products["COKE-250-GLASS"].aliases
    for p in products.values():
        assert p.local_name and p.aliases and p.category_id is not None
        assert any(re.search("[a-z]", a) for a in p.aliases), p.sku
        assert any(re.search("[א-ת]", a) for a in p.aliases), p.sku
    assert products["MILK-1L"].tracks_expiry and not products["COKE-330-CAN"].tracks_expiry


def test_stock_is_the_sum_of_movements(db: Database) -> None:
    mismatched = scalar(
        db,
        """
        SELECT count(*) FROM products p JOIN stock s ON s.product_id = p.id
        WHERE s.quantity <> coalesce(
            (SELECT sum(m.quantity) FROM stock_movements m WHERE m.product_id = p.id), 0)
        """,
    )
    assert mismatched == 0
    assert scalar(db, "SELECT count(*) FROM stock_movements WHERE kind <> 'IN' "
                      "OR actor_label <> 'seed' OR quantity <= 0") == 0  # fmt: skip
    # The trigger's running balance ends at the stock level.
    assert scalar(db, """
        SELECT count(*) FROM stock s WHERE s.quantity <> (
            SELECT m.balance_after FROM stock_movements m WHERE m.product_id = s.product_id
            ORDER BY m.id DESC LIMIT 1)""") == 0  # fmt: skip


def test_low_and_expiring_stock(db: Database, demo_id: int, bar_id: int) -> None:
    low_sql = """SELECT count(*) FROM products p JOIN stock s ON s.product_id = p.id
                 WHERE p.property_id = :p AND s.quantity < p.min_stock"""
    assert 3 <= scalar(db, low_sql, p=demo_id) <= 4
    assert scalar(db, low_sql, p=bar_id) >= 1
    today = TODAY
    with db.owner() as s:
        expiries = s.execute(
            select(Product.sku, Stock.next_expiry)
            .join(Stock, Stock.product_id == Product.id)
            .where(Product.property_id == demo_id, Product.tracks_expiry)
        ).all()
    assert all(expiry is not None and expiry >= today for _, expiry in expiries)
    soon = [sku for sku, expiry in expiries if expiry and expiry <= today + timedelta(days=7)]
    assert len(soon) >= 3


def test_no_room_is_double_booked(db: Database) -> None:
    def overlaps(statuses: str) -> int:
        return int(scalar(db, f"""
            SELECT count(*) FROM room_reservations a JOIN room_reservations b
              ON a.room_id = b.room_id AND a.id < b.id
             AND daterange(a.check_in, a.check_out) && daterange(b.check_in, b.check_out)
            WHERE a.status IN {statuses} AND b.status IN {statuses}"""))  # fmt: skip

    assert overlaps(ACTIVE) == 0
    # History too, although the database does not forbid it.
    assert overlaps("('pending', 'confirmed', 'checked_in', 'checked_out', 'no_show')") == 0


def test_reservations_fit_today(db: Database, demo_id: int) -> None:
    today = TODAY

    def count(where: str) -> int:
        sql = f"SELECT count(*) FROM room_reservations WHERE property_id = :p AND {where}"
        return int(scalar(db, sql, p=demo_id, t=today))

    assert count("status = 'checked_in'") >= 3
    assert count("status = 'checked_in' AND NOT (check_in <= :t AND check_out >= :t)") == 0
    assert count("status IN ('confirmed', 'pending') AND check_in >= :t") >= 10
    assert count("status IN ('confirmed', 'pending') AND check_in < :t") == 0
    assert count("status IN ('checked_out', 'no_show') AND check_out > :t") == 0
    assert count("status = 'cancelled'") > 0 and count("status = 'no_show'") > 0
    assert count("status = 'cancelled' AND cancelled_at IS NULL") == 0
    assert count("check_in < :t - 700") > 0  # two years of history


def test_some_nights_are_sold_out(db: Database, demo_id: int) -> None:
    """The wedding weekend leaves no family suite free, so availability can be "no"."""
    sold_out = scalar(
        db,
        f"""
        SELECT count(*) FROM generate_series(CAST(:t AS date), CAST(:t AS date) + 60, '1 day') night
        WHERE NOT EXISTS (
            SELECT 1 FROM rooms r JOIN room_types t ON t.id = r.room_type_id
            WHERE r.property_id = :p AND t.code = 'FAM' AND r.in_service
              AND NOT EXISTS (
                SELECT 1 FROM room_reservations x WHERE x.room_id = r.id
                   AND x.status IN {ACTIVE}
                   AND night::date >= x.check_in AND night::date < x.check_out))""",
        p=demo_id,
        t=TODAY,
    )
    assert sold_out >= 2


def test_order_totals_are_sums_of_items(db: Database) -> None:
    assert scalar(db, """
        SELECT count(*) FROM orders o WHERE o.total_amount <> (
            SELECT coalesce(sum(i.quantity * i.unit_price), -1) FROM order_items i
            WHERE i.order_id = o.id)""") == 0  # fmt: skip
    assert scalar(db, "SELECT count(*) FROM orders WHERE kind = 'room_service'") > 50
    assert scalar(db, "SELECT count(*) FROM orders WHERE status IN ('placed', 'preparing')") > 0
    assert (
        scalar(
            db,
            """SELECT count(*) FROM order_items i JOIN menu_items m
                         ON m.id = i.menu_item_id WHERE i.unit_price <> m.price""",
        )
        == 0
    )


def test_guests(db: Database, demo_id: int) -> None:
    with db.owner() as s:
        guests = s.scalars(select(Guest)).all()
    assert len(guests) == 215
    for g in guests:
        assert g.phone or g.email
        if g.phone is not None:
            assert re.fullmatch(E164, g.phone), g.phone
            assert phonenumbers.is_valid_number(phonenumbers.parse(g.phone)), g.phone
        if g.email is not None:
            assert g.email.split("@")[1] in ("example.com", "example.net", "example.org")
        if g.opted_out_at is not None:
            assert g.consent_at is not None and g.opted_out_at > g.consent_at
    hotel = [g for g in guests if g.property_id == demo_id]
    prefixes = {g.phone[:4] for g in hotel if g.phone}
    assert {"+972", "+447", "+336"} <= prefixes or {"+972", "+44"} <= {p[:3] for p in prefixes}
    assert {g.language for g in hotel} == {"en", "he", "fr", "de"}
    consenting = sum(g.marketing_consent for g in hotel)
    opted_out = sum(g.opted_out_at is not None for g in hotel)
    assert consenting > len(hotel) * 0.6 and 0.05 * len(hotel) <= opted_out <= 0.15 * len(hotel)
    assert sum(bool(g.preferences) for g in hotel) > 20
    assert sum(g.loyalty_points > 0 for g in hotel) > 50


def test_history_has_every_kind_of_guest(db: Database, demo_id: int) -> None:
    rows = scalar(db, """
        SELECT json_agg(x) FROM (
            SELECT count(*) AS stays, max(check_out) AS last FROM room_reservations
            WHERE property_id = :p AND status = 'checked_out' GROUP BY guest_id) x""",
        p=demo_id)  # fmt: skip
    today = TODAY
    stays = [(r["stays"], date.fromisoformat(r["last"])) for r in rows]
    assert sum(n == 1 for n, _ in stays) >= 30  # one-time guests
    assert sum(n >= 4 for n, _ in stays) >= 10  # loyal repeaters
    assert sum((today - last).days > 365 for _, last in stays) >= 15  # lapsed
    assert sum((today - last).days <= 60 for _, last in stays) >= 15  # recent


def test_tenants_are_isolated(db: Database, demo_id: int, bar_id: int) -> None:
    def coke_stock(pid: int) -> Decimal:
        with db.tenant(pid) as s:
            return s.execute(
                select(Stock.quantity).join(Product, Product.id == Stock.product_id)
                .where(Product.sku == "COKE-330-CAN")
            ).scalar_one()  # fmt: skip

    assert coke_stock(demo_id) == 144 and coke_stock(bar_id) == 24
    with db.tenant(bar_id) as s:
        assert s.scalar(select(func.count()).select_from(Guest)) == 15
        shared = s.scalars(select(Guest).where(Guest.phone == "+972544567890")).one()
    with db.tenant(demo_id) as s:
        assert s.scalars(select(Guest.name).where(Guest.phone == "+972544567890")).one() == (
            "Sarah Cohen"
        )
    assert shared.name == "שרה כהן"


def test_docs() -> None:
    names = {p.name for p in DEMO_DOCS_DIR.glob("*.md")}
    assert {"house-rules.md", "faq.md"} <= names
    corpus = "\n".join(p.read_text() for p in DEMO_DOCS_DIR.glob("*.md"))
    for fact in ("15:00", "11:00", "07:00", "10:30", "07:30", "Seaside-Guest", "15 kg", "80 ILS",
                 "48 hours", "40", "23:00"):  # fmt: skip
        assert fact in corpus, fact


def test_second_run_creates_nothing(
    db: Database, seeded: SeedReport, first_counts: dict[str, dict[str, int]]
) -> None:
    again = seed_demo(db, today=TODAY)
    print(f"\nsecond seed_demo took {again.seconds:.2f} s")
    assert not again.created and again.counts == {}
    assert again.skipped_slugs == [DEMO_SLUG, CITY_BAR_SLUG]
    assert table_counts(db) == first_counts


def test_reset_rebuilds_the_same(
    db: Database, seeded: SeedReport, first_counts: dict[str, dict[str, int]]
) -> None:
    old_id = db.property_id(DEMO_SLUG)
    fingerprint = scalar(db, FINGERPRINT)
    steps: list[str] = []
    rebuilt = seed_demo(db, reset=True, progress=steps.append, today=TODAY)
    print(f"\nseed_demo(reset=True) took {rebuilt.seconds:.2f} s")
    assert rebuilt.deleted_slugs == sorted([DEMO_SLUG, CITY_BAR_SLUG])
    assert rebuilt.created_slugs == [DEMO_SLUG, CITY_BAR_SLUG]
    assert rebuilt.counts == seeded.counts
    assert table_counts(db) == first_counts
    assert db.property_id(DEMO_SLUG) != old_id
    assert steps and any("deleted" in step for step in steps)
    assert scalar(db, "SELECT count(*) FROM properties") == 2
    # Deterministic: the same guests, stays and orders, down to reservation codes and totals.
    assert scalar(db, FINGERPRINT) == fingerprint
