"""Menus and their items: what the kitchen offers, and switching a dish off or repricing it.

The receptionist's menu search reads the same rows, so an item marked unavailable here is no
longer offered to guests in chat.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, status
from pydantic import BaseModel, Field
from sqlalchemy import select

from api.deps import Manager, PropertySession, PropertyStaff
from api.routes.schemas import MAX_ID, PREFIX, Number, Public, audit_write, not_found
from domain.dining import Menu, MenuItem, Venue

router = APIRouter(prefix=PREFIX, tags=["menu"])

ItemId = Annotated[int, Path(ge=1, le=MAX_ID, description="Menu item id.")]


class MenuItemPublic(Public):
    id: int
    menu_id: int
    name: str
    description: str | None
    course: str | None
    price: Number
    currency: str
    allergens: list[str]
    dietary_tags: list[str]
    available: bool


class MenuPublic(BaseModel):
    id: int
    name: str
    venue_id: int | None
    venue_name: str | None
    available_for_room_service: bool
    items: list[MenuItemPublic]


class MenuItemUpdate(BaseModel):
    """Only the fields sent change."""

    available: bool | None = None
    price: Decimal | None = Field(
        default=None, ge=0, le=Decimal("1000000"), max_digits=12, decimal_places=2
    )


@router.get("/menu", summary="Every menu with its items, allergens and prices")
def get_menu(_: PropertyStaff, session: PropertySession) -> list[MenuPublic]:
    rows = session.execute(
        select(Menu, Venue.name).outerjoin(Venue, Venue.id == Menu.venue_id).order_by(Menu.id)
    ).all()
    items = session.scalars(select(MenuItem).order_by(MenuItem.menu_id, MenuItem.id)).all()
    by_menu: dict[int, list[MenuItemPublic]] = {}
    for item in items:
        by_menu.setdefault(item.menu_id, []).append(MenuItemPublic.model_validate(item))
    return [
        MenuPublic(
            id=menu.id,
            name=menu.name,
            venue_id=menu.venue_id,
            venue_name=venue_name,
            available_for_room_service=menu.available_for_room_service,
            items=by_menu.get(menu.id, []),
        )
        for menu, venue_name in rows
    ]


@router.patch("/menu/items/{item_id}", summary="Switch an item on or off, or reprice it (manager)")
def patch_menu_item(
    item_id: ItemId, body: MenuItemUpdate, staff: Manager, session: PropertySession
) -> MenuItemPublic:
    changes = body.model_dump(exclude_unset=True)
    if any(value is None for value in changes.values()):
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, "'available' and 'price' cannot be null."
        )
    item = session.get(MenuItem, item_id, with_for_update=True)
    if item is None:
        raise not_found("menu item", item_id)
    before = {field: _plain(getattr(item, field)) for field in changes}
    for field, value in changes.items():
        setattr(item, field, value)
    after = {field: _plain(value) for field, value in changes.items()}
    audit_write(session, staff, "patch_menu_item", "menu_items", item.id, before, after)
    return MenuItemPublic.model_validate(item)


def _plain(value: object) -> object:
    """A JSON-able value for the audit entry (prices as exact strings)."""
    return str(value) if isinstance(value, Decimal) else value
