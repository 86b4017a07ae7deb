"""Plain descriptions of a demo property; ``demo.py`` turns them into rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time
from decimal import Decimal
from typing import Any

from domain.dining import VenueKind
from domain.property import PropertyType, StaffRole
from domain.sales import LeadKind
from domain.seed.inventory_data import CategorySpec, ProductSpec


@dataclass(frozen=True)
class StaffSpec:
    name: str
    phone: str
    email: str
    role: StaffRole


@dataclass(frozen=True)
class TableSpec:
    label: str
    seats: int
    area: str | None = None


@dataclass(frozen=True)
class VenueSpec:
    name: str
    kind: VenueKind
    opening_hours: str
    tables: tuple[TableSpec, ...]
    # Reservation start times offered ("HH:MM") and how long a table is held, in minutes.
    seatings: tuple[str, ...] = ("18:00", "18:30", "19:00", "19:30", "20:00", "20:30", "21:00")
    sitting_minutes: int = 120


@dataclass(frozen=True)
class MenuItemSpec:
    name: str
    description: str
    course: str
    price: Decimal
    allergens: tuple[str, ...] = ()
    dietary_tags: tuple[str, ...] = ()
    available: bool = True


@dataclass(frozen=True)
class MenuSpec:
    name: str
    venue: str | None  # a VenueSpec name
    room_service: bool
    items: tuple[MenuItemSpec, ...]


@dataclass(frozen=True)
class RoomSpec:
    number: str
    floor: int
    features: str | None = None
    in_service: bool = True


@dataclass(frozen=True)
class RoomTypeSpec:
    code: str
    name: str
    description: str
    max_occupancy: int
    bed_config: str
    base_price: Decimal  # the flexible, room-only nightly rate
    breakfast_supplement: Decimal  # added per night by the bed-and-breakfast plan
    rooms: tuple[RoomSpec, ...]


@dataclass(frozen=True)
class PackageSpec:
    code: str
    name: str
    kind: LeadKind
    description: str
    price_per_person: Decimal
    min_guests: int
    max_guests: int


@dataclass(frozen=True)
class PersonaSpec:
    """A hand-written guest with a known story, for demos and evaluations."""

    name: str
    phone: str | None
    email: str | None
    language: str
    timezone: str
    segment: str  # see people.py: loyal, regular, one_time, lapsed, current, future, diner
    preferences: tuple[str, ...] = ()
    notes: str | None = None
    opted_out: bool = False
    marketing_consent: bool = True


@dataclass(frozen=True)
class PropertySpec:
    slug: str
    name: str
    type: PropertyType
    timezone: str
    currency: str
    languages: tuple[str, ...]
    phone: str
    address: str
    check_in: time
    check_out: time
    cancellation_window_hours: int
    tax_rate_percent: float
    policies: dict[str, Any]
    staff: tuple[StaffSpec, ...]
    venues: tuple[VenueSpec, ...]
    menus: tuple[MenuSpec, ...]
    categories: tuple[CategorySpec, ...]
    products: tuple[ProductSpec, ...]
    guest_count: int
    personas: tuple[PersonaSpec, ...]
    seed: int  # of the property's own random.Random: its shape never depends on another's
    room_types: tuple[RoomTypeSpec, ...] = ()
    packages: tuple[PackageSpec, ...] = ()
    # Share of guests from each origin (see people.ORIGINS); the rest are Israeli.
    origin_weights: dict[str, float] = field(default_factory=dict)
    reservation_prefix: str = "R"
