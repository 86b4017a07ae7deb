"""A throwaway database with the demo data, on whatever server the settings point at."""

from __future__ import annotations

import time
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
        _drop(endpoints, name)


def _drop(endpoints: Endpoints, name: str, patience_s: float = 15.0) -> None:
    """Drop the database. ``WITH (FORCE)`` ends other sessions, but only those the owner role
    may signal: a connection of the application role that a worker thread of the benchmark
    still holds (a call's last turn, finishing) made it fail with "permission denied to
    terminate process", losing the run's figures. Such a connection closes within moments, so
    the drop is tried again until ``patience_s`` has passed."""
    statement = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
    deadline = time.monotonic() + patience_s
    with psycopg.connect(endpoints.owner_dsn, autocommit=True) as conn:
        while True:
            try:
                conn.execute(statement)
                return
            except psycopg.errors.InsufficientPrivilege as error:
                if "terminate" not in str(error) or time.monotonic() > deadline:
                    raise  # not a session it may not end: waiting would not help
                time.sleep(0.25)
