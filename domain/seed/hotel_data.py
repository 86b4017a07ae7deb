"""The Seaside Hotel (slug ``demo``): rooms, rates, venues, menus, staff, packages."""

from __future__ import annotations

from datetime import time
from decimal import Decimal

from domain.dining import VenueKind
from domain.property import PropertyType, StaffRole
from domain.sales import LeadKind
from domain.seed.inventory_data import CATEGORIES, PRODUCTS
from domain.seed.specs import (
    MenuItemSpec,
    MenuSpec,
    PackageSpec,
    PersonaSpec,
    PropertySpec,
    RoomSpec,
    RoomTypeSpec,
    StaffSpec,
    TableSpec,
    VenueSpec,
)

D = Decimal
TIDE = "The Tide"
DRIFTWOOD = "Driftwood Bar"

POLICIES: dict[str, object] = {
    "pets": {
        "allowed": True,
        "species": ["dog"],
        "max_weight_kg": 15,
        "fee_per_night": 80,
        "currency": "ILS",
        "max_per_room": 1,
        "rooms": "pet-friendly rooms on the first floor, on request",
        "not_allowed_in": ["restaurant", "pool", "spa"],
    },
    "quiet_hours": {"start": "23:00", "end": "07:00"},
    "deposit": {
        "guarantee": "a credit card is required to guarantee every booking",
        "security_hold": 500,
        "currency": "ILS",
        "non_refundable_rate": "charged in full at booking",
    },
    # Israeli hotels publish prices with VAT in them; the quote shows VAT's share.
    "tax": {"included_in_prices": True},
    "cancellation": {
        "free_until_hours_before_arrival": 48,
        "late_cancellation_charge": "first night",
        "no_show_charge": "first night",
        "non_refundable_rate": "not refundable, not changeable",
    },
    "late_checkout": {
        "on_request": True,
        "subject_to_availability": True,
        "until_13_00_fee": 150,
        "until_15_00_fee": "half the nightly rate",
        "currency": "ILS",
    },
    "early_check_in": {"from": "12:00", "fee": 150, "currency": "ILS", "on_request": True},
    "breakfast": {
        "venue": TIDE,
        "weekdays": "07:00-10:30",
        "weekends": "07:30-11:00",
        "weekend_days": ["Friday", "Saturday"],
        "price_per_adult": 95,
        "price_per_child": 55,
        "currency": "ILS",
    },
    "parking": {"free": True, "on_site": True, "spaces": 40, "ev_chargers": 4},
    "wifi": {"network": "Seaside-Guest", "password": "given at check-in", "free": True},
    "room_service": {"hours": "07:00-23:00", "menu": "All-day & room service"},
    "pool": {
        "outdoor": "08:00-19:00, April to November, heated",
        "lifeguard": "09:00-18:00",
        "indoor_spa_pool": "all year, ages 16 and over",
        "children_under_12": "must be accompanied by an adult",
    },
    "spa": {"name": "Salt & Stone Spa", "free_for_hotel_guests": ["pool", "sauna", "lounge"]},
    "reception": {"hours": "24 hours", "whatsapp": "+97235550100"},
    "children": {"welcome": True, "free_under_age": 3, "cots": "free, on request"},
    "smoking": {"allowed_indoors": False, "cleaning_fee": 1500, "currency": "ILS"},
    "min_check_in_age": 18,
    # The sales agent's rules: deals above handoff_above and discounts above max_discount_pct
    # go to a person; follow-ups after a proposal, in days; upsell prices (ILS, VAT included).
    "sales": {
        "handoff_above": 100000,
        "max_discount_pct": 10,
        "follow_up_days": [2, 7],
        "owner": "Dana Levi",
        "upsells": {
            "room_upgrade_per_night": 250,
            "late_checkout": 150,
            "spa_per_person": 320,
            "currency": "ILS",
        },
    },
    "payment": {"accepted": ["Visa", "Mastercard", "American Express", "cash (ILS)"]},
}

