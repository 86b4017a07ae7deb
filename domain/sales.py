"""Sales: packages on offer, the leads the sales agent qualifies, their scheduled follow-ups,
and the upsells offered during ordinary bookings."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from domain.base import (
    Base,
    JSONDict,
    created_at,
    currency_check,
    currency_col,
    email_check,
    phone_check,
    pk,
    property_fk,
    same_property_fk,
    str_enum,
    updated_at,
)


class LeadStage(enum.StrEnum):
    NEW = "new"
    QUALIFIED = "qualified"
    PROPOSAL = "proposal"
    NEGOTIATION = "negotiation"
    WON = "won"
    LOST = "lost"


class LeadKind(enum.StrEnum):
    EVENT = "event"
    WEDDING = "wedding"
    GROUP = "group"
    CORPORATE = "corporate"
    PACKAGE = "package"


class Package(Base):
    __tablename__ = "packages"
    __table_args__ = (
        UniqueConstraint("property_id", "id"),
        UniqueConstraint("property_id", "code"),
        currency_check(),
        CheckConstraint("price_per_person >= 0", name="price_nonnegative"),
        CheckConstraint("min_guests >= 1 AND max_guests >= min_guests", name="guest_range"),
    )

    id: Mapped[int] = pk()
    property_id: Mapped[int] = property_fk()
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[LeadKind] = mapped_column(str_enum(LeadKind, "package_kind"))
    description: Mapped[str | None] = mapped_column(Text)
    price_per_person: Mapped[Decimal] = mapped_column()
    currency: Mapped[str] = currency_col()
    min_guests: Mapped[int] = mapped_column(Integer, default=1)
    max_guests: Mapped[int] = mapped_column(Integer, default=500)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Lead(Base):
    __tablename__ = "leads"
    __table_args__ = (
        UniqueConstraint("property_id", "id"),
        same_property_fk(["guest_id"], "guests"),
        same_property_fk(["package_id"], "packages"),
        same_property_fk(["owner_staff_id"], "staff_users"),
        same_property_fk(["conversation_id"], "conversations"),
        phone_check("contact_phone"),
        email_check("contact_email"),
        currency_check(),
        CheckConstraint("group_size IS NULL OR group_size >= 1", name="group_size"),
        CheckConstraint("budget IS NULL OR budget >= 0", name="budget_nonnegative"),
    )

    id: Mapped[int] = pk()
    property_id: Mapped[int] = property_fk()
    guest_id: Mapped[int | None] = mapped_column(BigInteger)
    kind: Mapped[LeadKind] = mapped_column(str_enum(LeadKind, "lead_kind"))
    stage: Mapped[LeadStage] = mapped_column(
        str_enum(LeadStage, "lead_stage"), default=LeadStage.NEW
    )
    contact_name: Mapped[str | None] = mapped_column(String(200))
    contact_phone: Mapped[str | None] = mapped_column(String(16))
    contact_email: Mapped[str | None] = mapped_column(String(320))
    event_date: Mapped[date | None] = mapped_column(Date)
    group_size: Mapped[int | None] = mapped_column(Integer)
    budget: Mapped[Decimal | None] = mapped_column()
    currency: Mapped[str] = currency_col()
    needs: Mapped[str | None] = mapped_column(Text)
    decision_timeline: Mapped[str | None] = mapped_column(String(200))
    package_id: Mapped[int | None] = mapped_column(BigInteger)
    quote_amount: Mapped[Decimal | None] = mapped_column()
    owner_staff_id: Mapped[int | None] = mapped_column(BigInteger)
    # The conversation the lead came from: where proposals and follow-ups are written.
    conversation_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    details: Mapped[JSONDict] = mapped_column(JSONB, default=dict)
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()


OPEN_STAGES = (LeadStage.NEW, LeadStage.QUALIFIED, LeadStage.PROPOSAL, LeadStage.NEGOTIATION)


class LeadFollowUp(Base):
    """A follow-up message due on a lead; ``done_at`` is set once, when it was sent or
    skipped (the lead closed meanwhile), in the same transaction as the message."""

    __tablename__ = "lead_follow_ups"
    __table_args__ = (
        UniqueConstraint("property_id", "id"),
        UniqueConstraint("property_id", "lead_id", "step"),
        same_property_fk(["lead_id"], "leads", ondelete="CASCADE"),
        CheckConstraint("step >= 1", name="step_positive"),
        CheckConstraint("(done_at IS NULL) = (outcome IS NULL)", name="done_has_outcome"),
    )

    id: Mapped[int] = pk()
    property_id: Mapped[int] = property_fk()
    lead_id: Mapped[int] = mapped_column(BigInteger)
    step: Mapped[int] = mapped_column(Integer)
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    done_at: Mapped[datetime | None] = mapped_column()
    outcome: Mapped[str | None] = mapped_column(String(24))  # "sent" or "skipped: <why>"
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = created_at()


class UpsellKind(enum.StrEnum):
    ROOM_UPGRADE = "room_upgrade"
    BREAKFAST = "breakfast"
    LATE_CHECKOUT = "late_checkout"
    SPA = "spa"


class UpsellOffer(Base):
    """An upsell offered after a booking. One per conversation: the unique constraint is
    the "at most once" rule, so two racing turns cannot both offer one."""

    __tablename__ = "upsell_offers"
    __table_args__ = (
        UniqueConstraint("property_id", "id"),
        UniqueConstraint("property_id", "conversation_id"),
        same_property_fk(["conversation_id"], "conversations", ondelete="CASCADE"),
        same_property_fk(["reservation_id"], "room_reservations", ondelete="CASCADE"),
        currency_check(),
        CheckConstraint("price >= 0", name="price_nonnegative"),
        CheckConstraint("(taken IS NULL) = (answered_at IS NULL)", name="answer_has_time"),
    )

    id: Mapped[int] = pk()
    property_id: Mapped[int] = property_fk()
    conversation_id: Mapped[int] = mapped_column(BigInteger)
    reservation_id: Mapped[int | None] = mapped_column(BigInteger)
    kind: Mapped[UpsellKind] = mapped_column(str_enum(UpsellKind, "upsell_kind"))
    description: Mapped[str] = mapped_column(String(300))
    price: Mapped[Decimal] = mapped_column()
    currency: Mapped[str] = currency_col()
    taken: Mapped[bool | None] = mapped_column(Boolean)
    offered_at: Mapped[datetime] = created_at()
    answered_at: Mapped[datetime | None] = mapped_column()
