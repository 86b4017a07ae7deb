"""Conversations and their messages, whatever the channel."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from domain.base import (
    Base,
    JSONDict,
    created_at,
    phone_check,
    pk,
    property_fk,
    same_property_fk,
    str_enum,
    updated_at,
)


class Channel(enum.StrEnum):
    WHATSAPP = "whatsapp"
    SMS = "sms"
    WEB = "web"
    VOICE = "voice"
    TERMINAL = "terminal"
    EMAIL = "email"


class ConversationStatus(enum.StrEnum):
    OPEN = "open"
    HANDOFF = "handoff"  # a person has it; the agent stays silent
    CLOSED = "closed"


class Direction(enum.StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class Author(enum.StrEnum):
    GUEST = "guest"
    STAFF = "staff"
    AGENT = "agent"
    SYSTEM = "system"


class DeliveryStatus(enum.StrEnum):
    RECEIVED = "received"
    QUEUED = "queued"
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    FAILED = "failed"
    UNDELIVERED = "undelivered"


class Conversation(Base):
    __tablename__ = "conversations"
    __table_args__ = (
        UniqueConstraint("property_id", "id"),
        UniqueConstraint("property_id", "thread_key"),
        same_property_fk(["guest_id"], "guests"),
        same_property_fk(["staff_user_id"], "staff_users"),
        CheckConstraint(
            "guest_id IS NULL OR staff_user_id IS NULL", name="one_kind_of_participant"
        ),
    )

    id: Mapped[int] = pk()
    property_id: Mapped[int] = property_fk()
    # Channel-independent identity of the other party: one person, one thread.
    thread_key: Mapped[str] = mapped_column(String(200))
    guest_id: Mapped[int | None] = mapped_column(BigInteger)
    staff_user_id: Mapped[int | None] = mapped_column(BigInteger)
    last_channel: Mapped[Channel] = mapped_column(str_enum(Channel, "conversation_channel"))
    status: Mapped[ConversationStatus] = mapped_column(
        str_enum(ConversationStatus, "conversation_status"), default=ConversationStatus.OPEN
    )
    agent: Mapped[str | None] = mapped_column(String(32))
    last_inbound_at: Mapped[datetime | None] = mapped_column()  # WhatsApp's 24-hour window
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("property_id", "id"),
        same_property_fk(["conversation_id"], "conversations", ondelete="CASCADE"),
        Index(
            "uq_messages_property_channel_external_id",
            "property_id",
            "channel",
            "external_id",
            unique=True,
            postgresql_where="external_id IS NOT NULL",
        ),
    )

    id: Mapped[int] = pk()
    property_id: Mapped[int] = property_fk()
    conversation_id: Mapped[int] = mapped_column(BigInteger)
    channel: Mapped[Channel] = mapped_column(str_enum(Channel, "message_channel"))
    direction: Mapped[Direction] = mapped_column(str_enum(Direction, "message_direction"))
    author: Mapped[Author] = mapped_column(str_enum(Author, "message_author"))
    body: Mapped[str] = mapped_column(Text)
    external_id: Mapped[str | None] = mapped_column(String(64))  # e.g. Twilio MessageSid
    delivery_status: Mapped[DeliveryStatus] = mapped_column(
        str_enum(DeliveryStatus, "message_delivery_status"), default=DeliveryStatus.RECEIVED
    )
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()


class CallStatus(enum.StrEnum):
    ACTIVE = "active"
    ENDED = "ended"


class PhoneCall(Base):
    """One phone call: who called, which conversation it belongs to, how it ended, and the
    timings of each of its turns (end of speech to transcript, reply and first audio)."""

    __tablename__ = "phone_calls"
    __table_args__ = (
        UniqueConstraint("property_id", "call_sid"),
        same_property_fk(["conversation_id"], "conversations", ondelete="CASCADE"),
        phone_check("caller", nullable=False),
    )

    id: Mapped[int] = pk()
    property_id: Mapped[int] = property_fk()
    call_sid: Mapped[str] = mapped_column(String(64))  # Twilio's CallSid
    caller: Mapped[str] = mapped_column(String(20))
    conversation_id: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[CallStatus] = mapped_column(
        str_enum(CallStatus, "phone_call_status"), default=CallStatus.ACTIVE
    )
    # Why it ended: caller_hung_up, silence, handoff, transferred, error.
    end_reason: Mapped[str | None] = mapped_column(String(32))
    turn_count: Mapped[int] = mapped_column(Integer, default=0)
    turns: Mapped[list[JSONDict]] = mapped_column(JSONB, default=list)
    started_at: Mapped[datetime] = created_at()
    ended_at: Mapped[datetime | None] = mapped_column()
