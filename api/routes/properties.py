"""The property itself: what every screen of the console shows in its header, and the few
settings an owner may change from it."""

from __future__ import annotations

from datetime import time
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel, Field, StringConstraints
from sqlalchemy.orm import Session

from api.deps import Owner, PropertySession, PropertyStaff
from api.routes.schemas import PREFIX, Public, audit_write
from domain.base import E164
from domain.property import Property, PropertyType

router = APIRouter(prefix=PREFIX, tags=["property"])

LanguageCode = Annotated[
    str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,4})?$", max_length=8)
]


class PropertyBase(BaseModel):
    name: str
    phone: str | None
    address: str | None
    languages: list[str]


class PropertyPublic(PropertyBase, Public):
    slug: str
    type: PropertyType
    timezone: str
    currency: str
    check_in_time: time
    check_out_time: time
    cancellation_window_hours: int
    policies: dict[str, Any]


class PropertyUpdate(BaseModel):
    """Only the fields sent are changed; ``phone`` and ``address`` may be cleared with null."""

    name: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
        | None
    ) = None
    phone: str | None = Field(default=None, pattern=E164, max_length=16)
    address: str | None = Field(default=None, max_length=1000)
    languages: list[LanguageCode] | None = Field(default=None, min_length=1, max_length=20)


@router.get("", summary="The property: contact, times, policies")
def get_property(staff: PropertyStaff, session: PropertySession) -> PropertyPublic:
    return PropertyPublic.model_validate(_load(session, staff.property_id))


@router.patch("", summary="Change the name, phone, address or languages (owner)")
def patch_property(body: PropertyUpdate, staff: Owner, session: PropertySession) -> PropertyPublic:
    changes = body.model_dump(exclude_unset=True)
    for required in ("name", "languages"):
        if required in changes and changes[required] is None:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT, f"'{required}' cannot be empty."
            )
    prop = _load(session, staff.property_id)
    before = {field: getattr(prop, field) for field in changes}
    for field, value in changes.items():
        setattr(prop, field, value)
    audit_write(session, staff, "patch_property", "properties", prop.id, before, changes)
    return PropertyPublic.model_validate(prop)


def _load(session: Session, property_id: int) -> Property:
    prop = session.get(Property, property_id)
    if prop is None:  # the token outlived its property
        raise HTTPException(status.HTTP_404_NOT_FOUND, "This property no longer exists.")
    return prop
