"""Room reservations: the front desk's list, one booking in full, and cancelling it.

Cancelling goes through the receptionist's ``cancel_reservation`` tool, so a manager's
cancellation applies the same policy (free window, late fee, non-refundable rate), writes the
same audit entry and notifies staff the same way as a guest's through chat.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, cast

from fastapi import APIRouter, HTTPException, Path, Query, status
from pydantic import BaseModel
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from api.auth import StaffPrincipal
from api.deps import Manager, PropertySession, PropertyStaff
from api.routes.schemas import (
    MAX_ID,
    PREFIX,
    Limit,
    Number,
    Offset,
    Page,
    Public,
    not_found,
    refused,
    staff_context,
)
from domain.guests import Guest
from domain.rooms import RatePlan, ReservationStatus, Room, RoomReservation, RoomType
from tools.base import ToolError
from tools.reception import CancelArgs, cancel_reservation
from tools.reception.context import property_rules
from tools.reception.pricing import CancellationTerms
from tools.reception.records import Stage, find_booking

router = APIRouter(prefix=PREFIX, tags=["reservations"])

ReservationId = Annotated[int, Path(ge=1, le=MAX_ID, description="Reservation id.")]


class GuestBrief(Public):
    id: int
    name: str | None
    phone: str | None
    email: str | None


class ReservationPublic(Public):
    id: int
    code: str
    status: ReservationStatus
    check_in: date
    check_out: date
    adults: int
    children: int
    room_id: int
    room_number: str
    room_type_id: int
    room_type_name: str
    rate_plan_code: str | None
    total_amount: Number
    currency: str
    source_channel: str | None
    special_requests: str | None
    cancelled_at: datetime | None
    created_at: datetime
    guest: GuestBrief


class ReservationDetail(ReservationPublic):
    stage: Stage
    nights: int
    refundable: bool
    cancellation: CancellationTerms | None  # the terms while the stay is upcoming


class CancellationPublic(BaseModel):
    reservation: ReservationDetail
    fee: Number
    message: str


@router.get("/reservations", summary="Room reservations, newest arrival first")
def list_reservations(
    _: PropertyStaff,
    session: PropertySession,
    status_: Annotated[ReservationStatus | None, Query(alias="status")] = None,
    start: Annotated[date | None, Query(description="Stays ending after this day.")] = None,
    end: Annotated[date | None, Query(description="Stays starting on or before this day.")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[ReservationPublic]:
    if start is not None and end is not None and end < start:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, "'end' must be on or after 'start'."
        )
    query = _select()
    if status_ is not None:
        query = query.where(RoomReservation.status == status_)
    if start is not None:
        query = query.where(RoomReservation.check_out > start)
    if end is not None:
        query = query.where(RoomReservation.check_in <= end)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(
        query.order_by(RoomReservation.check_in.desc(), RoomReservation.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return Page(items=[_public(row) for row in rows], total=total, limit=limit, offset=offset)


@router.get("/reservations/{reservation_id}", summary="One reservation with its terms")
def get_reservation(
    reservation_id: ReservationId, staff: PropertyStaff, session: PropertySession
) -> ReservationDetail:
    return _detail(session, staff, reservation_id)


@router.post(
    "/reservations/{reservation_id}/cancel",
    summary="Cancel a reservation under the property's policy (manager)",
)
def cancel(
    reservation_id: ReservationId, staff: Manager, session: PropertySession
) -> CancellationPublic:
    _detail(session, staff, reservation_id)  # 404 before the tool's guest-facing wording
    try:
        result = cancel_reservation(
            staff_context(session, staff), CancelArgs(reservation=reservation_id)
        )
    except ToolError as error:
        raise refused(error) from error
    return CancellationPublic(
        reservation=_detail(session, staff, reservation_id), fee=result.fee, message=result.message
    )


def _select() -> Select[Any]:
    # Rows are read by name; the six-column tuple type is not worth spelling out.
    query = cast(
        "Select[Any]",
        select(
            RoomReservation,
            Room.number.label("room_number"),
            RoomType.id.label("room_type_id"),
            RoomType.name.label("room_type_name"),
            RatePlan.code.label("rate_plan_code"),
            Guest,
        )
        .join(Room, Room.id == RoomReservation.room_id)
        .join(RoomType, RoomType.id == Room.room_type_id)
        .join(Guest, Guest.id == RoomReservation.guest_id)
        .outerjoin(RatePlan, RatePlan.id == RoomReservation.rate_plan_id),
    )
    return query


_OWN_COLUMNS = (
    "id",
    "code",
    "status",
    "check_in",
    "check_out",
    "adults",
    "children",
    "room_id",
    "total_amount",
    "currency",
    "source_channel",
    "special_requests",
    "cancelled_at",
    "created_at",
)


def _public(row: Any) -> ReservationPublic:
    return ReservationPublic.model_validate(_fields(row))


def _fields(row: Any) -> dict[str, Any]:
    booking: RoomReservation = row.RoomReservation
    return {
        **{column: getattr(booking, column) for column in _OWN_COLUMNS},
        "room_number": row.room_number,
        "room_type_id": row.room_type_id,
        "room_type_name": row.room_type_name,
        "rate_plan_code": row.rate_plan_code,
        "guest": GuestBrief.model_validate(row.Guest),
    }


def _detail(session: Session, staff: StaffPrincipal, reservation_id: int) -> ReservationDetail:
    query = _select().where(RoomReservation.id == reservation_id)
    # After a cancellation (a bulk UPDATE by the tool) the session's copy is stale.
    row = session.execute(query.execution_options(populate_existing=True)).first()
    if row is None:
        raise not_found("reservation", reservation_id)
    ctx = staff_context(session, staff)
    rules = property_rules(ctx)
    today = datetime.now(rules.tz).date()
    info = find_booking(ctx, rules, today, reservation_id).info  # stage and terms, as quoted
    return ReservationDetail.model_validate(
        {
            **_fields(row),
            "stage": info.stage,
            "nights": info.nights,
            "refundable": info.refundable,
            "cancellation": info.cancellation,
        }
    )
