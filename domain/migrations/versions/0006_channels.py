"""Channels and the API: web-chat visitors, dead-lettered background jobs, revocable tokens.

* ``guests.web_visitor``: the web chat widget's visitor token. A visitor has no phone or
  e-mail yet; the token (random, kept in the visitor's browser) is how the same person is
  found again on the next page load. Unique per property like phone and e-mail.
* ``dead_letters``: background jobs (outbound replies, staff alerts) that failed every retry,
  with their payload and last error, for the staff console. Row-level security like every
  tenant table.
* ``staff_users.token_version``: refresh tokens carry it; logging out bumps it, which revokes
  every refresh token issued before.

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "buffr_app"


def upgrade() -> None:
    op.add_column("guests", sa.Column("web_visitor", sa.String(64), nullable=True))
    op.create_unique_constraint(
        op.f("uq_guests_property_id_web_visitor"), "guests", ["property_id", "web_visitor"]
    )
    op.create_check_constraint(
        op.f("ck_guests_web_visitor_format"), "guests", "web_visitor ~ '^[A-Za-z0-9_-]{16,64}$'"
    )
    op.add_column(
        "staff_users",
        sa.Column("token_version", sa.Integer(), nullable=False, server_default="0"),
    )
    op.create_table(
        "dead_letters",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("property_id", sa.BigInteger(), nullable=False),
        sa.Column("job", sa.String(64), nullable=False),
        sa.Column("job_key", sa.String(200), nullable=False),
        sa.Column("payload", postgresql.JSONB(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.ForeignKeyConstraint(
            ["property_id"],
            ["properties.id"],
            name=op.f("fk_dead_letters_property_id_properties"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dead_letters")),
        sa.UniqueConstraint(
            "property_id", "job_key", name=op.f("uq_dead_letters_property_id_job_key")
        ),
    )
    op.create_index(op.f("ix_dead_letters_property_id"), "dead_letters", ["property_id"])
    op.execute("ALTER TABLE dead_letters ENABLE ROW LEVEL SECURITY")
    op.execute(
        "CREATE POLICY tenant_isolation ON dead_letters "
        "USING (property_id = app_current_property()) "
        "WITH CHECK (property_id = app_current_property())"
    )
    op.execute(f"GRANT SELECT, INSERT, UPDATE ON dead_letters TO {APP_ROLE}")


def downgrade() -> None:
    op.drop_table("dead_letters")
    op.drop_column("staff_users", "token_version")
    op.drop_constraint(op.f("ck_guests_web_visitor_format"), "guests", type_="check")
    op.drop_constraint(op.f("uq_guests_property_id_web_visitor"), "guests", type_="unique")
    op.drop_column("guests", "web_visitor")
