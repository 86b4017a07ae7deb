"""Sales funnel: upsell offers, lead follow-ups, and the conversation a lead came from.

* ``leads.conversation_id``: where the lead's proposal and follow-ups are written.
* ``lead_follow_ups``: one row per scheduled follow-up of a lead (its step, when it is due,
  when it was done and how); the worker sends each once.
* ``upsell_offers``: an upsell offered after a booking, priced by code, and whether the guest
  took it. Unique per conversation: the database keeps the "at most once" rule.

Row-level security like every tenant table.

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "buffr_app"
NEW_TABLES = ("lead_follow_ups", "upsell_offers")


def upgrade() -> None:
    op.add_column("leads", sa.Column("conversation_id", sa.BigInteger(), nullable=True))
    op.create_index(op.f("ix_leads_conversation_id"), "leads", ["conversation_id"])
    op.create_foreign_key(
        op.f("fk_leads_property_id_conversation_id_conversations"),
        "leads",
        "conversations",
        ["property_id", "conversation_id"],
        ["property_id", "id"],
    )
    op.create_table(
        "lead_follow_ups",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("property_id", sa.BigInteger(), nullable=False),
        sa.Column("lead_id", sa.BigInteger(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=24), nullable=True),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint(
            "(done_at IS NULL) = (outcome IS NULL)",
            name=op.f("ck_lead_follow_ups_done_has_outcome"),
        ),
        sa.CheckConstraint("step >= 1", name=op.f("ck_lead_follow_ups_step_positive")),
        sa.ForeignKeyConstraint(
            ["property_id", "lead_id"],
            ["leads.property_id", "leads.id"],
            name=op.f("fk_lead_follow_ups_property_id_lead_id_leads"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["property_id"],
            ["properties.id"],
            name=op.f("fk_lead_follow_ups_property_id_properties"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lead_follow_ups")),
        sa.UniqueConstraint("property_id", "id", name=op.f("uq_lead_follow_ups_property_id_id")),
        sa.UniqueConstraint(
            "property_id",
            "lead_id",
            "step",
            name=op.f("uq_lead_follow_ups_property_id_lead_id_step"),
        ),
    )
    op.create_index(op.f("ix_lead_follow_ups_property_id"), "lead_follow_ups", ["property_id"])
    op.create_table(
        "upsell_offers",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("property_id", sa.BigInteger(), nullable=False),
        sa.Column("conversation_id", sa.BigInteger(), nullable=False),
        sa.Column("reservation_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "kind",
            sa.Enum(
                "room_upgrade",
                "breakfast",
                "late_checkout",
                "spa",
                name="upsell_kind",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("description", sa.String(length=300), nullable=False),
        sa.Column("price", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("taken", sa.Boolean(), nullable=True),
        sa.Column(
            "offered_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "currency ~ '^[A-Z]{3}$'", name=op.f("ck_upsell_offers_currency_iso4217")
        ),
        sa.CheckConstraint(
            "(taken IS NULL) = (answered_at IS NULL)",
            name=op.f("ck_upsell_offers_answer_has_time"),
        ),
        sa.CheckConstraint("price >= 0", name=op.f("ck_upsell_offers_price_nonnegative")),
        sa.ForeignKeyConstraint(
            ["property_id", "conversation_id"],
            ["conversations.property_id", "conversations.id"],
            name=op.f("fk_upsell_offers_property_id_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["property_id", "reservation_id"],
            ["room_reservations.property_id", "room_reservations.id"],
            name=op.f("fk_upsell_offers_property_id_reservation_id_room_reservations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["property_id"],
            ["properties.id"],
            name=op.f("fk_upsell_offers_property_id_properties"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_upsell_offers")),
        sa.UniqueConstraint(
            "property_id",
            "conversation_id",
            name=op.f("uq_upsell_offers_property_id_conversation_id"),
        ),
        sa.UniqueConstraint("property_id", "id", name=op.f("uq_upsell_offers_property_id_id")),
    )
    op.create_index(op.f("ix_upsell_offers_property_id"), "upsell_offers", ["property_id"])
    for table in NEW_TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY tenant_isolation ON {table} "
            "USING (property_id = app_current_property()) "
            "WITH CHECK (property_id = app_current_property())"
        )
        op.execute(f"GRANT SELECT, INSERT, UPDATE ON {table} TO {APP_ROLE}")


def downgrade() -> None:
    op.drop_table("upsell_offers")
    op.drop_table("lead_follow_ups")
    op.drop_constraint(
        op.f("fk_leads_property_id_conversation_id_conversations"), "leads", type_="foreignkey"
    )
    op.drop_index(op.f("ix_leads_conversation_id"), table_name="leads")
    op.drop_column("leads", "conversation_id")
