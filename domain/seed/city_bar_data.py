"""City Bar (slug ``city-bar``): a second, smaller tenant, mostly for isolation tests.

It deliberately shares things with the Seaside Hotel that must never leak between tenants: the
SKU ``COKE-330-CAN`` (with a different stock level) and one guest's phone number.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import time
from decimal import Decimal

from domain.dining import VenueKind
from domain.property import PropertyType, StaffRole
from domain.seed.inventory_data import BY_SKU, CATEGORIES, lots
from domain.seed.specs import (
    MenuItemSpec,
    MenuSpec,
    PersonaSpec,
    PropertySpec,
    StaffSpec,
    TableSpec,
    VenueSpec,
)

D = Decimal
VENUE = "City Bar"

# Its own opening stock; the products are otherwise the same as the hotel's.
_STOCK = {
    "COKE-330-CAN": lots((24, 3)),  # the hotel has 144
    "TONIC-200-GLASS": lots((48, 5)),
    "HEIN-330-BTL": lots((72, 2)),
    "GOLD-KEG-30L": lots((1, 6)),  # below its minimum of 2
    "ARAK-700": lots((6, 10)),
    "GIN-700": lots((4, 10)),
    "LEMON-KG": lots((3, 2, 9)),
    "MINT-BUNCH": lots((8, 1, 2)),
}
PRODUCTS = tuple(replace(BY_SKU[sku], lots=stock) for sku, stock in _STOCK.items())
_USED = {p.category for p in PRODUCTS}
CATEGORIES_USED = tuple(c for c in CATEGORIES if c.name in _USED)

MENU = MenuSpec(VENUE, VENUE, False, (
    MenuItemSpec("Goldstar draught, 500 ml", "Israeli lager on tap.", "drink", D(32),
                 ("gluten",), ("vegan",)),
    MenuItemSpec("Heineken, 330 ml", "Bottle.", "drink", D(30), ("gluten",), ("vegan",)),
    MenuItemSpec("Arak lemonade", "Arak, fresh lemonade, mint.", "drink", D(38), (),
                 ("vegan", "gluten_free")),
    MenuItemSpec("Gin and tonic", "Gordon's, tonic, lemon.", "drink", D(46), (),
                 ("vegan", "gluten_free")),
    MenuItemSpec("Coca-Cola", "330 ml can.", "drink", D(14), (), ("vegan", "gluten_free")),
    MenuItemSpec("Hummus and pita", "Tahini, olive oil, warm pita.", "starter", D(34),
                 ("gluten", "sesame"), ("vegan",)),
    MenuItemSpec("Chicken wings", "Spicy glaze, celery, garlic dip.", "main", D(58),
                 ("eggs", "soy")),
    MenuItemSpec("Loaded fries", "Cheddar, spring onions and chili.", "main", D(42),
                 ("dairy",), ("vegetarian",)),
))  # fmt: skip

CITY_BAR = PropertySpec(
    slug="city-bar",
    name="City Bar",
    type=PropertyType.BAR,
    timezone="Asia/Jerusalem",
    currency="ILS",
    languages=("he", "en"),
    phone="+97235550200",
    address="40 Lilienblum Street, Tel Aviv-Yafo, Israel",
    check_in=time(15, 0),
    check_out=time(11, 0),
    cancellation_window_hours=2,
    tax_rate_percent=18,
    policies={
        "min_age": 18,
        "happy_hour": "18:00-20:00, 20% off draught beer",
        "kitchen_closes": "23:30",
        "table_hold_minutes": 15,
        "pets": {"allowed": True, "where": "outside seating only"},
    },
    staff=(
        StaffSpec("Maya Ben-David", "+972502220001", "maya@city-bar.example", StaffRole.OWNER),
        StaffSpec("Tomer Shapiro", "+972502220002", "tomer@city-bar.example", StaffRole.STAFF),
    ),
    venues=(
        VenueSpec(
            VENUE,
            VenueKind.BAR,
            "18:00-02:00 daily",
            (
                TableSpec("1", 2, "window"),
                TableSpec("2", 2, "window"),
                TableSpec("3", 4, "main room"),
                TableSpec("4", 6, "main room"),
                TableSpec("5", 4, "street"),
            ),
            seatings=("19:00", "19:30", "20:00", "20:30", "21:00", "21:30", "22:00"),
            sitting_minutes=150,
        ),
    ),
    menus=(MENU,),
    categories=CATEGORIES_USED,
    products=PRODUCTS,
    guest_count=15,
    personas=(
        # The hotel's Sarah Cohen, on file here too: one phone, two tenants, two guests.
        PersonaSpec(
            "שרה כהן", "+972544567890", None, "he", "Asia/Jerusalem", "regular", ("gin and tonic",)
        ),
    ),
    seed=4242,
    origin_weights={"IL": 0.8, "GB": 0.1, "US": 0.1},
)