STAFF = (
    StaffSpec("Dana Levi", "+972501110001", "dana.levi@seaside-hotel.example", StaffRole.OWNER),
    StaffSpec(
        "Yossi Cohen", "+972501110002", "yossi.cohen@seaside-hotel.example", StaffRole.MANAGER
    ),
    StaffSpec("Noa Mizrahi", "+972501110003", "noa.mizrahi@seaside-hotel.example", StaffRole.STAFF),
    StaffSpec("Avi Peretz", "+972501110004", "avi.peretz@seaside-hotel.example", StaffRole.STAFF),
)

_TIDE_TABLES = tuple(
    TableSpec(f"T{n}", seats, area)
    for n, seats, area in (
        (1, 2, "window"), (2, 2, "window"), (3, 2, "window"), (4, 4, "window"),
        (5, 4, "main room"), (6, 4, "main room"), (7, 4, "main room"), (8, 6, "main room"),
        (9, 2, "terrace"), (10, 4, "terrace"), (11, 4, "terrace"), (12, 6, "terrace"),
    )
)  # fmt: skip
_BAR_TABLES = tuple(
    TableSpec(f"B{n}", seats, area)
    for n, seats, area in (
        (1, 2, "bar counter"), (2, 2, "bar counter"), (3, 4, "lounge"),
        (4, 4, "lounge"), (5, 6, "lounge"), (6, 4, "deck"),
    )
)  # fmt: skip

VENUES = (
    VenueSpec(
        TIDE,
        VenueKind.RESTAURANT,
        "Breakfast 07:00-10:30 (Fri-Sat 07:30-11:00); dinner 18:00-22:30",
        _TIDE_TABLES,
    ),
    VenueSpec(
        DRIFTWOOD,
        VenueKind.BAR,
        "17:00-01:00 daily",
        _BAR_TABLES,
        seatings=("19:00", "19:30", "20:00", "20:30", "21:00", "21:30", "22:00"),
        sitting_minutes=150,
    ),
)

_G, _DA, _N, _E, _F, _SH, _SO, _SE = (
    "gluten", "dairy", "nuts", "eggs", "fish", "shellfish", "soy", "sesame",
)  # fmt: skip
_VEG, _VGN, _GF, _K = "vegetarian", "vegan", "gluten_free", "kosher"


def _item(
    name: str,
    description: str,
    course: str,
    price: int,
    allergens: tuple[str, ...] = (),
    tags: tuple[str, ...] = (),
    available: bool = True,
) -> MenuItemSpec:
    return MenuItemSpec(name, description, course, D(price), allergens, tags, available)


DINNER = MenuSpec(TIDE + " - Dinner", TIDE, False, (
    _item("Sourdough with olive oil and za'atar", "House-baked bread, Galilee olive oil.",
          "starter", 28, (_G, _SE), (_VGN, _K)),
    _item("Hummus with tahini", "Warm chickpeas, tahini, paprika oil, pita on the side.",
          "starter", 38, (_G, _SE), (_VGN, _K)),
    _item("Sea bream ceviche", "Lime, chili, red onion and coriander.", "starter", 62,
          (_F,), (_GF, _K)),
    _item("Garlic shrimp", "Shrimp in white wine, garlic and butter.", "starter", 68,
          (_SH, _DA), (_GF,)),
    _item("Roasted beet salad", "Goat cheese, candied walnuts, baby leaves.", "starter", 52,
          (_DA, _N), (_VEG, _GF)),
    _item("Fattoush salad", "Tomato, cucumber, radish, sumac and crisp pita.", "starter", 46,
          (_G,), (_VGN, _K)),
    _item("Tuna tartare", "Avocado, soy-sesame dressing, wonton crisps.", "starter", 66,
          (_F, _SO, _SE, _G)),
    _item("Grilled whole sea bream", "Lemon, herbs and roasted potatoes.", "main", 138,
          (_F,), (_GF, _K)),
    _item("Seafood linguine", "Shrimp, mussels, cherry tomatoes and chili.", "main", 124,
          (_SH, _G)),
    _item("Beef fillet", "Potato purée and red wine jus.", "main", 168, (_DA,), (_GF,)),
    _item("Chicken shawarma plate", "Tahini, pickles and laffa bread.", "main", 88,
          (_G, _SE), (_K,)),
    _item("Mushroom risotto", "Wild mushrooms, parmesan and thyme.", "main", 92, (_DA,),
          (_VEG, _GF)),
    _item("Lamb kebab with freekeh", "Smoked green wheat and garlic yogurt.", "main", 118,
          (_G, _DA), (), available=False),
    _item("Stuffed peppers", "Rice, herbs and slow-cooked tomato.", "main", 78, (),
          (_VGN, _GF, _K)),
    _item("Miso salmon", "Miso glaze, sesame greens.", "main", 128, (_F, _SO, _SE)),
    _item("Malabi", "Rose-water milk pudding, pistachios.", "dessert", 42, (_DA, _N),
          (_VEG, _GF)),
    _item("Chocolate fondant", "Warm chocolate cake with vanilla ice cream.", "dessert", 48,
          (_G, _DA, _E), (_VEG,)),
    _item("Seasonal fruit platter", "Sliced fresh fruit of the day.", "dessert", 38, (),
          (_VGN, _GF, _K)),
))  # fmt: skip

