"""Drop the checkpoint history: each thread keeps only its latest checkpoint.

From this revision the saver (``agents.checkpoint.LatestCheckpointSaver``) deletes a thread's
older checkpoints as it saves a new one, because reading the latest got slower with every
turn of history. This removes the history that earlier versions left: every checkpoint but
each thread's latest, the writes of removed checkpoints, and the blobs the remaining
checkpoints no longer reference. Nothing reads the history, and it cannot be brought back, so
the downgrade does nothing.

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """
        DELETE FROM checkpoints c
        WHERE EXISTS (
            SELECT 1 FROM checkpoints newer
            WHERE newer.thread_id = c.thread_id AND newer.checkpoint_ns = c.checkpoint_ns
              AND newer.checkpoint_id > c.checkpoint_id
        )
        """
    )
    op.execute(
        """
        DELETE FROM checkpoint_writes w
        WHERE NOT EXISTS (
            SELECT 1 FROM checkpoints c
            WHERE c.thread_id = w.thread_id AND c.checkpoint_ns = w.checkpoint_ns
              AND c.checkpoint_id = w.checkpoint_id
        )
        """
    )
    op.execute(
        """
        DELETE FROM checkpoint_blobs b
        WHERE NOT EXISTS (
            SELECT 1 FROM checkpoints c
            WHERE c.thread_id = b.thread_id AND c.checkpoint_ns = b.checkpoint_ns
              AND (c.checkpoint -> 'channel_versions') @> jsonb_build_object(b.channel, b.version)
        )
        """
    )


def downgrade() -> None:
    pass  # the history is gone for good; the saver of the older code keeps working without it
