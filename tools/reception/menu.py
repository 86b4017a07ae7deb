"""Searching the menus by words, diet labels and allergens; finding the item a guest names.

The schema has no separate ingredient list: an item's description is what the kitchen wrote
about it, and its allergen and diet labels are the structured facts.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, Field
from sqlalchemy import select

from domain.dining import Menu, MenuItem, Venue
from tools.base import ToolContext, ToolError
from tools.reception.menu_match import (
    allergen_tags,
    diet_tags,
    mentions_allergen,
    parse_query,
    satisfies_diet,
    term_matches,
)

MAX_ITEMS = 25
COURSE_ORDER = ("breakfast", "starter", "main", "dessert", "drink")
ALLERGY_NOTE = (
    "Allergen labels come from the menu; for a severe allergy the guest should also tell the "
    "staff, who check with the kitchen."
)


class MenuSearchArgs(BaseModel):
    query: str | None = Field(
        default=None,
        max_length=200,
        description="Words to look for: a dish, ingredient or course ('pasta', 'nuts', 'dessert').",
    )
    dietary: list[str] | None = Field(
        default=None, description="Labels every dish must carry, e.g. ['vegan'], ['gluten free']."
    )
    exclude_allergens: list[str] | None = Field(
        default=None, description="Allergens to avoid, e.g. ['nuts', 'dairy', 'shellfish']."
    )
    room_service: bool = Field(default=False, description="Only what can be ordered to a room.")


class MenuItemInfo(BaseModel):
    id: int
    name: str
    description: str | None
    course: str | None
    price: Decimal
    currency: str
    allergens: list[str]
    dietary_tags: list[str]
    available: bool
    menu: str
    venue: str | None
    room_service: bool


class MenuSearchResult(BaseModel):
    items: list[MenuItemInfo]  # available first
    partial_match: bool  # no item matched every word; these match some
    dietary: list[str]
    excluded_allergens: list[str]
    left_out_for_allergens: int
    unknown_dietary: list[str]  # labels no item carries
    note: str
    message: str


def load_menu_items(ctx: ToolContext, room_service_only: bool = False) -> list[MenuItemInfo]:
    query = (
        select(
            MenuItem.id, MenuItem.name, MenuItem.description, MenuItem.course, MenuItem.price,
            MenuItem.currency, MenuItem.allergens, MenuItem.dietary_tags, MenuItem.available,
            Menu.name, Venue.name, Menu.available_for_room_service,
        )
        .join(Menu, Menu.id == MenuItem.menu_id)
        .join(Venue, Venue.id == Menu.venue_id, isouter=True)
        .order_by(Menu.id, MenuItem.id)
    )  # fmt: skip
    if room_service_only:
        query = query.where(Menu.available_for_room_service.is_(True))
    return [
        MenuItemInfo(
            id=row[0], name=row[1], description=row[2], course=row[3], price=row[4],
            currency=row[5], allergens=list(row[6] or []), dietary_tags=list(row[7] or []),
            available=row[8], menu=row[9], venue=row[10], room_service=row[11],
        )
        for row in ctx.session.execute(query).all()
    ]  # fmt: skip


def menu_search(ctx: ToolContext, args: MenuSearchArgs) -> MenuSearchResult:
    """Menu items matching words (names, partial words, dish families like "pasta"), diet
    labels and allergens to avoid, with price, description, allergens, labels and whether
    each is available today. Read only."""
    parsed = parse_query(args.query)
    diets = diet_tags(args.dietary or []) | parsed.diets
    exclusions = allergen_tags(args.exclude_allergens or []) | parsed.exclusions
    items = load_menu_items(ctx, args.room_service)
    known_tags = {tag for item in items for tag in item.dietary_tags}
    unknown = sorted(d for d in diets if d not in known_tags and not _implied_known(d, known_tags))
    suitable = [i for i in items if all(satisfies_diet(i.dietary_tags, d) for d in diets)]
    safe = [i for i in suitable if not _contains(i, exclusions)]
    scored = [(_score(i, parsed.terms), i) for i in safe]
    partial = False
    if parsed.terms:
        every_word = [(s, i) for s, i in scored if s == len(parsed.terms)]
        some_words = [(s, i) for s, i in scored if s > 0]
        partial = not every_word and bool(some_words)
        scored = every_word or some_words
    scored.sort(key=lambda pair: (not pair[1].available, -pair[0], _course_rank(pair[1])))
    found = [item for _, item in scored][:MAX_ITEMS]
    return MenuSearchResult(
        items=found,
        partial_match=partial,
        dietary=sorted(diets),
        excluded_allergens=sorted(exclusions),
        left_out_for_allergens=len(suitable) - len(safe),
        unknown_dietary=unknown,
        note=ALLERGY_NOTE,
        message=_summary(found, partial, unknown, known_tags, args.query),
    )


def find_item(items: list[MenuItemInfo], ref: str | int, where: str) -> MenuItemInfo:
    """The item a guest names (its id, its name, or words of its name), or a ToolError that
    lists the choices."""
    text = str(ref).strip()
    if text.isdigit():
        match = [i for i in items if i.id == int(text)]
    else:
        match = [i for i in items if i.name.lower() == text.lower()]
        if not match:
            terms = parse_query(text).terms or [text.lower()]
            match = [i for i in items if all(term_matches(t, i.name.lower()) for t in terms)]
    if len(match) == 1:
        return match[0]
    if len(match) > 1:
        names = ", ".join(i.name for i in match[:6])
        raise ToolError(f"Which one do you mean: {names}?")
    names = ", ".join(i.name for i in items if i.available)
    raise ToolError(f"{text!r} is not on the {where} menu. It has: {names}.")


def _contains(item: MenuItemInfo, allergens: set[str]) -> bool:
    text = f"{item.name} {item.description or ''}".lower()
    return any(a in item.allergens or mentions_allergen(text, a) for a in allergens)


def _score(item: MenuItemInfo, terms: list[str]) -> int:
    """How many of the query's words the item matches."""
    haystack = " ".join(
        [item.name, item.description or "", item.course or "", *item.allergens]
        + [t.replace("_", " ") for t in item.dietary_tags]
    ).lower()
    return sum(term_matches(term, haystack) for term in terms)


def _implied_known(diet: str, known: set[str]) -> bool:
    return diet == "vegetarian" and "vegan" in known


def _course_rank(item: MenuItemInfo) -> int:
    course = (item.course or "").lower()
    return COURSE_ORDER.index(course) if course in COURSE_ORDER else len(COURSE_ORDER)


def _summary(
    found: list[MenuItemInfo],
    partial: bool,
    unknown: list[str],
    known_tags: set[str],
    query: str | None,
) -> str:
    parts = []
    if unknown:
        labels = ", ".join(sorted(known_tags))
        parts.append(f"No dish is labelled {', '.join(unknown)}; the labels used are: {labels}.")
    if not found:
        parts.append(f"Nothing on the menu matches{f' {query!r}' if query else ''}.")
    elif partial:
        parts.append("No dish matches every word; these match some of them.")
    else:
        parts.append(f"{len(found)} dishes match.")
    return " ".join(parts)