ROOM_SERVICE = MenuSpec("All-day & room service", TIDE, True, (
    _item("Israeli breakfast for one", "Eggs any style, salads, cheeses, bread and coffee.",
          "breakfast", 89, (_E, _DA, _G), (_VEG,)),
    _item("Shakshuka", "Eggs poached in spiced tomato sauce, with bread.", "main", 62,
          (_E, _G), (_VEG, _K)),
    _item("Club sandwich", "Chicken, egg, tomato and mayonnaise, with fries.", "main", 74,
          (_G, _E)),
    _item("Caesar salad with grilled chicken", "Romaine, parmesan, croutons, anchovy dressing.",
          "main", 68, (_G, _DA, _E, _F)),
    _item("Margherita pizza", "Tomato, mozzarella and basil.", "main", 64, (_G, _DA), (_VEG,)),
    _item("Kids' schnitzel with fries", "Breaded chicken breast.", "main", 56, (_G, _E)),
    _item("Greek yogurt with granola", "Honey and fresh berries.", "breakfast", 36,
          (_DA, _N, _G), (_VEG,)),
    _item("Fresh orange juice", "Squeezed to order.", "drink", 22, (), (_VGN, _GF, _K)),
))  # fmt: skip

BAR_MENU = MenuSpec(DRIFTWOOD, DRIFTWOOD, False, (
    _item("Goldstar draught, 500 ml", "Israeli lager on tap.", "drink", 34, (_G,), (_VGN,)),
    _item("Glass of house red wine", "Barkan Cabernet Sauvignon.", "drink", 38, (), (_GF,)),
    _item("Arak with lemonade and mint", "The classic Israeli long drink.", "drink", 42, (),
          (_VGN, _GF)),
    _item("Seaside spritz", "Prosecco, bitter orange aperitif and soda.", "drink", 48, (),
          (_GF,)),
    _item("Bar nuts and olives", "Roasted mixed nuts and marinated olives.", "starter", 24,
          (_N,), (_VGN, _GF)),
    _item("Fish and chips", "Beer-battered cod, fries and tartar sauce.", "main", 76,
          (_F, _G, _E)),
))  # fmt: skip

ROOM_TYPES = (
    RoomTypeSpec(
        "STD", "Standard Room",
        "A bright 24 m² room with a city or garden view, rain shower and work desk.",
        2, "one queen bed or two single beds", D(690), D(160),
        tuple(RoomSpec(f"{floor}0{n}", floor, features)
              for floor in (1, 2) for n, features in (
                  (1, "garden view, pet-friendly" if floor == 1 else "garden view"),
                  (2, "garden view, quiet side"), (3, "city view"), (4, "city view"),
                  (5, "city view, accessible" if floor == 1 else "city view"),
                  (6, "city view, connecting to 205" if floor == 2 else "quiet side"),
              )),
    ),
    RoomTypeSpec(
        "DLX", "Sea View Deluxe",
        "A 32 m² room facing the sea with a balcony, bathtub and espresso machine.",
        3, "one king bed and a sofa bed", D(990), D(160),
        (*(RoomSpec(f"30{n}", 3, "sea view, balcony") for n in range(1, 7)),
         RoomSpec("401", 4, "sea view, balcony, corner room"),
         RoomSpec("402", 4, "sea view, balcony")),
    ),
    RoomTypeSpec(
        "FAM", "Family Suite",
        "A 48 m² suite with a separate children's room, two bathrooms and a sea-view balcony.",
        5, "one king bed and two single beds, cot on request", D(1390), D(260),
        (RoomSpec("403", 4, "sea view, two bedrooms"), RoomSpec("404", 4, "sea view, two bedrooms"),
         RoomSpec("405", 4, "partial sea view, two bedrooms"),
         RoomSpec("406", 4, "partial sea view, two bedrooms", in_service=False)),
    ),
)  # fmt: skip

