"""Rooms, room types and the rate calendar.

A night's price is the plan's ``RatePrice`` for that night where the calendar has one, else
the plan's base price; after the plan's last published night the price is "not yet
published" (the same reading as ``tools.reception.pricing``, so the console shows what the
receptionist quotes). Setting prices writes calendar rows, which that reading picks up.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status
from pydantic import BaseModel, Field, model_validator
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from api.auth import StaffPrincipal
from api.deps import Manager, PropertySession, PropertyStaff
from api.routes.schemas import (
    MAX_ID,
    PREFIX,
    IdFilter,
    Number,
    Public,
    audit_write,
    not_found,
    staff_context,
)
from domain.rooms import RatePlan, RatePrice, Room, RoomType
from tools.reception.pricing import NightSource, default_plan, load_plans

router = APIRouter(prefix=PREFIX, tags=["rooms"])

MAX_NIGHTS = 366
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


class RoomTypePublic(Public):
    id: int
    code: str
    name: str
    description: str | None
    max_occupancy: int
    bed_config: str | None
    rooms: int = 0


class RoomPublic(Public):
    id: int
    number: str
    floor: int | None
    features: str | None
    in_service: bool
    room_type_id: int
    room_type_code: str
    room_type_name: str


class NightPublic(BaseModel):
    night: date
    price: Number
    source: NightSource


class RatePlanCalendar(BaseModel):
    rate_plan_id: int
    code: str
    name: str
    room_type_id: int
    currency: str
    base_price: Number
    includes_breakfast: bool
    refundable: bool
    nights: list[NightPublic]


class RatesUpdate(BaseModel):
    """Set one price for every night from ``start`` to ``end`` (both included) on a room
    type's rate plan: ``rate_plan_id``, or else the room type's default plan (the cheapest
    flexible room-only rate, the one the receptionist quotes when the guest names none)."""

    room_type_id: Id
    start: date
    end: date
    price: Decimal = Field(gt=0, le=Decimal("1000000"), max_digits=12, decimal_places=2)
    rate_plan_id: Id | None = None

    @model_validator(mode="after")
    def _range(self) -> RatesUpdate:
        _check_range(self.start, self.end)
        return self


@router.get("/room-types", summary="Room types with their number of rooms")
def list_room_types(_: PropertyStaff, session: PropertySession) -> list[RoomTypePublic]:
    counts = dict(
        session.execute(select(Room.room_type_id, func.count()).group_by(Room.room_type_id)).all()
    )
    types = session.scalars(select(RoomType).order_by(RoomType.code)).all()
    return [
        RoomTypePublic.model_validate(t).model_copy(update={"rooms": counts.get(t.id, 0)})
        for t in types
    ]


@router.get("/rooms", summary="Every room, with its type and whether it is in service")
def list_rooms(_: PropertyStaff, session: PropertySession) -> list[RoomPublic]:
    rows = session.execute(
        select(
            Room.id,
            Room.number,
            Room.floor,
            Room.features,
            Room.in_service,
            Room.room_type_id,
            RoomType.code.label("room_type_code"),
            RoomType.name.label("room_type_name"),
        )
        .join(RoomType, RoomType.id == Room.room_type_id)
        .order_by(Room.number)
    ).all()
    return [RoomPublic.model_validate(row) for row in rows]


@router.get("/rates", summary="Nightly prices of each rate plan, from start to end (included)")
def get_rates(
    _: PropertyStaff,
    session: PropertySession,
    start: Annotated[date, Query(description="First night, YYYY-MM-DD.")],
    end: Annotated[date, Query(description="Last night (included), YYYY-MM-DD.")],
    room_type_id: IdFilter = None,
) -> list[RatePlanCalendar]:
    _check_range(start, end, status.HTTP_422_UNPROCESSABLE_CONTENT)
    query = select(RatePlan).where(RatePlan.active.is_(True))
    if room_type_id is not None:
        if session.get(RoomType, room_type_id) is None:
            raise not_found("room type", room_type_id)
        query = query.where(RatePlan.room_type_id == room_type_id)
    plans = session.scalars(query.order_by(RatePlan.room_type_id, RatePlan.code)).all()
    return [_calendar(session, plan, start, end) for plan in plans]


@router.put("/rates", summary="Set a room type's price on a range of nights (manager)")
def put_rates(body: RatesUpdate, staff: Manager, session: PropertySession) -> RatePlanCalendar:
    plan = _plan(session, staff, body)
    nights = [body.start + timedelta(days=i) for i in range((body.end - body.start).days + 1)]
    before = dict(
        session.execute(
            select(RatePrice.night, RatePrice.price).where(
                RatePrice.rate_plan_id == plan.id, RatePrice.night.in_(nights)
            )
        ).all()
    )
    upsert = insert(RatePrice).values(
        [
            {
                "property_id": staff.property_id,
                "rate_plan_id": plan.id,
                "night": n,
                "price": body.price,
            }
            for n in nights
        ]
    )
    session.execute(
        upsert.on_conflict_do_update(
            index_elements=[RatePrice.rate_plan_id, RatePrice.night],
            set_={"price": upsert.excluded.price},
        )
    )
    audit_write(
        session,
        staff,
        "put_rates",
        "rate_plans",
        plan.id,
        {"prices": {n.isoformat(): str(p) for n, p in before.items()}},
        {"start": body.start.isoformat(), "end": body.end.isoformat(), "price": str(body.price)},
    )
    return _calendar(session, plan, body.start, body.end)


def _check_range(start: date, end: date, code: int | None = None) -> None:
    """Refuse an empty or over-long range (a 422 from a query, a ValueError from a body)."""
    problem = None
    if end < start:
        problem = "'end' must be on or after 'start'."
    elif (end - start).days >= MAX_NIGHTS:
        problem = f"Ask for at most {MAX_NIGHTS} nights at a time."
    if problem is None:
        return
    if code is None:
        raise ValueError(problem)
    raise HTTPException(code, problem)


def _plan(session: Session, staff: StaffPrincipal, body: RatesUpdate) -> RatePlan:
    room_type = session.get(RoomType, body.room_type_id)
    if room_type is None:
        raise not_found("room type", body.room_type_id)
    if body.rate_plan_id is not None:
        plan = session.get(RatePlan, body.rate_plan_id)
        if plan is None or plan.room_type_id != room_type.id:
            raise not_found(f"rate plan of room type {room_type.code} with id", body.rate_plan_id)
        return plan
    plans = load_plans(staff_context(session, staff), [room_type.id]).get(room_type.id)
    if not plans:
        raise HTTPException(
            status.HTTP_409_CONFLICT, f"Room type {room_type.code} has no active rate plan."
        )
    chosen = session.get(RatePlan, default_plan(plans).id)
    assert chosen is not None
    return chosen


def _calendar(session: Session, plan: RatePlan, start: date, end: date) -> RatePlanCalendar:
    prices = dict(
        session.execute(
            select(RatePrice.night, RatePrice.price).where(
                RatePrice.rate_plan_id == plan.id, RatePrice.night.between(start, end)
            )
        ).all()
    )
    horizon = session.scalar(
        select(func.max(RatePrice.night)).where(RatePrice.rate_plan_id == plan.id)
    )
    nights = []
    for i in range((end - start).days + 1):
        night = start + timedelta(days=i)
        source: NightSource
        if night in prices:
            source = "rate calendar"
        elif horizon is None or night <= horizon:  # no calendar: the base price holds
            source = "base rate"
        else:
            source = "not yet published"
        nights.append(
            NightPublic(
                night=night, price=prices.get(night, plan.base_nightly_price), source=source
            )
        )
    return RatePlanCalendar(
        rate_plan_id=plan.id,
        code=plan.code,
        name=plan.name,
        room_type_id=plan.room_type_id,
        currency=plan.currency,
        base_price=plan.base_nightly_price,
        includes_breakfast=plan.includes_breakfast,
        refundable=plan.refundable,
        nights=nights,
    )
