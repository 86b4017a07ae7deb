"""Row-level security: the application role never sees, changes or creates another property's
rows, whatever SQL it runs."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy import text

from buffr.db.session import Database
from domain import Base
from tests.factories import make_guest, make_product, make_property, make_room


@pytest.fixture(scope="module")
def two_properties(db: Database) -> tuple[int, int]:
    with db.owner() as s:
        a = make_property(s, "alpha")
        b = make_property(s, "beta")
        for prop, phone in ((a, "+972541111111"), (b, "+972542222222")):
            make_guest(s, prop, phone)
            make_room(s, prop)
            make_product(s, prop)
        return a.id, b.id


@pytest.fixture
def app_conn(db: Database) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    """A raw connection as the application role: hand-written SQL, no ORM in the way."""
    with psycopg.connect(db.endpoints.app_dsn) as conn:
        yield conn


def _as(conn: psycopg.Connection[tuple[object, ...]], property_id: int) -> None:
    conn.execute("SELECT set_config('app.property_id', %s, true)", (str(property_id),))


def test_every_tenant_table_has_row_level_security(db: Database) -> None:
    with db.owner() as s:
        rows = s.execute(
            text(
                "SELECT c.relname, c.relrowsecurity FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname <> 'alembic_version'"
            )
        ).all()
    tables: dict[str, bool] = {name: secured for name, secured in rows}
    tenant_tables = {t.name for t in Base.metadata.sorted_tables if "property_id" in t.c}
    assert tenant_tables, "the model has tenant tables"
    checkpoints = {"checkpoints", "checkpoint_blobs", "checkpoint_writes"}
    secured = tenant_tables | {"properties"} | checkpoints
    assert {name for name in secured if not tables[name]} == set()


def test_application_role_cannot_bypass(app_conn: psycopg.Connection[tuple[object, ...]]) -> None:
    row = app_conn.execute(
        "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"
    ).fetchone()
    assert row == (False, False)
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        app_conn.execute("SET ROLE buffr_owner")


def test_reads_see_only_the_current_property(
    app_conn: psycopg.Connection[tuple[object, ...]], two_properties: tuple[int, int]
) -> None:
    alpha, beta = two_properties
    _as(app_conn, alpha)
    assert app_conn.execute("SELECT DISTINCT property_id FROM guests").fetchall() == [(alpha,)]
    assert app_conn.execute("SELECT id FROM properties").fetchall() == [(alpha,)]
    assert app_conn.execute(
        "SELECT count(*) FROM guests WHERE property_id = %s", (beta,)
    ).fetchone() == (0,)
    assert app_conn.execute(
        "SELECT count(*) FROM stock s JOIN products p ON p.id = s.product_id "
        "WHERE p.property_id = %s",
        (beta,),
    ).fetchone() == (0,)


def test_no_property_set_means_no_rows(
    app_conn: psycopg.Connection[tuple[object, ...]], two_properties: tuple[int, int]
) -> None:
    for table in ("properties", "guests", "rooms", "products", "stock"):
        assert app_conn.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,), table


def test_updates_and_deletes_of_other_property_touch_nothing(
    db: Database,
    app_conn: psycopg.Connection[tuple[object, ...]],
    two_properties: tuple[int, int],
) -> None:
    alpha, beta = two_properties
    _as(app_conn, alpha)
    updated = app_conn.execute(
        "UPDATE guests SET name = 'hacked' WHERE property_id = %s", (beta,)
    ).rowcount
    deleted = app_conn.execute("DELETE FROM rooms WHERE property_id = %s", (beta,)).rowcount
    everything = app_conn.execute("UPDATE guests SET notes = 'mine'").rowcount
    app_conn.commit()
    assert (updated, deleted, everything) == (0, 0, 1)
    with db.owner() as s:
        names = s.execute(text("SELECT name FROM guests WHERE property_id = :b"), {"b": beta})
        assert [n for (n,) in names] == ["Test Guest"]
        assert s.scalar(text("SELECT count(*) FROM rooms WHERE property_id = :b"), {"b": beta}) == 1


def test_inserting_rows_for_another_property_is_refused(
    app_conn: psycopg.Connection[tuple[object, ...]], two_properties: tuple[int, int]
) -> None:
    alpha, beta = two_properties
    _as(app_conn, alpha)
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
        app_conn.execute(
            "INSERT INTO guests (property_id, name, phone, language, marketing_consent, "
            "loyalty_points, preferences) VALUES (%s, 'x', '+972543333333', 'en', false, 0, '[]')",
            (beta,),
        )


def test_moving_a_row_to_another_property_is_refused(
    app_conn: psycopg.Connection[tuple[object, ...]], two_properties: tuple[int, int]
) -> None:
    alpha, beta = two_properties
    _as(app_conn, alpha)
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
        app_conn.execute("UPDATE guests SET property_id = %s", (beta,))


def test_rows_cannot_point_at_another_propertys_rows(
    db: Database, two_properties: tuple[int, int]
) -> None:
    """Foreign-key checks ignore row-level security; the composite keys close that hole."""
    alpha, beta = two_properties
    with db.owner() as s:
        beta_room = s.scalar(text("SELECT id FROM rooms WHERE property_id = :b"), {"b": beta})
        alpha_guest = s.scalar(text("SELECT id FROM guests WHERE property_id = :a"), {"a": alpha})
    with psycopg.connect(db.endpoints.app_dsn) as conn:
        _as(conn, alpha)
        with pytest.raises(psycopg.errors.ForeignKeyViolation):
            conn.execute(
                "INSERT INTO room_reservations (property_id, code, room_id, guest_id, check_in, "
                "check_out, adults, children, status, total_amount, currency) VALUES "
                "(%s, 'X1', %s, %s, '2030-01-01', '2030-01-02', 1, 0, 'confirmed', 100, 'ILS')",
                (alpha, beta_room, alpha_guest),
            )


def test_slug_lookup_reveals_only_the_id(db: Database, two_properties: tuple[int, int]) -> None:
    alpha, _beta = two_properties
    assert db.property_id("alpha") == alpha
    with db.tenant(alpha) as s:
        assert s.scalar(text("SELECT count(*) FROM properties")) == 1


def test_orm_sessions_are_bound_per_transaction(
    db: Database, two_properties: tuple[int, int]
) -> None:
    alpha, beta = two_properties
    with db.tenant(alpha) as s:
        first = s.scalars(text("SELECT property_id FROM guests")).all()
        s.commit()  # a new transaction must be bound again
        second = s.scalars(text("SELECT property_id FROM guests")).all()
    with db.tenant(beta) as s:
        third = s.scalars(text("SELECT property_id FROM guests")).all()
    assert (first, second, third) == ([alpha], [alpha], [beta])
