"""Find the products a phrase like "small colas" or "קולה זירו" names.

A product matches when every word of the phrase matches a word of its vocabulary (name, local
name, aliases, brand), allowing small typos. Container words ("cans", "glass", "פחיות") filter by
container type. Products with a variant word the phrase lacks ("zero", "diet") drop out when
plain ones remain, so "coke" means the three Coca-Colas, not Coke Zero. The result is one
product, several (ask which, by what tells them apart), or none (suggest the closest).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import fuzz, process

from tools.inventory import ProductEntry

CONTAINER_WORDS: dict[str, frozenset[str]] = {
    "can": frozenset({"can"}),
    "cans": frozenset({"can"}),
    "פחית": frozenset({"can"}),
    "פחיות": frozenset({"can"}),
    "glass": frozenset({"glass_bottle"}),
    "זכוכית": frozenset({"glass_bottle"}),
    "plastic": frozenset({"plastic_bottle"}),
    "pet": frozenset({"plastic_bottle"}),
    "פלסטיק": frozenset({"plastic_bottle"}),
    "bottle": frozenset({"glass_bottle", "plastic_bottle"}),
    "bottles": frozenset({"glass_bottle", "plastic_bottle"}),
    "בקבוק": frozenset({"glass_bottle", "plastic_bottle"}),
    "בקבוקים": frozenset({"glass_bottle", "plastic_bottle"}),
    "carton": frozenset({"carton"}),
    "cartons": frozenset({"carton"}),
    "keg": frozenset({"keg"}),
    "חבית": frozenset({"keg"}),
}
VARIANT_WORDS = frozenset({"zero", "diet", "light", "זירו", "דיאט", "לייט"})
# Words that carry no identity: "bottles of wine", "a box of eggs", "the", "של", "את".
FILLER = frozenset({"of", "the", "a", "an", "some", "ml", "l", "של", "את"})
SYNONYMS = {"cola": "coke", "coca": "coke", "קוקה": "קולה", "cokes": "coke", "colas": "coke"}

_TOKEN = re.compile(r"[\w\u0590-\u05ff]+", re.UNICODE)


@lru_cache(maxsize=4096)
def tokens(text: str) -> tuple[str, ...]:
    """The matching words of ``text``. Cached: every stock message matches against the whole
    catalogue, whose names and aliases are the same strings turn after turn (measured: ~1 ms a
    turn with 40 products)."""
    words = [w.lower() for w in _TOKEN.findall(text)]
    out = []
    for word in words:
        word = SYNONYMS.get(word, word)
        if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
            word = SYNONYMS.get(word[:-1], word[:-1])  # "heinekens" -> "heineken"
        out.append(word)
    return tuple(out)


@dataclass
class MatchResult:
    products: list[ProductEntry]  # one: found; several: ask which; none: see suggestions
    suggestions: list[ProductEntry] = field(default_factory=list)
    distinguishing: str = "name"  # what tells the candidates apart: container, size or name

    @property
    def unique(self) -> ProductEntry | None:
        return self.products[0] if len(self.products) == 1 else None


def _vocabulary(product: ProductEntry) -> frozenset[str]:
    return frozenset(tokens(" ".join([product.name, product.local_name or "", *product.aliases])))


def _word_matches(word: str, vocabulary: frozenset[str]) -> bool:
    if word in vocabulary:
        return True
    if len(word) < 4:
        return False
    best = process.extractOne(word, vocabulary, scorer=fuzz.ratio, score_cutoff=80)
    return best is not None


def match_products(
    phrase: str,
    catalogue: Sequence[ProductEntry],
    containers: frozenset[str] = frozenset(),
) -> MatchResult:
    """Match ``phrase`` against ``catalogue``; ``containers`` restricts container types."""
    words = [w for w in tokens(phrase) if w not in FILLER]
    wanted = set(containers)
    identity: list[str] = []
    for word in words:
        if word in CONTAINER_WORDS:
            wanted |= CONTAINER_WORDS[word]
        else:
            identity.append(word)
    pool = [p for p in catalogue if not wanted or p.container in wanted]
    if not identity:
        found = pool if wanted else []
    else:
        found = [p for p in pool if all(_word_matches(w, _vocabulary(p)) for w in identity)]
    asked_variants = {w for w in identity if w in VARIANT_WORDS}
    plain = [p for p in found if not (_variant_words(p) - asked_variants)]
    if plain:
        found = plain
    found = _prefer_exact(found, identity)
    if found:
        return MatchResult(found, distinguishing=_distinguishing(found))
    return MatchResult([], suggestions=closest(phrase, catalogue))


def _variant_words(product: ProductEntry) -> set[str]:
    return {
        w for w in tokens(product.name + " " + (product.local_name or "")) if w in VARIANT_WORDS
    }


def _prefer_exact(found: list[ProductEntry], identity: list[str]) -> list[ProductEntry]:
    """A multi-word phrase that is exactly one product's alias ("small cola") names it alone."""
    if len(found) < 2 or len(identity) < 2:
        return found
    phrase = " ".join(identity)
    exact = [p for p in found if any(" ".join(tokens(a)) == phrase for a in [*p.aliases, p.name])]
    return exact if len(exact) == 1 else found


def _distinguishing(products: list[ProductEntry]) -> str:
    if len({p.container for p in products}) == len(products):
        return "container"
    if len({p.size for p in products}) == len(products):
        return "size"
    return "name"


def closest(phrase: str, catalogue: Sequence[ProductEntry], limit: int = 3) -> list[ProductEntry]:
    """The products whose name or an alias is nearest to ``phrase``."""
    choices: dict[str, int] = {}
    for product in catalogue:
        for label in [product.name, product.local_name or "", *product.aliases]:
            if label:
                choices[label.lower()] = product.id
    ranked = process.extract(phrase.lower(), list(choices), scorer=fuzz.WRatio, limit=limit * 4)
    seen: list[int] = []
    for label, _score, _index in ranked:
        product_id = choices[label]
        if product_id not in seen:
            seen.append(product_id)
    by_id = {p.id: p for p in catalogue}
    return [by_id[i] for i in seen[:limit]]


CONTAINER_NAMES = {
    "en": {"can": "can", "glass_bottle": "glass bottle", "plastic_bottle": "plastic bottle"},
    "he": {"can": "פחית", "glass_bottle": "בקבוק זכוכית", "plastic_bottle": "בקבוק פלסטיק"},
}


def describe_option(product: ProductEntry, distinguishing: str, lang: str = "en") -> str:
    """How to name one candidate in a "which one?" question, in the person's language."""
    names = CONTAINER_NAMES["he" if lang == "he" else "en"]
    container = names.get(product.container, product.container.replace("_", " "))
    name = product.local_name if lang == "he" and product.local_name else product.name
    if distinguishing == "container":
        return f"{container} ({name})"
    if distinguishing == "size" and product.size:
        return f"{product.size} ({name})"
    return name
