"""The menu search the guest asked for, from the model's call checked against their words.

Small models put an allergy in the wrong field ("dietary: allergies, query: nuts" for "I'm
allergic to nuts, which desserts can I have?"). Code reads the allergy from the message
itself, keeps only diets the menu knows, and keeps the dish words the guest wrote.
"""

from __future__ import annotations

import re

from agents.reception import llm_tools as t
from tools.reception import MenuSearchArgs
from tools.reception.menu_match import ALLERGEN_ALIASES, DIET_ALIASES

_ALLERGY = re.compile(r"allerg|intoleran|אלרג", re.IGNORECASE)
_COURSES = (
    "dessert", "desserts", "starter", "starters", "main", "mains", "drink", "drinks",
    "breakfast", "salad", "salads", "soup", "cocktail", "cocktails", "wine", "beer",
)  # fmt: skip


def menu_args(call: t.menu, text: str) -> MenuSearchArgs:
    words = re.findall(r"[^\W\d_]+", text.lower())
    allergic = bool(_ALLERGY.search(text))
    avoid = {tag for a in call.avoid_allergens for tag in ALLERGEN_ALIASES.get(a.lower(), ())}
    if allergic:  # "allergic to nuts": what follows the allergy is to be avoided
        avoid |= {tag for w in words for tag in ALLERGEN_ALIASES.get(w, ())}
    diets = sorted({DIET_ALIASES[d.lower()] for d in call.dietary if d.lower() in DIET_ALIASES})
    query_words = [
        w
        for w in re.findall(r"[^\W\d_]+", (call.query or "").lower())
        if not (allergic and w in ALLERGEN_ALIASES) and not w.startswith("allerg")
    ]
    if not query_words:
        query_words = [w for w in words if w in _COURSES]
    return MenuSearchArgs(
        query=" ".join(query_words) or None,
        dietary=diets or None,
        exclude_allergens=sorted(avoid) or None,
    )
