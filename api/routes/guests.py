"""Guests: finding one by name, phone or e-mail, and their profile with recent stays."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import Field
from sqlalchemy import func, or_, select

from api.deps import PropertySession, PropertyStaff
from api.routes.schemas import MAX_ID, PREFIX, Limit, Number, Offset, Page, Public, not_found
from domain.guests import Guest
from domain.rooms import ReservationStatus, RoomReservation

router = APIRouter(prefix=PREFIX, tags=["guests"])

GuestId = Annotated[int, Path(ge=1, le=MAX_ID, description="Guest id.")]
RECENT_STAYS = 20


class GuestPublic(Public):
    id: int
    name: str | None
    phone: str | None
    email: str | None
    web_visitor: str | None
    language: str
    loyalty_points: int
    marketing_consent: bool
    created_at: datetime


class StayBrief(Public):
    id: int
    code: str
    status: ReservationStatus
    check_in: date
    check_out: date
    total_amount: Number
    currency: str


class GuestDetail(GuestPublic):
    timezone: str | None
    consent_at: datetime | None
    consent_source: str | None
    opted_out_at: datetime | None
    notes: str | None
    preferences: list[str]
    updated_at: datetime
    recent_stays: list[StayBrief] = Field(default_factory=list)


@router.get("/guests", summary="Guests, searched by name, phone or e-mail")
def list_guests(
    _: PropertyStaff,
    session: PropertySession,
    q: Annotated[
        str | None, Query(max_length=100, description="Part of a name, phone or e-mail.")
    ] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[GuestPublic]:
    query = select(Guest)
    text = (q or "").strip()
    if text:
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(
            or_(
                Guest.name.ilike(pattern, escape="\\"),
                Guest.phone.ilike(pattern, escape="\\"),
                Guest.email.ilike(pattern, escape="\\"),
            )
        )
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    guests = session.scalars(
        query.order_by(Guest.name.nulls_last(), Guest.id).limit(limit).offset(offset)
    ).all()
    return Page(
        items=[GuestPublic.model_validate(g) for g in guests],
        total=total,
        limit=limit,
        offset=offset,
    )


@router.get("/guests/{guest_id}", summary="A guest's profile and recent stays")
def get_guest(guest_id: GuestId, _: PropertyStaff, session: PropertySession) -> GuestDetail:
    guest = session.get(Guest, guest_id)
    if guest is None:
        raise not_found("guest", guest_id)
    stays = session.scalars(
        select(RoomReservation)
        .where(RoomReservation.guest_id == guest_id)
        .order_by(RoomReservation.check_in.desc())
        .limit(RECENT_STAYS)
    ).all()
    detail = GuestDetail.model_validate(guest)
    detail.recent_stays = [StayBrief.model_validate(s) for s in stays]
    return detail
