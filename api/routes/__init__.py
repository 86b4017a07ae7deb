"""The REST resources of a property, each a router of its own (see ``api.app``).

Every one is under ``/api/v1/properties/{slug}`` and bound to the caller's property through
``api.deps.PropertySession``.
"""

from __future__ import annotations

from fastapi import APIRouter

from api.routes import (
    conversations,
    dead_letters,
    guests,
    inventory,
    menu,
    notifications,
    properties,
    reservations,
    rooms,
)

REST_ROUTERS: tuple[APIRouter, ...] = (
    properties.router,
    rooms.router,
    reservations.router,
    menu.router,
    inventory.router,
    guests.router,
    conversations.router,
    notifications.router,
    dead_letters.router,
)
