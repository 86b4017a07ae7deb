"""Guests: one person per property, recognised by phone or e-mail across channels."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Integer, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from domain.base import Base, created_at, email_check, phone_check, pk, property_fk, updated_at


class Guest(Base):
    __tablename__ = "guests"
    __table_args__ = (
        UniqueConstraint("property_id", "id"),
        UniqueConstraint("property_id", "phone"),
        UniqueConstraint("property_id", "email"),
        UniqueConstraint("property_id", "web_visitor"),
        CheckConstraint("web_visitor ~ '^[A-Za-z0-9_-]{16,64}$'", name="web_visitor_format"),
        phone_check("phone"),
        email_check(),
        CheckConstraint("loyalty_points >= 0", name="loyalty_points"),
        CheckConstraint(
            "NOT marketing_consent OR consent_at IS NOT NULL", name="consent_has_timestamp"
        ),
        CheckConstraint("jsonb_typeof(preferences) = 'array'", name="preferences_list"),
        # Opting out withdraws consent: the two can never both hold.
        CheckConstraint(
            "opted_out_at IS NULL OR NOT marketing_consent", name="opt_out_clears_consent"
        ),
    )

    id: Mapped[int] = pk()
    property_id: Mapped[int] = property_fk()
    name: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(16))
    email: Mapped[str | None] = mapped_column(String(320))
    # The web chat widget's visitor token: how a visitor with no phone or e-mail is known.
    web_visitor: Mapped[str | None] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8), default="en")
    timezone: Mapped[str | None] = mapped_column(String(64))
    marketing_consent: Mapped[bool] = mapped_column(default=False)
    consent_at: Mapped[datetime | None] = mapped_column()
    consent_source: Mapped[str | None] = mapped_column(String(64))
    opted_out_at: Mapped[datetime | None] = mapped_column()
    loyalty_points: Mapped[int] = mapped_column(Integer, default=0)
    notes: Mapped[str | None] = mapped_column(Text)
    # Stated preferences in the guest's words, e.g. "prefers a quiet room", "vegetarian".
    preferences: Mapped[list[str]] = mapped_column(JSONB, default=list)
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()
