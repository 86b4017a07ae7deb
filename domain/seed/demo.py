"""Seed the two demo properties: the Seaside Hotel (``demo``) and City Bar (``city-bar``).

Every demo staff user (Dana Levi, Yossi Cohen, Noa Mizrahi, Avi Peretz at the hotel; Maya
Ben-David and Tomer Shapiro at the bar) signs in with the password ``demo-password``.

The seed is idempotent: a property whose slug already exists is left alone, so a second run
creates nothing. ``reset=True`` deletes both demo properties first (every row of theirs goes with
them through ``ON DELETE CASCADE`` on ``property_id``) and rebuilds them. Everything happens in one
transaction of the owner role, under an advisory lock, so concurrent runs cannot half-seed.

The shape of the data is fixed (each property has its own ``random.Random`` seed) while its dates
are relative to the day of seeding, so "last stay 3 weeks ago" stays true whenever you seed.
"""

from __future__ import annotations

import time as clock
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from random import Random
from zoneinfo import ZoneInfo

from argon2 import PasswordHasher
from sqlalchemy import delete, select, text

from buffr.db.session import Database
from domain.dining import DiningTable, Menu, MenuItem, Venue
from domain.inventory import InventoryCategory, MovementKind, Product, StockMovement
from domain.property import Property, StaffUser
from domain.rooms import RatePlan, RatePrice, Room, RoomType
from domain.sales import Package
from domain.seed.city_bar_data import CITY_BAR
from domain.seed.context import CENT, Catalog, SeedContext, VenueRows, nightly_price
from domain.seed.history import seed_history
from domain.seed.hotel_data import SEASIDE
from domain.seed.knowledge_docs import seed_knowledge_base
from domain.seed.specs import PropertySpec

DEMO_SLUG = SEASIDE.slug
CITY_BAR_SLUG = CITY_BAR.slug
DEMO_PASSWORD = "demo-password"
DEMO_PROPERTIES: tuple[PropertySpec, ...] = (SEASIDE, CITY_BAR)
SEED_ACTOR = "seed"
RATE_PRICE_DAYS = 90
_LOCK_KEY = 0x5EED_DE30  # pg_advisory_xact_lock key: one seeding at a time


@dataclass
class SeedReport:
    """What one run of :func:`seed_demo` did. ``counts`` are rows inserted, per table."""

    counts: dict[str, int] = field(default_factory=dict)
    by_property: dict[str, dict[str, int]] = field(default_factory=dict)
    created_slugs: list[str] = field(default_factory=list)
    skipped_slugs: list[str] = field(default_factory=list)  # already present
    deleted_slugs: list[str] = field(default_factory=list)  # by reset
    seconds: float = 0.0

    @property
    def created(self) -> bool:
        return bool(self.created_slugs)


@cache
def demo_password_hash() -> str:
    """Argon2 is slow on purpose: hash the shared demo password once per process."""
    return PasswordHasher().hash(DEMO_PASSWORD)


def seed_demo(
    db: Database,
    *,
    reset: bool = False,
    progress: Callable[[str], None] | None = None,
    today: date | None = None,
) -> SeedReport:
    """Create the demo properties that do not exist yet (all of them, after ``reset``).

    ``today`` anchors the history (default: today in the property's timezone)."""
    started = clock.perf_counter()
    say = progress or (lambda _: None)
    report = SeedReport()
    totals: Counter[str] = Counter()
    with db.owner() as session:
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
        slugs = [spec.slug for spec in DEMO_PROPERTIES]
        if reset:
            deleted = session.scalars(
                delete(Property).where(Property.slug.in_(slugs)).returning(Property.slug)
            ).all()
            report.deleted_slugs = sorted(deleted)
            db.forget_property_id()  # their ids are about to change
            if deleted:
                say(f"deleted {', '.join(report.deleted_slugs)}")
        existing = set(session.scalars(select(Property.slug).where(Property.slug.in_(slugs))))
        for spec in DEMO_PROPERTIES:
            if spec.slug in existing:
                report.skipped_slugs.append(spec.slug)
                say(f"{spec.name} ({spec.slug}): already present, skipped")
                continue
            now = datetime.now(ZoneInfo(spec.timezone))
            anchor = today or now.date()
            if today is not None and today != now.date():
                now = datetime.combine(anchor, now.timetz())
            ctx = SeedContext(session, spec, anchor, now, Random(spec.seed))
            _seed_property(ctx, say)
            report.created_slugs.append(spec.slug)
            report.by_property[spec.slug] = dict(ctx.counts)
            totals.update(ctx.counts)
        report.counts = dict(totals)
    seed_knowledge_base(db, DEMO_SLUG, report, say)  # the hotel's documents, as its tenant
    report.seconds = clock.perf_counter() - started
    say(f"done in {report.seconds:.1f} s")
    return report


