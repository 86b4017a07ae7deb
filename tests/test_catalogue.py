"""The in-memory catalogue (tools.catalogue): reused while the products are unchanged, read
again as soon as any of them changes (by any path), never shared between properties."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from sqlalchemy import delete, select, text, update

from agents.runtime import AgentRuntime
from buffr.db.session import Database
from buffr.services.resolve import Endpoints
from domain.inventory import ContainerType, Product, UnitType
from domain.property import Property
from tests.conftest import TEMPLATE_DB, fresh_database
from tests.factories import make_product, make_property
from tests.inventory_helpers import STAFF, say, set_level
from tools import catalogue as catalogue_module
from tools.base import Actor, ToolContext
from tools.catalogue import CatalogueCache

ADMIN = Actor(kind="system", name="script")


pytestmark = pytest.mark.demo_data()


@pytest.fixture(scope="module")
def seeded(db: Database) -> Database:
    with db.owner() as session:
        other = make_property(session, "other-bar")
        make_product(session, other, sku="OTHER-COLA").name = "Other Bar house cola"
    return db


def _version(db: Database, slug: str) -> uuid.UUID:
    with db.owner() as session:
        version = session.scalar(select(Property.catalogue_version).where(Property.slug == slug))
    assert version is not None
    return version


def _names(db: Database, cache: CatalogueCache, slug: str) -> tuple[str, ...]:
    property_id = db.property_id(slug)
    with db.tenant(property_id) as session:
        context = ToolContext(session, property_id, Actor(kind="system"))
        return tuple(p.name for p in cache.catalogue(context))


def _change(db: Database, sku: str, **values: object) -> None:
    """Change the demo hotel's product (the seed's bar has products of the same SKUs)."""
    with db.owner() as session:
        session.execute(
            update(Product)
            .where(Product.sku == sku, Product.property_id == db.property_id("demo"))
            .values(**values)
        )


def test_any_product_change_gives_a_new_version_and_a_stock_movement_does_not(
    seeded: Database,
) -> None:
    start = _version(seeded, "demo")
    set_level(seeded, "COKE-330-CAN", 77)
    set_level(seeded, "COKE-330-CAN", 78)
    assert _version(seeded, "demo") == start  # stock is not part of the catalogue

    _change(seeded, "COKE-330-CAN", name="Coca-Cola 330 ml can")  # an update, even to the same
    renamed = _version(seeded, "demo")
    assert renamed != start

    with seeded.owner() as session:
        demo = session.scalars(select(Property).where(Property.slug == "demo")).one()
        make_product(session, demo, sku="TEMP-1")
    inserted = _version(seeded, "demo")
    assert inserted not in (start, renamed)

    with seeded.owner() as session:
        session.execute(delete(Product).where(Product.sku == "TEMP-1"))
    assert _version(seeded, "demo") not in (start, renamed, inserted)


def test_an_unchanged_catalogue_is_read_once_and_a_change_is_seen_at_once(
    seeded: Database,
) -> None:
    cache = CatalogueCache()
    first = _names(seeded, cache, "demo")
    assert _names(seeded, cache, "demo") == first
    assert (cache.misses, cache.hits) == (1, 1)

    _change(seeded, "HEIN-330-BTL", name="Heineken Lager 330 ml bottle")
    renamed = _names(seeded, cache, "demo")
    assert cache.misses == 2
    assert "Heineken Lager 330 ml bottle" in renamed
    assert "Heineken Lager 330 ml bottle" not in first

    _change(seeded, "HEIN-330-BTL", active=False)  # deactivated: gone from the catalogue
    assert "Heineken Lager 330 ml bottle" not in _names(seeded, cache, "demo")
    _change(seeded, "HEIN-330-BTL", active=True, name="Heineken 330 ml bottle")


def test_an_owner_session_still_caches_one_propertys_products_only(seeded: Database) -> None:
    """A context on a session that sees every property (the owner's, as scripts use) must not
    put the other properties' products under this property's key."""
    cache = CatalogueCache()
    property_id = seeded.property_id("other-bar")
    with seeded.owner() as session:
        names = [p.name for p in cache.catalogue(ToolContext(session, property_id, ADMIN))]
    assert names == ["Other Bar house cola"]
    assert _names(seeded, cache, "other-bar") == ("Other Bar house cola",)
    assert cache.hits == 1  # the tenant's turn got the owner's entry, and it is its own


def test_a_truncate_renews_every_propertys_version(services: Endpoints, template_dsn: str) -> None:
    """A database of its own: TRUNCATE fires no row trigger, only its statement trigger."""
    db = Database(fresh_database(services, TEMPLATE_DB))
    try:
        with db.owner() as session:
            one = make_property(session, "one-bar")
            make_property(session, "two-bar")
            make_product(session, one, sku="ONE-1")
        before = {_version(db, "one-bar"), _version(db, "two-bar")}
        with db.owner() as session:
            session.execute(text("TRUNCATE products CASCADE"))
        after = {_version(db, "one-bar"), _version(db, "two-bar")}
    finally:
        db.dispose()
    assert len(after) == 2 and not before & after


def test_each_property_gets_its_own_products_only(seeded: Database) -> None:
    cache = CatalogueCache()
    demo = _names(seeded, cache, "demo")
    other = _names(seeded, cache, "other-bar")
    assert other == ("Other Bar house cola",)
    assert len(demo) >= 40 and "Other Bar house cola" not in demo
    assert _names(seeded, cache, "other-bar") == other  # a hit: still its own
    assert cache.misses == 2


def test_the_clerk_reuses_the_catalogue_and_finds_a_product_added_between_turns(
    seeded: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = CatalogueCache()
    monkeypatch.setattr(catalogue_module, "CATALOGUES", cache)
    runtime = AgentRuntime(seeded)  # no model: these turns take the fast path
    runtime.forget_thread("demo", STAFF)
    first = say(runtime, "how many sprite cans are left?")
    assert "Sprite 330 ml can" in first.reply
    hits, misses = cache.hits, cache.misses
    set_level(seeded, "SPRITE-330-CAN", 41)  # a movement: the level is read fresh, not cached
    second = say(runtime, "how many sprite cans are left?")
    assert "41" in second.reply
    assert (cache.hits, cache.misses) == (hits + 1, misses)

    unknown = say(runtime, "how many ginger beer cans are left?").reply
    assert "Ginger beer" not in unknown
    with seeded.owner() as session:
        session.add(
            Product(
                property_id=seeded.property_id("demo"),
                sku="GINGER-330-CAN",
                name="Ginger beer 330 ml can",
                container_type=ContainerType.CAN,
                unit_type=UnitType.UNIT,
                box_size=24,
                min_stock=Decimal(12),
            )
        )
    found = say(runtime, "how many ginger beer cans are left?").reply
    assert "Ginger beer 330 ml can" in found
    assert cache.misses == misses + 1
