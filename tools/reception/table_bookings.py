"""A guest's table reservations: listing them and cancelling one.

Cancelling a table is free at any time before it starts (the schema and the policies define no
fee for tables); once it has started, or has been cancelled, it cannot be cancelled here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, cast

from pydantic import BaseModel, Field
from sqlalchemy import Select, select, update

from domain.dining import DiningTable, TableReservation, TableReservationStatus, Venue
from domain.ops import NotificationKind
from tools.base import ToolContext, ToolError, audit
from tools.reception.context import (
    current_time,
    guest_label,
    guest_scope,
    notify_staff,
    property_rules,
)

TableStage = Literal["upcoming", "past", "cancelled"]
MAX_PAST_SHOWN = 5
MAX_UPCOMING_SHOWN = 20


class TableReservationInfo(BaseModel):
    id: int
    venue: str
    table: str
    seats: int
    area: str | None
    starts_at: datetime
    ends_at: datetime
    party_size: int
    status: TableReservationStatus
    stage: TableStage
    notes: str | None


class MyTablesArgs(BaseModel):
    guest_id: int | None = Field(default=None, description="Staff only: one guest's bookings.")


class MyTables(BaseModel):
    upcoming: list[TableReservationInfo]
    past: list[TableReservationInfo]


class TableCancelArgs(BaseModel):
    reservation_id: int = Field(description="The table reservation's number.")


class TableCancellation(BaseModel):
    reservation: TableReservationInfo
    message: str


_COLUMNS = (
    TableReservation.id,
    Venue.name,
    DiningTable.label,
    DiningTable.seats,
    DiningTable.area,
    TableReservation.starts_at,
    TableReservation.ends_at,
    TableReservation.party_size,
    TableReservation.status,
    TableReservation.notes,
    TableReservation.guest_id,
)


def table_select(ctx: ToolContext) -> Select[Any]:
    """Table reservations the caller may see: a guest only their own."""
    # Rows are read by column name; the long column tuple is not worth spelling as a type.
    query = cast(
        "Select[Any]",
        select(*_COLUMNS)
        .join(DiningTable, DiningTable.id == TableReservation.table_id)
        .join(Venue, Venue.id == DiningTable.venue_id),
    )
    own = guest_scope(ctx)
    if own is not None:
        query = query.where(TableReservation.guest_id == own)
    return query


def to_info(row: Any, now: datetime) -> TableReservationInfo:
    status = TableReservationStatus(row.status)
    stage: TableStage = (
        "cancelled"
        if status is TableReservationStatus.CANCELLED
        else "upcoming"
        if status is TableReservationStatus.BOOKED and row.starts_at > now
        else "past"
    )
    return TableReservationInfo(
        id=row.id,
        venue=row.name,
        table=row.label,
        seats=row.seats,
        area=row.area,
        starts_at=row.starts_at.astimezone(now.tzinfo),
        ends_at=row.ends_at.astimezone(now.tzinfo),
        party_size=row.party_size,
        status=status,
        stage=stage,
        notes=row.notes,
    )


def my_table_reservations(ctx: ToolContext, args: MyTablesArgs) -> MyTables:
    """The caller's table reservations: upcoming ones, then the most recent past ones."""
    rules = property_rules(ctx)
    now = current_time(ctx, rules)
    query = table_select(ctx)
    if ctx.actor.kind != "guest":
        if args.guest_id is None:
            raise ToolError("Say whose table reservations to list (guest_id).")
        query = query.where(TableReservation.guest_id == args.guest_id)
    upcoming_rows = ctx.session.execute(
        query.where(
            TableReservation.status == TableReservationStatus.BOOKED,
            TableReservation.starts_at > now,
        )
        .order_by(TableReservation.starts_at)
        .limit(MAX_UPCOMING_SHOWN)
    ).all()
    upcoming = [to_info(row, now) for row in upcoming_rows]
    shown = [info.id for info in upcoming]
    past_rows = ctx.session.execute(
        query.where(TableReservation.id.not_in(shown))
        .order_by(TableReservation.starts_at.desc())
        .limit(MAX_PAST_SHOWN)
    ).all()
    return MyTables(upcoming=upcoming, past=[to_info(row, now) for row in past_rows])


def quote_table_cancellation(ctx: ToolContext, args: TableCancelArgs) -> TableCancellation:
    """Whether a table reservation can be cancelled (free until it starts). Read only: ask the
    guest to confirm before cancel_table_reservation."""
    info, _ = _cancellable(ctx, args.reservation_id, lock=False)
    return TableCancellation(
        reservation=info,
        message=f"The table for {info.party_size} at {info.venue} on "
        f"{info.starts_at:%a %d %b, %H:%M} can be cancelled free of charge.",
    )


def cancel_table_reservation(ctx: ToolContext, args: TableCancelArgs) -> TableCancellation:
    """Cancel a table reservation the guest confirmed cancelling."""
    info, guest_id = _cancellable(ctx, args.reservation_id, lock=True)
    ctx.session.execute(
        update(TableReservation)
        .where(TableReservation.id == info.id)
        .values(status=TableReservationStatus.CANCELLED)
    )
    after = info.model_copy(
        update={"status": TableReservationStatus.CANCELLED, "stage": "cancelled"}
    )
    audit(
        ctx,
        "cancel_table_reservation",
        "table_reservations",
        info.id,
        {"status": info.status.value},
        {"status": after.status.value},
    )
    who = guest_label(ctx, guest_id)
    notify_staff(
        ctx,
        NotificationKind.BOOKING,
        f"Table cancelled: {info.venue}, {info.starts_at:%d %b %H:%M}",
        f"{who} cancelled table {info.table} at {info.venue} for {info.party_size} on "
        f"{info.starts_at:%a %d %b, %H:%M}.",
        {"action": "table_cancelled", "table_reservation_id": info.id, "guest_id": guest_id},
    )
    return TableCancellation(
        reservation=after,
        message=f"Cancelled: the table for {info.party_size} at {info.venue} on "
        f"{info.starts_at:%a %d %b, %H:%M}.",
    )


def _cancellable(
    ctx: ToolContext, reservation_id: int, lock: bool
) -> tuple[TableReservationInfo, int]:
    """The reservation (and its guest) if the caller may cancel it now."""
    rules = property_rules(ctx)
    now = current_time(ctx, rules)
    query = table_select(ctx).where(TableReservation.id == reservation_id)
    if lock:
        query = query.with_for_update(of=TableReservation)
    row = ctx.session.execute(query).first()
    if row is None:
        whose = "under your name" if guest_scope(ctx) is not None else "at this property"
        raise ToolError(f"I can't find table reservation {reservation_id} {whose}.")
    info = to_info(row, now)
    if info.stage == "cancelled":
        raise ToolError(f"Table reservation {info.id} is already cancelled.")
    if info.stage == "past":
        raise ToolError(
            f"Table reservation {info.id} ({info.starts_at:%d %b, %H:%M}) has already started "
            "or is over, so it can't be cancelled."
        )
    return info, int(row.guest_id)
