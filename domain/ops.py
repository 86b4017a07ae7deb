"""Notifications for staff, handoffs to a person, and the audit log of every write."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, Integer, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from domain.base import Base, JSONDict, created_at, pk, property_fk, same_property_fk, str_enum


class NotificationKind(enum.StrEnum):
    LOW_STOCK = "low_stock"
    HANDOFF = "handoff"
    BOOKING = "booking"
    LEAD = "lead"
    SYSTEM = "system"


class NotificationStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    READ = "read"
    FAILED = "failed"


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("property_id", "id"),
        same_property_fk(["recipient_staff_id"], "staff_users"),
    )

    id: Mapped[int] = pk()
    property_id: Mapped[int] = property_fk()
    kind: Mapped[NotificationKind] = mapped_column(str_enum(NotificationKind, "notification_kind"))
    # NULL recipient: every manager and owner of the property.
    recipient_staff_id: Mapped[int | None] = mapped_column(BigInteger)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    data: Mapped[JSONDict] = mapped_column(JSONB, default=dict)
    status: Mapped[NotificationStatus] = mapped_column(
        str_enum(NotificationStatus, "notification_status"), default=NotificationStatus.PENDING
    )
    created_at: Mapped[datetime] = created_at()
    read_at: Mapped[datetime | None] = mapped_column()


class AuditEntry(Base):
    """Who changed what, from which conversation, through which tool: before and after."""

    __tablename__ = "audit_log"

    id: Mapped[int] = pk()
    property_id: Mapped[int] = property_fk()
    actor_kind: Mapped[str] = mapped_column(String(16))  # staff, guest, agent, system
    actor_id: Mapped[int | None] = mapped_column(BigInteger)
    actor_label: Mapped[str | None] = mapped_column(String(200))
    conversation_id: Mapped[int | None] = mapped_column(BigInteger)
    action: Mapped[str] = mapped_column(String(100))  # tool or route name
    entity: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str | None] = mapped_column(String(64))
    before: Mapped[JSONDict | None] = mapped_column(JSONB)
    after: Mapped[JSONDict | None] = mapped_column(JSONB)
    created_at: Mapped[datetime] = created_at()


class DeadLetter(Base):
    """A background job that failed every retry: kept with its payload for the staff console."""

    __tablename__ = "dead_letters"
    __table_args__ = (UniqueConstraint("property_id", "job_key"),)

    id: Mapped[int] = pk()
    property_id: Mapped[int] = property_fk()
    job: Mapped[str] = mapped_column(String(64))  # e.g. "deliver_message", "notify_staff"
    job_key: Mapped[str] = mapped_column(String(200))  # the job's idempotency key
    payload: Mapped[JSONDict] = mapped_column(JSONB)
    error: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer)
    resolved_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = created_at()
