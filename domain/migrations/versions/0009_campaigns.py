"""Campaigns: sending and reply tracking.

``campaign_messages`` gains what sending and the report need: the guest's segment at the time
of sending (the report groups by it), when the message may go out (quiet hours and rate limits
defer it, they never drop it), the transcript message it became (its delivery status is the
one Twilio's callbacks update; no foreign key, so forgetting a guest's transcript is not
blocked by it) and why a guest was not sent to. Two indexes: the reply check
of every guest turn ("did this guest get a campaign message lately?") and the release of
deferred messages. No new table, so row-level security is the one of 0002.

``campaigns.members``: the guest ids of a campaign aimed at a segment of the KMeans
segmentation (``buffr campaign segments``), frozen when the campaign is created, so that its
preview, its sending and a re-run of it address the same guests.

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("campaigns", sa.Column("members", postgresql.JSONB(), nullable=True))
    op.add_column("campaign_messages", sa.Column("segment", sa.String(100), nullable=True))
    op.add_column(
        "campaign_messages", sa.Column("send_after", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column("campaign_messages", sa.Column("message_id", sa.BigInteger(), nullable=True))
    op.create_index(
        "ix_campaign_messages_guest_sent",
        "campaign_messages",
        ["property_id", "guest_id", "sent_at"],
    )
    # Delivery looks a WhatsApp message's campaign template up by the message it became.
    op.create_index(
        "ix_campaign_messages_message",
        "campaign_messages",
        ["message_id"],
        postgresql_where=sa.text("message_id IS NOT NULL"),
    )
    op.create_index(
        "ix_campaign_messages_due",
        "campaign_messages",
        ["property_id", "send_after"],
        postgresql_where=sa.text("message_id IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_campaign_messages_due", table_name="campaign_messages")
    op.drop_index("ix_campaign_messages_message", table_name="campaign_messages")
    op.drop_index("ix_campaign_messages_guest_sent", table_name="campaign_messages")
    op.drop_column("campaign_messages", "message_id")
    op.drop_column("campaign_messages", "send_after")
    op.drop_column("campaign_messages", "segment")
    op.drop_column("campaigns", "members")