PACKAGES = (
    PackageSpec("WEDDING", "Seaside Wedding", LeadKind.WEDDING,
                "Ceremony on the beach deck, reception in The Tide, four-course dinner, open bar "
                "for five hours, bridal suite for the night.", D(420), 80, 300),
    PackageSpec("CORP-DAY", "Corporate Day", LeadKind.CORPORATE,
                "Meeting room with screen and sound, two coffee breaks, business lunch and "
                "Wi-Fi for every participant.", D(260), 10, 120),
    PackageSpec("GROUP-STAY", "Group Stay", LeadKind.GROUP,
                "One night per person in a shared room with breakfast and a welcome drink; "
                "for groups of ten or more.", D(520), 10, 60),
    PackageSpec("SPA-WEEKEND", "Spa Weekend", LeadKind.PACKAGE,
                "Two nights in a Sea View Deluxe room, breakfast, a 50-minute massage and "
                "unlimited access to the spa pool and sauna (per person, two sharing).",
                D(1450), 1, 4),
)  # fmt: skip

PERSONAS = (
    PersonaSpec("Sarah Cohen", "+972544567890", "sarah.cohen@example.com", "he",
                "Asia/Jerusalem", "loyal", ("prefers a quiet room", "high floor"),
                "Comes every few months; celebrates her anniversary in June."),
    PersonaSpec("David Mizrahi", "+972528765432", "david.mizrahi@example.net", "he",
                "Asia/Jerusalem", "current", ("extra pillows",)),
    PersonaSpec("Claire Dubois", "+33612345678", "claire.dubois@example.org", "fr",
                "Europe/Paris", "lapsed", ("vegetarian", "sea view"),
                "Has not stayed with us for over a year."),
    PersonaSpec("James Whitaker", "+447911123456", "james.whitaker@example.net", "en",
                "Europe/London", "one_time", ("late checkout",)),
    PersonaSpec("Emily Johnson", "+14155550123", "emily.johnson@example.com", "en",
                "America/Los_Angeles", "regular", ("gluten free",),
                "Coeliac: flag gluten to the kitchen."),
    PersonaSpec("Lukas Schneider", "+4917012345678", "lukas.schneider@example.org", "de",
                "Europe/Berlin", "future", ("travels with a dog",)),
    PersonaSpec("Ronit Azulay", "+972532345678", "ronit.azulay@example.com", "he",
                "Asia/Jerusalem", "regular", (), "Asked not to receive marketing messages.",
                opted_out=True),
    PersonaSpec("Yaakov Friedman", "+972555123456", None, "he", "Asia/Jerusalem", "diner",
                ("kosher",), "Dines at The Tide most Thursdays.", marketing_consent=False),
)  # fmt: skip

SEASIDE = PropertySpec(
    slug="demo",
    name="Seaside Hotel",
    type=PropertyType.HOTEL,
    timezone="Asia/Jerusalem",
    currency="ILS",
    languages=("en", "he"),
    phone="+97235550100",
    address="18 Ha-Yam Promenade, Tel Aviv-Yafo, Israel",
    check_in=time(15, 0),
    check_out=time(11, 0),
    cancellation_window_hours=48,
    tax_rate_percent=18,
    policies=POLICIES,
    staff=STAFF,
    venues=VENUES,
    menus=(DINNER, ROOM_SERVICE, BAR_MENU),
    categories=CATEGORIES,
    products=PRODUCTS,
    guest_count=200,
    personas=PERSONAS,
    seed=42,
    room_types=ROOM_TYPES,
    packages=PACKAGES,
    origin_weights={"IL": 0.6, "GB": 0.12, "US": 0.1, "FR": 0.1, "DE": 0.08},
    reservation_prefix="SH",
)
