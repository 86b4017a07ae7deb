"""Phone calls: one row per call over Twilio Media Streams.

``phone_calls`` ties a CallSid to the caller and the conversation the call's transcript is
stored on, records how the call ended and the timings of each turn (for ``buffr call
simulate`` and ``buffr bench voice``). Row-level security like every tenant table.

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "buffr_app"
E164 = r"^\+[1-9][0-9]{6,14}$"


def upgrade() -> None:
    op.create_table(
        "phone_calls",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("property_id", sa.BigInteger(), nullable=False),
        sa.Column("call_sid", sa.String(64), nullable=False),
        sa.Column("caller", sa.String(20), nullable=False),
        sa.Column("conversation_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "active",
                "ended",
                name="phone_call_status",
                native_enum=False,
                length=24,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("end_reason", sa.String(32), nullable=True),
        sa.Column("turn_count", sa.Integer(), nullable=False),
        sa.Column("turns", postgresql.JSONB(), nullable=False),
        sa.Column(
            "started_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(f"caller ~ '{E164}'", name=op.f("ck_phone_calls_caller_e164")),
        sa.ForeignKeyConstraint(
            ["property_id"],
            ["properties.id"],
            name=op.f("fk_phone_calls_property_id_properties"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["property_id", "conversation_id"],
            ["conversations.property_id", "conversations.id"],
            name=op.f("fk_phone_calls_property_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_phone_calls")),
        sa.UniqueConstraint(
            "property_id", "call_sid", name=op.f("uq_phone_calls_property_id_call_sid")
        ),
    )
    op.create_index(op.f("ix_phone_calls_property_id"), "phone_calls", ["property_id"])
    op.execute("ALTER TABLE phone_calls ENABLE ROW LEVEL SECURITY")
    op.execute(
        "CREATE POLICY tenant_isolation ON phone_calls "
        "USING (property_id = app_current_property()) "
        "WITH CHECK (property_id = app_current_property())"
    )
    op.execute(f"GRANT SELECT, INSERT, UPDATE ON phone_calls TO {APP_ROLE}")


def downgrade() -> None:
    op.drop_table("phone_calls")
