"""How a guest's words map onto menu items: partial words, plurals, a few dish families
("pasta" finds linguine), diet labels and allergens in everyday words.

Allergen exclusion is deliberately cautious: an item is left out when its allergen list names
the allergen *or* its name or description mentions a word for it (a "walnut" in a salad
untagged for nuts still goes), because a wrong "safe" answer costs far more than a missing dish.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Everyday words for the allergen tags the menus use.
ALLERGEN_ALIASES: dict[str, tuple[str, ...]] = {
    "nut": ("nuts",), "nuts": ("nuts",), "peanut": ("nuts",), "peanuts": ("nuts",),
    "tree nuts": ("nuts",), "walnut": ("nuts",), "almond": ("nuts",), "pistachio": ("nuts",),
    "milk": ("dairy",), "lactose": ("dairy",), "dairy": ("dairy",), "cheese": ("dairy",),
    "egg": ("eggs",), "eggs": ("eggs",),
    "wheat": ("gluten",), "gluten": ("gluten",), "coeliac": ("gluten",), "celiac": ("gluten",),
    "fish": ("fish",), "shellfish": ("shellfish",), "shrimp": ("shellfish",),
    "prawn": ("shellfish",), "prawns": ("shellfish",), "crustaceans": ("shellfish",),
    "seafood": ("fish", "shellfish"), "soy": ("soy",), "soya": ("soy",), "sesame": ("sesame",),
    "tahini": ("sesame",), "mustard": ("mustard",), "celery": ("celery",),
}  # fmt: skip
# Words in a dish's name or description that betray an allergen its tags may not name.
ALLERGEN_WORDS: dict[str, tuple[str, ...]] = {
    "nuts": ("nut", "walnut", "almond", "pistachio", "pecan", "cashew", "hazelnut", "peanut"),
    "dairy": ("cheese", "butter", "cream", "milk", "yogurt", "yoghurt", "parmesan", "mozzarella"),
    "eggs": ("egg", "mayonnaise", "aioli"),
    "gluten": ("bread", "pita", "wheat", "flour", "pasta", "linguine", "croutons", "batter"),
    "fish": ("fish", "salmon", "tuna", "cod", "bream", "anchovy", "sardine"),
    "shellfish": ("shrimp", "prawn", "mussel", "crab", "lobster", "oyster", "clam"),
    "sesame": ("sesame", "tahini", "za'atar"),
    "soy": ("soy", "miso", "tofu", "edamame"),
}
DIET_ALIASES: dict[str, str] = {
    "vegan": "vegan", "plant based": "vegan", "plant-based": "vegan",
    "vegetarian": "vegetarian", "veggie": "vegetarian", "veg": "vegetarian",
    "gluten free": "gluten_free", "gluten-free": "gluten_free", "gluten_free": "gluten_free",
    "gf": "gluten_free", "coeliac": "gluten_free", "celiac": "gluten_free",
    "kosher": "kosher",
}  # fmt: skip
# A diet label another label implies: every vegan dish is vegetarian.
IMPLIED_BY: dict[str, tuple[str, ...]] = {"vegetarian": ("vegan",)}
# Families of dishes a guest names by the family: "pasta" finds the linguine.
FAMILIES: dict[str, tuple[str, ...]] = {
    "pasta": ("pasta", "linguine", "spaghetti", "penne", "fettuccine", "tagliatelle",
              "ravioli", "lasagne", "lasagna", "gnocchi", "macaroni", "noodle"),
    "seafood": ("shrimp", "prawn", "mussel", "fish", "bream", "salmon", "tuna", "cod",
                "ceviche", "seafood"),
    "meat": ("beef", "lamb", "chicken", "steak", "kebab", "shawarma", "schnitzel", "burger"),
    "sweet": ("dessert",), "desserts": ("dessert",), "drinks": ("drink",),
    "beverage": ("drink",), "cocktail": ("spritz", "gin", "arak"), "beer": ("lager", "beer"),
    "wine": ("wine", "prosecco"), "kids": ("kids",), "children": ("kids",),
}  # fmt: skip
STOP_WORDS = frozenset(
    {
        "a", "an", "and", "any", "anything", "are", "can", "dish", "dishes", "do", "food",
        "for", "free", "get", "have", "i", "is", "it", "me", "menu", "no", "not", "of", "on",
        "or", "please", "serve", "serves", "some", "something", "the", "there", "to", "what",
        "which", "with", "without", "you", "your",
    }
)  # fmt: skip
FREE_OF = re.compile(r"\b([a-z]+)[\s-]free\b|\b(?:without|no|not)\s+([a-z]+)")


@dataclass
class ParsedQuery:
    terms: list[str] = field(default_factory=list)
    diets: set[str] = field(default_factory=set)
    exclusions: set[str] = field(default_factory=set)


def allergen_tags(words: list[str]) -> set[str]:
    tags: set[str] = set()
    for word in words:
        key = word.strip().lower().replace("_", " ")
        tags.update(ALLERGEN_ALIASES.get(key, (key,)))
    return tags


def diet_tags(words: list[str]) -> set[str]:
    return {DIET_ALIASES.get(w.strip().lower(), w.strip().lower().replace(" ", "_")) for w in words}


def parse_query(query: str | None) -> ParsedQuery:
    """Search words, plus the diets ("vegan") and exclusions ("nut-free", "without dairy")
    the guest put in the query itself."""
    parsed = ParsedQuery()
    if not query:
        return parsed
    text = query.lower()
    for phrase, tag in DIET_ALIASES.items():
        pattern = rf"\b{re.escape(phrase)}\b"
        if (" " in phrase or "-" in phrase) and re.search(pattern, text):
            parsed.diets.add(tag)
            text = re.sub(pattern, " ", text)

    def exclusion(match: re.Match[str]) -> str:
        word = match.group(1) or match.group(2)
        if word not in ALLERGEN_ALIASES:
            return match[0]  # "no ice" is a wish, not an allergen: keep the words
        parsed.exclusions.update(ALLERGEN_ALIASES[word])
        return " "

    text = FREE_OF.sub(exclusion, text)
    for word in re.findall(r"[a-z0-9'_]+", text):
        if word in STOP_WORDS:
            continue
        if word in DIET_ALIASES:
            parsed.diets.add(DIET_ALIASES[word])
        else:
            parsed.terms.append(word)
    return parsed


def _stem(word: str) -> str:
    for suffix in ("ies", "es", "s"):
        if len(word) > 3 + len(suffix) and word.endswith(suffix):
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


def term_matches(term: str, haystack: str) -> bool:
    """A word of the query found in an item's text: the word, its singular, or a dish of the
    family it names."""
    options = {term, _stem(term), *FAMILIES.get(term, ()), *FAMILIES.get(_stem(term), ())}
    return any(option in haystack for option in options if len(option) >= 2)


def mentions_allergen(text: str, allergen: str) -> bool:
    words = ALLERGEN_WORDS.get(allergen, (allergen,))
    return any(re.search(rf"\b{re.escape(w)}", text) for w in words)


def satisfies_diet(tags: list[str], diet: str) -> bool:
    return diet in tags or any(other in tags for other in IMPLIED_BY.get(diet, ()))
