"""Reactivation campaigns and the messages they send."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, Index, String, Text, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from domain.base import Base, JSONDict, created_at, pk, property_fk, same_property_fk, str_enum
from domain.conversations import Channel, DeliveryStatus


class CampaignStatus(enum.StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    SENDING = "sending"
    SENT = "sent"
    CANCELLED = "cancelled"


class Campaign(Base):
    __tablename__ = "campaigns"
    __table_args__ = (
        UniqueConstraint("property_id", "id"),
        UniqueConstraint("property_id", "name"),
    )

    id: Mapped[int] = pk()
    property_id: Mapped[int] = property_fk()
    name: Mapped[str] = mapped_column(String(200))
    segment: Mapped[str | None] = mapped_column(String(100))
    offer: Mapped[str | None] = mapped_column(Text)
    # Per-channel message text or WhatsApp template (content SID and variables).
    messages: Mapped[JSONDict] = mapped_column(JSONB, default=dict)
    status: Mapped[CampaignStatus] = mapped_column(
        str_enum(CampaignStatus, "campaign_status"), default=CampaignStatus.DRAFT
    )
    scheduled_at: Mapped[datetime | None] = mapped_column()
    # A KMeans segment's guest ids, frozen at creation (None: a rule target, see audience).
    members: Mapped[list[int] | None] = mapped_column(JSONB)
    created_at: Mapped[datetime] = created_at()


class CampaignMessage(Base):
    __tablename__ = "campaign_messages"
    __table_args__ = (
        # One message per guest per campaign, however often a send is retried.
        UniqueConstraint("campaign_id", "guest_id"),
        same_property_fk(["campaign_id"], "campaigns", ondelete="CASCADE"),
        same_property_fk(["guest_id"], "guests"),
        # The reply check of every guest turn: one index probe.
        Index("ix_campaign_messages_guest_sent", "property_id", "guest_id", "sent_at"),
        # Deferred messages (quiet hours, rate limits) waiting for their time.
        Index(
            "ix_campaign_messages_due",
            "property_id",
            "send_after",
            postgresql_where=text("message_id IS NULL"),
        ),
        # Delivery finds a WhatsApp message's campaign template by the message it became.
        Index(
            "ix_campaign_messages_message",
            "message_id",
            postgresql_where=text("message_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = pk()
    property_id: Mapped[int] = property_fk()
    campaign_id: Mapped[int] = mapped_column(BigInteger)
    guest_id: Mapped[int] = mapped_column(BigInteger)
    channel: Mapped[Channel] = mapped_column(str_enum(Channel, "campaign_channel"))
    external_id: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[DeliveryStatus] = mapped_column(
        str_enum(DeliveryStatus, "campaign_delivery_status"), default=DeliveryStatus.QUEUED
    )
    sent_at: Mapped[datetime | None] = mapped_column()
    replied_at: Mapped[datetime | None] = mapped_column()
    # The guest's segment when the campaign was sent: the report groups by it.
    segment: Mapped[str | None] = mapped_column(String(100))
    # Not before this time (quiet hours in the guest's timezone, the channel's rate limit).
    send_after: Mapped[datetime | None] = mapped_column()
    # The transcript message it became once released; its delivery status is Twilio's.
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    converted_reservation_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = created_at()
