"""Declarative base, shared column types and the checks every tenant table repeats."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, ClassVar

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    Enum,
    ForeignKey,
    ForeignKeyConstraint,
    Identity,
    MetaData,
    Numeric,
    String,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

E164 = r"^\+[1-9][0-9]{6,14}$"
EMAIL = r"^[^@[:space:]]+@[^@[:space:]]+\.[^@[:space:]]+$"
CURRENCY = r"^[A-Z]{3}$"

Money = Annotated[Decimal, mapped_column(Numeric(12, 2))]
Timestamp = Annotated[datetime, mapped_column(DateTime(timezone=True))]


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: DateTime(timezone=True),
        Decimal: Numeric(12, 2),
    }


def pk() -> Mapped[int]:
    return mapped_column(BigInteger, Identity(), primary_key=True)


def property_fk() -> Mapped[int]:
    return mapped_column(
        BigInteger, ForeignKey("properties.id", ondelete="CASCADE"), index=True, nullable=False
    )


def created_at() -> Mapped[datetime]:
    return mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)


def updated_at() -> Mapped[datetime]:
    return mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now(), nullable=False
    )


def str_enum(enum_cls: type[enum.StrEnum], name: str) -> Enum:
    """An enum stored as text with a CHECK constraint: readable, and cheap to extend."""
    return Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=24,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


def same_property_fk(
    columns: list[str], target: str, ondelete: str | None = None
) -> ForeignKeyConstraint:
    """A foreign key that also matches ``property_id``: a row can only point at a row of its
    own property, even though foreign-key checks themselves ignore row-level security."""
    return ForeignKeyConstraint(
        ["property_id", *columns],
        [f"{target}.property_id", f"{target}.id"],
        ondelete=ondelete,
    )


def phone_check(column: str, nullable: bool = True) -> CheckConstraint:
    expr = f"{column} ~ '{E164}'"
    return CheckConstraint(
        f"{column} IS NULL OR {expr}" if nullable else expr, name=f"{column}_e164"
    )


def email_check(column: str = "email") -> CheckConstraint:
    return CheckConstraint(f"{column} IS NULL OR {column} ~ '{EMAIL}'", name=f"{column}_format")


def currency_check(column: str = "currency") -> CheckConstraint:
    return CheckConstraint(f"{column} ~ '{CURRENCY}'", name=f"{column}_iso4217")


def currency_col() -> Mapped[str]:
    return mapped_column(String(3), nullable=False)


JSONDict = dict[str, Any]
