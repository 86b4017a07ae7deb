"""LangGraph checkpoint tables (langgraph-checkpoint-postgres 3.x schema), under row-level
security like every tenant table.

The library's own ``setup()`` would create these tables, but it needs autocommit and runs as
whoever calls it; here they are created once, as the owner, frozen at the library's schema
version 9 (``checkpoint_migrations`` records it, so ``setup()`` would find nothing to do).
Thread ids are ``p<property id>:<person>``, which is what the policies check.

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "buffr_app"
TABLES = ("checkpoints", "checkpoint_blobs", "checkpoint_writes")
LIBRARY_SCHEMA_VERSION = 9  # len(langgraph.checkpoint.postgres.base.MIGRATIONS) - 1

DDL = """
CREATE TABLE checkpoint_migrations (v INTEGER PRIMARY KEY);
CREATE TABLE checkpoints (
    thread_id TEXT NOT NULL,
    checkpoint_ns TEXT NOT NULL DEFAULT '',
    checkpoint_id TEXT NOT NULL,
    parent_checkpoint_id TEXT,
    type TEXT,
    checkpoint JSONB NOT NULL,
    metadata JSONB NOT NULL DEFAULT '{}',
    PRIMARY KEY (thread_id, checkpoint_ns, checkpoint_id)
);
CREATE TABLE checkpoint_blobs (
    thread_id TEXT NOT NULL,
    checkpoint_ns TEXT NOT NULL DEFAULT '',
    channel TEXT NOT NULL,
    version TEXT NOT NULL,
    type TEXT NOT NULL,
    blob BYTEA,
    PRIMARY KEY (thread_id, checkpoint_ns, channel, version)
);
CREATE TABLE checkpoint_writes (
    thread_id TEXT NOT NULL,
    checkpoint_ns TEXT NOT NULL DEFAULT '',
    checkpoint_id TEXT NOT NULL,
    task_id TEXT NOT NULL,
    idx INTEGER NOT NULL,
    channel TEXT NOT NULL,
    type TEXT,
    blob BYTEA NOT NULL,
    task_path TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (thread_id, checkpoint_ns, checkpoint_id, task_id, idx)
);
CREATE INDEX checkpoints_thread_id_idx ON checkpoints(thread_id);
CREATE INDEX checkpoint_blobs_thread_id_idx ON checkpoint_blobs(thread_id);
CREATE INDEX checkpoint_writes_thread_id_idx ON checkpoint_writes(thread_id);
"""


def upgrade() -> None:
    op.execute(DDL)
    op.execute(
        f"INSERT INTO checkpoint_migrations (v) SELECT generate_series(0, {LIBRARY_SCHEMA_VERSION})"
    )
    op.execute(f"GRANT SELECT ON checkpoint_migrations TO {APP_ROLE}")
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY tenant_isolation ON {table} "
            "USING (split_part(thread_id, ':', 1) = 'p' || app_current_property()) "
            "WITH CHECK (split_part(thread_id, ':', 1) = 'p' || app_current_property())"
        )
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {APP_ROLE}")


def downgrade() -> None:
    for table in (*TABLES, "checkpoint_migrations"):
        op.execute(f"DROP TABLE IF EXISTS {table}")
