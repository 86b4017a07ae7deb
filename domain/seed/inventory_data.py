"""The demo inventory: categories, products and their opening stock (as delivery lots).

Every quantity is in the product's own unit (cans, bottles, kg...). Opening stock is written as
``IN`` movements, one per lot; a lot may carry an expiry date given in days from the seed date.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from domain.inventory import ContainerType, UnitType

CAN, PET, GLASS = ContainerType.CAN, ContainerType.PLASTIC_BOTTLE, ContainerType.GLASS_BOTTLE
CARTON, BAG, LOOSE = ContainerType.CARTON, ContainerType.BAG, ContainerType.LOOSE
PACK, KEG, JAR = ContainerType.PACK, ContainerType.KEG, ContainerType.JAR
UNIT, KG = UnitType.UNIT, UnitType.KG


@dataclass(frozen=True)
class Lot:
    """One delivery: ``quantity`` units received ``days_ago`` days before the seed date."""

    quantity: Decimal
    days_ago: int
    expires_in: int | None = None  # days after the seed date; None when not tracked


@dataclass(frozen=True)
class CategorySpec:
    name: str
    local_name: str


@dataclass(frozen=True)
class ProductSpec:
    sku: str
    category: str
    name: str
    local_name: str
    aliases: tuple[str, ...]
    brand: str | None
    size: tuple[str, str] | None  # (value, unit), e.g. ("330", "ml")
    container: ContainerType
    unit: UnitType
    box_size: int
    box_name: str | None
    min_stock: Decimal
    lots: tuple[Lot, ...] = field(default=())

    @property
    def tracks_expiry(self) -> bool:
        return any(lot.expires_in is not None for lot in self.lots)

    @property
    def opening_stock(self) -> Decimal:
        return sum((lot.quantity for lot in self.lots), Decimal(0))


def lots(*specs: tuple[int | str, ...]) -> tuple[Lot, ...]:
    """``lots((120, 6), (30, 2, 4))``: quantity, days ago, and optionally expiry in days."""
    out: list[Lot] = []
    for quantity, days_ago, *expiry in specs:
        out.append(Lot(Decimal(str(quantity)), int(days_ago), int(expiry[0]) if expiry else None))
    return tuple(out)


CATEGORIES: tuple[CategorySpec, ...] = (
    CategorySpec("Soft drinks", "משקאות קלים"),
    CategorySpec("Beer", "בירה"),
    CategorySpec("Wine", "יין"),
    CategorySpec("Spirits", "משקאות חריפים"),
    CategorySpec("Dairy & eggs", "מוצרי חלב וביצים"),
    CategorySpec("Produce", "ירקות ופירות"),
    CategorySpec("Dry goods", "מוצרים יבשים"),
    CategorySpec("Cleaning", "חומרי ניקוי"),
)

D = Decimal

# fmt: off
PRODUCTS: tuple[ProductSpec, ...] = (
    # --- soft drinks ------------------------------------------------------------------------
    ProductSpec("COKE-330-CAN", "Soft drinks", "Coca-Cola 330 ml can", 'קוקה קולה פחית 330 מ"ל',
                ("coke", "coke can", "cola can", "coca cola can", "קולה", "קוקה קולה",
                 "פחית קולה"),
                "Coca-Cola", ("330", "ml"), CAN, UNIT, 24, "box", D(48), lots((96, 9), (48, 2))),
    ProductSpec("COKE-500-PET", "Soft drinks", "Coca-Cola 500 ml plastic bottle",
                'קוקה קולה בקבוק 500 מ"ל',
                ("coke bottle", "coke 500", "half litre coke", "בקבוק קולה", "קולה חצי ליטר"),
                "Coca-Cola", ("500", "ml"), PET, UNIT, 12, "box", D(24), lots((60, 5))),
    ProductSpec("COKE-250-GLASS", "Soft drinks", "Coca-Cola 250 ml glass bottle",
                'קוקה קולה בקבוק זכוכית 250 מ"ל',
                ("small coke", "small cola", "glass coke", "coke glass bottle", "קולה קטן",
                 "קולה קטנה", "קולה זכוכית"),
                "Coca-Cola", ("250", "ml"), GLASS, UNIT, 24, "crate", D(48), lots((96, 6))),
    ProductSpec("COKEZ-330-CAN", "Soft drinks", "Coca-Cola Zero 330 ml can",
                'קוקה קולה זירו פחית 330 מ"ל',
                ("coke zero", "cola zero", "zero", "קולה זירו", "זירו", "פחית זירו"),
                "Coca-Cola", ("330", "ml"), CAN, UNIT, 24, "box", D(48), lots((18, 12))),
    ProductSpec("SPRITE-330-CAN", "Soft drinks", "Sprite 330 ml can", 'ספרייט פחית 330 מ"ל',
                ("sprite", "lemon soda", "ספרייט"),
                "Sprite", ("330", "ml"), CAN, UNIT, 24, "box", D(24), lots((48, 9))),
    ProductSpec("OJ-1L", "Soft drinks", "Orange juice 1 l carton", "מיץ תפוזים 1 ליטר",
                ("orange juice", "oj", "juice", "מיץ תפוזים", "מיץ", "תפוזים"),
                "Primor", ("1", "l"), CARTON, UNIT, 6, "box", D(12), lots((24, 3, 18))),
    ProductSpec("SPARK-750-GLASS", "Soft drinks", "Sparkling water 750 ml glass bottle",
                'מים מוגזים 750 מ"ל',
                ("sparkling water", "soda water", "fizzy water", "pellegrino", "מים מוגזים",
                 "סודה", "מים בגז"),
                "San Pellegrino", ("750", "ml"), GLASS, UNIT, 12, "box", D(24), lots((60, 7))),
    ProductSpec("WATER-500-PET", "Soft drinks", "Mineral water 500 ml bottle",
                'מים מינרליים 500 מ"ל',
                ("water", "still water", "mineral water", "מים", "מים מינרליים", "מינרלים"),
                "Neviot", ("500", "ml"), PET, UNIT, 24, "box", D(48), lots((144, 8))),
    ProductSpec("TONIC-200-GLASS", "Soft drinks", "Tonic water 200 ml glass bottle",
                'מי טוניק 200 מ"ל',
                ("tonic", "tonic water", "טוניק", "מי טוניק"),
                "Schweppes", ("200", "ml"), GLASS, UNIT, 24, "box", D(24), lots((72, 10))),
    # --- beer -------------------------------------------------------------------------------
    ProductSpec("HEIN-330-BTL", "Beer", "Heineken 330 ml bottle", 'היינקן בקבוק 330 מ"ל',
                ("heineken", "heiny", "היינקן"),
                "Heineken", ("330", "ml"), GLASS, UNIT, 24, "case", D(48), lots((120, 4))),
    ProductSpec("GOLD-330-BTL", "Beer", "Goldstar 330 ml bottle", 'גולדסטאר בקבוק 330 מ"ל',
                ("goldstar", "goldstar bottle", "גולדסטאר", "גולד"),
                "Goldstar", ("330", "ml"), GLASS, UNIT, 24, "case", D(48), lots((96, 4))),
    ProductSpec("GOLD-KEG-30L", "Beer", "Goldstar draught keg 30 l", "חבית גולדסטאר 30 ליטר",
                ("goldstar keg", "draught keg", "beer keg", "keg", "חבית", "חבית בירה"),
                "Goldstar", ("30", "l"), KEG, UNIT, 1, None, D(2), lots((4, 4))),
    ProductSpec("WEISS-500-BTL", "Beer", "Weihenstephaner wheat beer 500 ml bottle",
                'ווייהנשטפן בירת חיטה 500 מ"ל',
                ("weihenstephaner", "wheat beer", "weiss", "בירת חיטה", "ווייס"),
                "Weihenstephaner", ("500", "ml"), GLASS, UNIT, 20, "case", D(20), lots((40, 11))),
    # --- wine -------------------------------------------------------------------------------
    ProductSpec("WINE-RED-HOUSE", "Wine", "House red wine 750 ml bottle", "יין אדום הבית",
                ("house red", "red wine", "red", "יין אדום", "אדום"),
                "Barkan", ("750", "ml"), GLASS, UNIT, 6, "case", D(12), lots((36, 6))),
    ProductSpec("WINE-WHITE-HOUSE", "Wine", "House white wine 750 ml bottle", "יין לבן הבית",
                ("house white", "white wine", "white", "יין לבן", "לבן"),
                "Barkan", ("750", "ml"), GLASS, UNIT, 6, "case", D(12), lots((30, 6))),
    ProductSpec("WINE-ROSE-HOUSE", "Wine", "House rosé wine 750 ml bottle", "יין רוזה הבית",
                ("house rose", "rosé", "rose wine", "רוזה", "יין רוזה"),
                "Barkan", ("750", "ml"), GLASS, UNIT, 6, "case", D(6), lots((18, 6))),
    ProductSpec("PROSECCO-750", "Wine", "Prosecco 750 ml bottle", "פרוסקו",
                ("prosecco", "bubbly", "sparkling wine", "פרוסקו", "יין מבעבע"),
                "Mionetto", ("750", "ml"), GLASS, UNIT, 6, "case", D(6), lots((12, 13))),
    # --- spirits ----------------------------------------------------------------------------
    ProductSpec("ARAK-700", "Spirits", "Arak Elite 700 ml bottle", 'ערק עלית 700 מ"ל',
                ("arak", "arak elite", "ערק", "עראק"),
                "Elite", ("700", "ml"), GLASS, UNIT, 12, "case", D(4), lots((10, 20))),
    ProductSpec("VODKA-1L", "Spirits", "Smirnoff vodka 1 l bottle", "וודקה סמירנוף 1 ליטר",
                ("vodka", "smirnoff", "וודקה", "סמירנוף"),
                "Smirnoff", ("1", "l"), GLASS, UNIT, 12, "case", D(4), lots((9, 20))),
    ProductSpec("GIN-700", "Spirits", "Gordon's gin 700 ml bottle", "ג'ין גורדונס",
                ("gin", "gordons", "ג'ין", "גורדונס"),
                "Gordon's", ("700", "ml"), GLASS, UNIT, 6, "case", D(3), lots((7, 20))),
    ProductSpec("WHISKEY-700", "Spirits", "Jameson Irish whiskey 700 ml bottle",
                "ויסקי ג'יימסון",
                ("whiskey", "whisky", "jameson", "ויסקי", "ג'יימסון"),
                "Jameson", ("700", "ml"), GLASS, UNIT, 6, "case", D(3), lots((5, 27))),
    # --- dairy & eggs -----------------------------------------------------------------------
    ProductSpec("MILK-1L", "Dairy & eggs", "Whole milk 3% 1 l carton", "חלב 3% 1 ליטר",
                ("milk", "whole milk", "חלב", "חלב 3%", "קרטון חלב"),
                "Tnuva", ("1", "l"), CARTON, UNIT, 12, "box", D(24), lots((6, 4, 3))),
    ProductSpec("EGGS-L-30", "Dairy & eggs", "Eggs, large (tray of 30)", "ביצים L",
                ("eggs", "egg", "tray of eggs", "ביצים", "ביצה", "תבנית ביצים"),
                None, None, PACK, UNIT, 30, "tray", D(90), lots((30, 8, 4), (90, 2, 12))),
    ProductSpec("CREAM-250", "Dairy & eggs", "Sweet cream 32% 250 ml carton",
                'שמנת מתוקה 32% 250 מ"ל',
                ("cream", "whipping cream", "sweet cream", "שמנת", "שמנת מתוקה"),
                "Tnuva", ("250", "ml"), CARTON, UNIT, 12, "box", D(12), lots((24, 5, 2))),
    ProductSpec("BUTTER-200", "Dairy & eggs", "Butter 200 g", "חמאה 200 גרם",
                ("butter", "חמאה"),
                "Tnuva", ("200", "g"), PACK, UNIT, 20, "box", D(10), lots((30, 6, 45))),
    ProductSpec("COTTAGE-250", "Dairy & eggs", "Cottage cheese 5% 250 g", "קוטג' 5%",
                ("cottage", "cottage cheese", "קוטג'", "קוטג"),
                "Tnuva", ("250", "g"), PACK, UNIT, 12, "box", D(12), lots((24, 3, 6))),
    ProductSpec("YOGURT-500", "Dairy & eggs", "Greek yogurt 500 g", "יוגורט יווני 500 גרם",
                ("yogurt", "yoghurt", "greek yogurt", "יוגורט", "יוגורט יווני"),
                "Strauss", ("500", "g"), JAR, UNIT, 6, "box", D(6), lots((18, 3, 14))),
    # --- produce ----------------------------------------------------------------------------
    ProductSpec("TOMATO-KG", "Produce", "Tomatoes", "עגבניות",
                ("tomatoes", "tomato", "עגבניות", "עגבניה", "עגבנייה"),
                None, None, LOOSE, KG, 1, None, D(10), lots((14, 2, 5))),
    ProductSpec("CUCUMBER-KG", "Produce", "Cucumbers", "מלפפונים",
                ("cucumbers", "cucumber", "מלפפונים", "מלפפון"),
                None, None, LOOSE, KG, 1, None, D(8), lots((12, 2, 6))),
    ProductSpec("LEMON-KG", "Produce", "Lemons", "לימונים",
                ("lemons", "lemon", "לימונים", "לימון"),
                None, None, LOOSE, KG, 1, None, D(5), lots(("1.5", 9, 10))),
    ProductSpec("POTATO-KG", "Produce", "Potatoes", "תפוחי אדמה",
                ("potatoes", "potato", "תפוחי אדמה", "תפו\"א"),
                None, None, LOOSE, KG, 1, None, D(15), lots((40, 5))),
    ProductSpec("ONION-KG", "Produce", "Onions", "בצל",
                ("onions", "onion", "בצל", "בצלים"),
                None, None, LOOSE, KG, 1, None, D(8), lots((20, 5))),
    ProductSpec("MINT-BUNCH", "Produce", "Fresh mint bunch", "צרור נענע",
                ("mint", "fresh mint", "נענע", "נענע טרייה"),
                None, None, LOOSE, UNIT, 1, None, D(10), lots((16, 1, 3))),
    # --- dry goods --------------------------------------------------------------------------
    ProductSpec("FLOUR-1KG", "Dry goods", "White wheat flour 1 kg", 'קמח לבן 1 ק"ג',
                ("flour", "white flour", "קמח", "קמח לבן"),
                None, ("1", "kg"), BAG, UNIT, 10, "box", D(5), lots((20, 15))),
    ProductSpec("RICE-1KG", "Dry goods", "Basmati rice 1 kg", 'אורז בסמטי 1 ק"ג',
                ("rice", "basmati", "אורז", "אורז בסמטי"),
                "Sugat", ("1", "kg"), BAG, UNIT, 10, "box", D(5), lots((15, 15))),
    ProductSpec("OLIVEOIL-1L", "Dry goods", "Extra virgin olive oil 1 l bottle",
                "שמן זית כתית מעולה 1 ליטר",
                ("olive oil", "evoo", "שמן זית"),
                "Zeta", ("1", "l"), GLASS, UNIT, 12, "box", D(6), lots((18, 15))),
    ProductSpec("COFFEE-1KG", "Dry goods", "Espresso coffee beans 1 kg", 'פולי קפה אספרסו 1 ק"ג',
                ("coffee", "coffee beans", "espresso beans", "קפה", "פולי קפה"),
                "Lavazza", ("1", "kg"), BAG, UNIT, 6, "box", D(4), lots((12, 10))),
    ProductSpec("TAHINI-500", "Dry goods", "Raw tahini 500 g jar", "טחינה גולמית 500 גרם",
                ("tahini", "tahina", "טחינה", "טחינה גולמית"),
                "Har Bracha", ("500", "g"), JAR, UNIT, 12, "box", D(6), lots((14, 15))),
    # --- cleaning ---------------------------------------------------------------------------
    ProductSpec("DISHWASH-5L", "Cleaning", "Dishwasher detergent 5 l", "נוזל למדיח כלים 5 ליטר",
                ("dishwasher detergent", "dishwasher liquid", "נוזל מדיח", "נוזל למדיח"),
                "Sano", ("5", "l"), PET, UNIT, 4, "box", D(4), lots((1, 21))),
    ProductSpec("TOILET-ROLL", "Cleaning", "Toilet paper roll", "גליל נייר טואלט",
                ("toilet paper", "toilet roll", "loo roll", "נייר טואלט", "נייר טואלט גליל"),
                "Lily", None, PACK, UNIT, 48, "case", D(96), lots((240, 14))),
)
# fmt: on

REQUIRED_SKUS: dict[str, int] = {
    # The products the issue names, with their box sizes.
    "COKE-330-CAN": 24,
    "COKE-500-PET": 12,
    "COKE-250-GLASS": 24,
    "COKEZ-330-CAN": 24,
    "HEIN-330-BTL": 24,
    "WINE-RED-HOUSE": 6,
    "WINE-WHITE-HOUSE": 6,
    "TOMATO-KG": 1,
    "MILK-1L": 12,
    "EGGS-L-30": 30,
    "OJ-1L": 6,
    "SPARK-750-GLASS": 12,
}

BY_SKU: dict[str, ProductSpec] = {p.sku: p for p in PRODUCTS}
