"""The hospitality domain model: one set of typed tables used by tools, API and seed alike.

Every tenant table carries ``property_id``; Postgres row-level security (see the migrations)
refuses other properties' rows to the application role.
"""

from domain import (
    arcade,
    campaigns,
    conversations,
    dining,
    guests,
    inventory,
    knowledge,
    ops,
    rooms,
    sales,
)
from domain.base import Base
from domain.property import Property, StaffUser

__all__ = [
    "Base",
    "Property",
    "StaffUser",
    "arcade",
    "campaigns",
    "conversations",
    "dining",
    "guests",
    "inventory",
    "knowledge",
    "ops",
    "rooms",
    "sales",
]
