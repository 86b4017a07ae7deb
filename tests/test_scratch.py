"""The benchmarks' throwaway database is dropped even while another role's connection to it
is still closing (a worker thread finishing a call's last turn)."""

from __future__ import annotations

import threading
import uuid

import psycopg
from psycopg import sql

from buffr.bench.scratch import _drop
from buffr.services.resolve import Endpoints, for_database


def _exists(endpoints: Endpoints, name: str) -> bool:
    with psycopg.connect(endpoints.owner_dsn, autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
    return found is not None


def test_the_drop_waits_for_a_connection_the_owner_may_not_end(services: Endpoints) -> None:
    name = f"buffr_scratch_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(services.owner_dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    held = psycopg.connect(for_database(services, name).app_dsn)
    held.execute("SELECT 1")
    with psycopg.connect(services.owner_dsn, autocommit=True) as conn:
        try:  # what failed the benchmark: the owner may not end the app role's session
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
            forced = True
        except psycopg.errors.InsufficientPrivilege:
            forced = False
    if forced:  # a server where the owner may (a superuser owner): nothing to wait for
        held.close()
        assert not _exists(services, name)
        return
    closer = threading.Timer(1.0, held.close)
    closer.start()
    _drop(services, name, patience_s=10)
    closer.join()
    assert not _exists(services, name)
