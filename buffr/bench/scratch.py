"""A throwaway database with the demo data, on whatever server the settings point at."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from buffr.db import migrations
from buffr.db.session import Database
from buffr.services.resolve import Endpoints, app_dsn_from_owner


def with_database(dsn: str, name: str) -> str:
    params = conninfo_to_dict(dsn)
    params["dbname"] = name
    return make_conninfo("", **{k: v for k, v in params.items() if v is not None})


@contextmanager
def scratch_database(endpoints: Endpoints, app_password: str | None = None) -> Iterator[Database]:
    """Create, migrate and seed a database of its own; drop it afterwards."""
    from domain.seed import seed_demo

    name = f"buffr_scratch_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(endpoints.owner_dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    owner = with_database(endpoints.owner_dsn, name)
    db = Database(
        Endpoints(
            owner_dsn=owner,
            app_dsn=app_dsn_from_owner(owner, app_password),
            redis_url=endpoints.redis_url,
            embedded_postgres=endpoints.embedded_postgres,
            embedded_redis=endpoints.embedded_redis,
        )
    )
    try:
        migrations.upgrade(owner)
        seed_demo(db)
        yield db
    finally:
        db.dispose()
        with psycopg.connect(endpoints.owner_dsn, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
