"""A throwaway database with the demo data, on whatever server the settings point at."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg import sql

from buffr.db import migrations
from buffr.db.session import Database
from buffr.services.resolve import Endpoints, for_database


@contextmanager
def scratch_database(endpoints: Endpoints) -> Iterator[Database]:
    """Create, migrate and seed a database of its own; drop it afterwards."""
    from domain.seed import seed_demo

    name = f"buffr_scratch_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(endpoints.owner_dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    db = Database(for_database(endpoints, name))
    try:
        migrations.upgrade(db.endpoints.owner_dsn)
        seed_demo(db)
        yield db
    finally:
        db.dispose()
        with psycopg.connect(endpoints.owner_dsn, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
