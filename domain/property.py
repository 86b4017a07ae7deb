"""Properties (the tenants) and their staff."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime, time
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Integer,
    Numeric,
    String,
    Text,
    Time,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
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
    str_enum,
    updated_at,
)


class PropertyType(enum.StrEnum):
    HOTEL = "hotel"
    RESTAURANT = "restaurant"
    BAR = "bar"


class StaffRole(enum.StrEnum):
    OWNER = "owner"
    MANAGER = "manager"
    STAFF = "staff"


class Property(Base):
    __tablename__ = "properties"
    __table_args__ = (
        currency_check(),
        phone_check("phone"),
        CheckConstraint("slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'", name="slug_format"),
        CheckConstraint("cancellation_window_hours >= 0", name="cancellation_window"),
        CheckConstraint("tax_rate_percent >= 0 AND tax_rate_percent < 100", name="tax_rate"),
        CheckConstraint("cardinality(languages) >= 1", name="has_language"),
    )

    id: Mapped[int] = pk()
    slug: Mapped[str] = mapped_column(String(63), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[PropertyType] = mapped_column(str_enum(PropertyType, "property_type"))
    timezone: Mapped[str] = mapped_column(String(64))
    currency: Mapped[str] = currency_col()
    languages: Mapped[list[str]] = mapped_column(ARRAY(String(8)))
    phone: Mapped[str | None] = mapped_column(String(16))
    address: Mapped[str | None] = mapped_column(Text)
    check_in_time: Mapped[time] = mapped_column(Time, default=time(15, 0))
    check_out_time: Mapped[time] = mapped_column(Time, default=time(11, 0))
    cancellation_window_hours: Mapped[int] = mapped_column(Integer, default=48)
    tax_rate_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal(0))
    # Further policies (pets, deposits, quiet hours...) that need no column of their own.
    policies: Mapped[JSONDict] = mapped_column(JSONB, default=dict)
    # Changed by a trigger whenever one of the property's products changes (migration 0012):
    # the key of the in-memory catalogue (tools.catalogue). Never set by the application.
    catalogue_version: Mapped[uuid.UUID] = mapped_column(
        Uuid, server_default=text("gen_random_uuid()")
    )
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()


class StaffUser(Base):
    __tablename__ = "staff_users"
    __table_args__ = (
        UniqueConstraint("property_id", "id"),
        UniqueConstraint("property_id", "phone"),
        UniqueConstraint("property_id", "email"),
        phone_check("phone"),
        email_check(),
    )

    id: Mapped[int] = pk()
    property_id: Mapped[int] = property_fk()
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(16))
    email: Mapped[str | None] = mapped_column(String(320))
    password_hash: Mapped[str | None] = mapped_column(Text)
    role: Mapped[StaffRole] = mapped_column(str_enum(StaffRole, "staff_role"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Refresh tokens carry it; logging out bumps it, revoking every one issued before.
    token_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = created_at()
