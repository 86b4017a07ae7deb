"""Migrations run from an empty database to head, back down to nothing, and up again."""

from __future__ import annotations

import psycopg
from sqlalchemy import create_engine, inspect

from buffr.db import migrations
from buffr.services.resolve import Endpoints, sqlalchemy_url
from domain import Base
from tests.conftest import fresh_database

CHECKPOINT_TABLES = {
    "checkpoints",
    "checkpoint_blobs",
    "checkpoint_writes",
    "checkpoint_migrations",
}
EXPECTED = set(Base.metadata.tables) | CHECKPOINT_TABLES


def _tables(dsn: str) -> set[str]:
    engine = create_engine(sqlalchemy_url(dsn))
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_empty_to_head_to_base_and_back(services: Endpoints) -> None:
    empty = fresh_database(services, template=None)
    dsn = empty.owner_dsn
    assert _tables(dsn) == set()

    migrations.upgrade(dsn)
    assert migrations.current_revision(dsn) == migrations.head_revision(dsn)
    assert _tables(dsn) == EXPECTED

    migrations.downgrade(dsn, "base")
    assert migrations.current_revision(dsn) is None
    assert _tables(dsn) == set()
    with psycopg.connect(dsn) as conn:
        functions = conn.execute(
            "SELECT proname FROM pg_proc WHERE proname IN "
            "('app_current_property', 'apply_stock_movement', 'create_stock_row', "
            "'bump_catalogue_version', 'bump_every_catalogue_version')"
        ).fetchall()
    assert functions == []

    migrations.upgrade(dsn)
    assert _tables(dsn) == EXPECTED


def test_models_and_migrations_agree(services: Endpoints) -> None:
    """Autogenerate finds nothing to add: the migrations describe the models exactly."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    db = fresh_database(services, template=None)
    migrations.upgrade(db.owner_dsn)
    engine = create_engine(sqlalchemy_url(db.owner_dsn))
    try:
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    finally:
        engine.dispose()
    # The HNSW and full-text indexes live in the migration only (expression indexes).
    diff = [d for d in diff if not (d[0] == "remove_index" and "knowledge_chunks" in str(d[1]))]
    # The checkpoint tables belong to LangGraph's saver, not to the domain model.
    diff = [
        d
        for d in diff
        if not (d[0] in ("remove_table", "remove_index") and "checkpoint" in str(d[1]))
    ]
    assert diff == []


def test_checkpoint_history_is_dropped_on_upgrade(services: Endpoints) -> None:
    """0011 keeps each thread's latest checkpoint, its writes and the blobs it references."""
    db = fresh_database(services, template=None)
    migrations.upgrade(db.owner_dsn, "0010")
    versions = '{"reply": "2", "last": "1"}'
    with psycopg.connect(db.owner_dsn) as conn:
        for checkpoint_id, channel_versions in (
            ("a", '{"reply": "1", "last": "1"}'),
            ("b", versions),
        ):
            conn.execute(
                "INSERT INTO checkpoints (thread_id, checkpoint_id, checkpoint) "
                "VALUES ('p1:staff:1', %s, jsonb_build_object('channel_versions', %s::jsonb))",
                (checkpoint_id, channel_versions),
            )
            conn.execute(
                "INSERT INTO checkpoint_writes (thread_id, checkpoint_id, task_id, idx, channel, "
                "blob) VALUES ('p1:staff:1', %s, 't', 0, 'reply', '')",
                (checkpoint_id,),
            )
        for channel, version in (("reply", "1"), ("reply", "2"), ("last", "1")):
            conn.execute(
                "INSERT INTO checkpoint_blobs (thread_id, channel, version, type) "
                "VALUES ('p1:staff:1', %s, %s, 'json')",
                (channel, version),
            )
    migrations.upgrade(db.owner_dsn)
    with psycopg.connect(db.owner_dsn) as conn:
        checkpoints = conn.execute("SELECT checkpoint_id FROM checkpoints").fetchall()
        writes = conn.execute("SELECT checkpoint_id FROM checkpoint_writes").fetchall()
        blobs = conn.execute(
            "SELECT channel, version FROM checkpoint_blobs ORDER BY channel, version"
        ).fetchall()
    assert checkpoints == [("b",)]
    assert writes == [("b",)]
    assert blobs == [("last", "1"), ("reply", "2")]