def _seed_property(ctx: SeedContext, say: Callable[[str], None]) -> None:
    label = f"{ctx.spec.name} ({ctx.spec.slug})"
    say(f"{label}: property, staff and venues")
    catalog = _property(ctx)
    if ctx.spec.room_types:
        say(f"{label}: rooms, rate plans and nightly prices")
        _rooms(ctx, catalog)
    say(f"{label}: menus and packages")
    _menus(ctx, catalog)
    _packages(ctx, catalog)
    say(f"{label}: inventory and opening stock")
    _inventory(ctx, catalog)
    say(f"{label}: guests and two years of history")
    seed_history(ctx, catalog)


def _property(ctx: SeedContext) -> Catalog:
    spec = ctx.spec
    prop = Property(
        slug=spec.slug,
        name=spec.name,
        type=spec.type,
        timezone=spec.timezone,
        currency=spec.currency,
        languages=list(spec.languages),
        phone=spec.phone,
        address=spec.address,
        check_in_time=spec.check_in,
        check_out_time=spec.check_out,
        cancellation_window_hours=spec.cancellation_window_hours,
        tax_rate_percent=spec.tax_rate_percent,
        policies=spec.policies,
    )
    ctx.add([prop])
    password_hash = demo_password_hash()
    ctx.add([
        StaffUser(property_id=prop.id, name=s.name, phone=s.phone, email=s.email,
                  password_hash=password_hash, role=s.role, active=True)
        for s in spec.staff
    ])  # fmt: skip
    catalog = Catalog(prop)
    venues = [
        Venue(property_id=prop.id, name=v.name, kind=v.kind, opening_hours=v.opening_hours)
        for v in spec.venues
    ]
    ctx.add(venues)
    for venue_spec, venue in zip(spec.venues, venues, strict=True):
        tables = [
            DiningTable(property_id=prop.id, venue_id=venue.id, label=t.label, seats=t.seats,
                        area=t.area)
            for t in venue_spec.tables
        ]  # fmt: skip
        ctx.add(tables)
        catalog.venues.append(VenueRows(venue_spec, venue, tables))
    return catalog


def _rooms(ctx: SeedContext, catalog: Catalog) -> None:
    spec, pid = ctx.spec, catalog.property.id
    types = [
        RoomType(property_id=pid, code=t.code, name=t.name, description=t.description,
                 max_occupancy=t.max_occupancy, bed_config=t.bed_config)
        for t in spec.room_types
    ]  # fmt: skip
    ctx.add(types)
    catalog.room_types = {t.code: t for t in types}
    rooms: list[tuple[Room, str]] = [
        (Room(property_id=pid, room_type_id=row.id, number=r.number, floor=r.floor,
              features=r.features, in_service=r.in_service), t.code)
        for t, row in zip(spec.room_types, types, strict=True)
        for r in t.rooms
    ]  # fmt: skip
    ctx.add([room for room, _ in rooms])
    catalog.rooms = rooms
    plans: list[RatePlan] = []
    for t, row in zip(spec.room_types, types, strict=True):
        variants = (
            ("FLEX", "Flexible", t.base_price, False, True),
            ("BB", "Bed & Breakfast", t.base_price + t.breakfast_supplement, True, True),
            ("NR", "Non-refundable", (t.base_price * Decimal("0.88")).quantize(Decimal(1)),
             False, False),
        )  # fmt: skip
        catalog.rate_plans[t.code] = [
            RatePlan(property_id=pid, room_type_id=row.id, code=f"{t.code}-{code}",
                     name=f"{t.name} - {name}", base_nightly_price=price.quantize(CENT),
                     currency=spec.currency, includes_breakfast=breakfast,
                     refundable=refundable, active=True)
            for code, name, price, breakfast, refundable in variants
        ]  # fmt: skip
        plans.extend(catalog.rate_plans[t.code])
    ctx.add(plans)
    # Weekend and high-season nights of the coming months, where they differ from the base.
    nights = [ctx.day(i) for i in range(RATE_PRICE_DAYS)]
    ctx.add([
        RatePrice(property_id=pid, rate_plan_id=plan.id, night=night, price=price)
        for plan in plans
        for night in nights
        if (price := nightly_price(plan.base_nightly_price, night)) != plan.base_nightly_price
    ])  # fmt: skip


