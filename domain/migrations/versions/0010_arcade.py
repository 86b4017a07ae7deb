"""Arcade: actions waiting for a staff member's authorization.

``arcade_actions`` keeps what the sales agent asked Arcade to do on a staff member's behalf
(send an e-mail from their Gmail, put an event in their calendar) while Arcade waits for them
to authorize it, and how it ended. Row-level security like every tenant table.

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "buffr_app"


def upgrade() -> None:
    op.create_table(
        "arcade_actions",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("property_id", sa.BigInteger(), nullable=False),
        sa.Column("staff_id", sa.BigInteger(), nullable=False),
        sa.Column("lead_id", sa.BigInteger(), nullable=True),
        sa.Column("conversation_id", sa.BigInteger(), nullable=True),
        sa.Column("tool_name", sa.String(128), nullable=False),
        sa.Column("tool_input", postgresql.JSONB(), nullable=False),
        sa.Column("arcade_user_id", sa.String(320), nullable=False),
        sa.Column("authorization_id", sa.String(200), nullable=True),
        sa.Column("authorization_url", sa.Text(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "executing",
                "done",
                "failed",
                name="arcade_action_status",
                native_enum=False,
                length=24,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("result", postgresql.JSONB(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["property_id"],
            ["properties.id"],
            name=op.f("fk_arcade_actions_property_id_properties"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["property_id", "staff_id"],
            ["staff_users.property_id", "staff_users.id"],
            name=op.f("fk_arcade_actions_property_id_staff_id_staff_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["property_id", "lead_id"],
            ["leads.property_id", "leads.id"],
            name=op.f("fk_arcade_actions_property_id_lead_id_leads"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_arcade_actions")),
    )
    op.create_index(op.f("ix_arcade_actions_property_id"), "arcade_actions", ["property_id"])
    op.execute("ALTER TABLE arcade_actions ENABLE ROW LEVEL SECURITY")
    op.execute(
        "CREATE POLICY tenant_isolation ON arcade_actions "
        "USING (property_id = app_current_property()) "
        "WITH CHECK (property_id = app_current_property())"
    )
    op.execute(f"GRANT SELECT, INSERT, UPDATE ON arcade_actions TO {APP_ROLE}")


def downgrade() -> None:
    op.drop_table("arcade_actions")