def _menus(ctx: SeedContext, catalog: Catalog) -> None:
    pid = catalog.property.id
    venue_ids = {rows.venue.name: rows.venue.id for rows in catalog.venues}
    menus = [
        Menu(property_id=pid, venue_id=venue_ids[m.venue] if m.venue else None, name=m.name,
             available_for_room_service=m.room_service)
        for m in ctx.spec.menus
    ]  # fmt: skip
    ctx.add(menus)
    for menu_spec, menu in zip(ctx.spec.menus, menus, strict=True):
        items = [
            MenuItem(property_id=pid, menu_id=menu.id, name=i.name, description=i.description,
                     course=i.course, price=i.price.quantize(CENT), currency=ctx.spec.currency,
                     allergens=list(i.allergens), dietary_tags=list(i.dietary_tags),
                     available=i.available)
            for i in menu_spec.items
        ]  # fmt: skip
        ctx.add(items)
        catalog.menus.append((menu, items))


def _packages(ctx: SeedContext, catalog: Catalog) -> None:
    ctx.add([
        Package(property_id=catalog.property.id, code=p.code, name=p.name, kind=p.kind,
                description=p.description, price_per_person=p.price_per_person.quantize(CENT),
                currency=ctx.spec.currency, min_guests=p.min_guests, max_guests=p.max_guests,
                active=True)
        for p in ctx.spec.packages
    ])  # fmt: skip


def _inventory(ctx: SeedContext, catalog: Catalog) -> None:
    """Categories, products (each gets its stock row at 0 from a trigger) and opening stock as
    ``IN`` movements, which the movement trigger applies to the stock rows."""
    pid = catalog.property.id
    categories = [
        InventoryCategory(property_id=pid, name=c.name, local_name=c.local_name)
        for c in ctx.spec.categories
    ]
    ctx.add(categories)
    category_ids = {c.name: c.id for c in categories}
    products = [
        Product(
            property_id=pid,
            category_id=category_ids[p.category],
            sku=p.sku,
            name=p.name,
            local_name=p.local_name,
            aliases=list(p.aliases),
            brand=p.brand,
            size_value=Decimal(p.size[0]) if p.size else None,
            size_unit=p.size[1] if p.size else None,
            container_type=p.container,
            unit_type=p.unit,
            box_size=p.box_size,
            box_name=p.box_name,
            min_stock=p.min_stock,
            tracks_expiry=p.tracks_expiry,
            active=True,
        )
        for p in ctx.spec.products
    ]
    ctx.add(products)
    ctx.counts["stock"] += len(products)  # created by the products_create_stock trigger
    movements = [
        StockMovement(
            property_id=pid,
            product_id=product.id,
            kind=MovementKind.IN,
            quantity=lot.quantity,
            actor_label=SEED_ACTOR,
            reason="Opening stock (demo seed)" if n == 0 else "Supplier delivery (demo seed)",
            expiry_date=ctx.day(lot.expires_in) if lot.expires_in is not None else None,
            created_at=ctx.random_time(ctx.day(-lot.days_ago), 7, 11),
        )
        for spec, product in zip(ctx.spec.products, products, strict=True)
        for n, lot in enumerate(sorted(spec.lots, key=lambda lot: -lot.days_ago))
    ]
    movements.sort(key=lambda m: m.created_at)
    ctx.add(movements)


__all__ = [
    "CITY_BAR_SLUG",
    "DEMO_PASSWORD",
    "DEMO_SLUG",
    "SeedReport",
    "demo_password_hash",
    "seed_demo",
]
