"""Check the model's proposal against the person's own words ("the model proposes, code
disposes"). Small models fill every field they are given: they say "box" when no box was
mentioned, invent a product for a question, or guess a direction. Each field the message does
not support is dropped, so the flow asks instead of writing a guess.
"""

from __future__ import annotations

from agents.inventory.lexicon import lex, product_words
from agents.inventory.match import tokens as product_tokens
from agents.inventory.numbers import tokenize
from agents.inventory.parse import containers_of
from agents.inventory.requests import StockRequest


def ground(request: StockRequest, text: str) -> StockRequest | None:
    """The request with unsupported fields cleared, or None if its product is not in the text."""
    lexes = lex(tokenize(text))
    said_units = {lx.unit for lx in lexes if lx.kind == "unit"}
    said_numbers = {lx.value for lx in lexes if lx.kind == "num" and lx.value is not None}
    said_verbs = {lx.action for lx in lexes if lx.kind == "verb" and lx.action is not None}
    grounded = request.model_copy(deep=True)

    _clean_product(grounded)
    if not grounded.product or not _product_in_text(grounded.product, text):
        return None  # a question or chit-chat the model turned into an update
    if grounded.unit is not None and grounded.unit not in said_units:
        grounded.unit = None  # "box" that nobody said: ask boxes or units
    if grounded.unit is None and len(said_units) == 1:
        (grounded.unit,) = said_units  # "3 bottles of house white": the person said units
    if (
        said_numbers
        and grounded.quantity is not None
        and abs(grounded.quantity) not in said_numbers
    ):
        grounded.quantity = None  # a number that is not the one said: ask how many
    if len(said_verbs) == 1:
        (verb,) = said_verbs
        grounded.action = verb.value  # the lexicon knows its verbs better than a 0.5B model
        grounded.absolute = verb.value == "ADJUST"
    return grounded


def _clean_product(request: StockRequest) -> None:
    """Models often put the whole phrase in ``product`` ("a pair of heineken bottles"): keep
    the product words, and turn container words into container hints, as the parser does."""
    lexes = lex(tokenize(request.product))
    words, _ = product_words(lexes)
    containers = containers_of(tuple(lx.attr for lx in lexes if lx.attr))
    if words:
        request.product = " ".join(words)
    request.containers = sorted(set(request.containers) | containers)


def _product_in_text(product: str, text: str) -> bool:
    """Every product word the model names appears (allowing plurals and typos) in the text."""
    from rapidfuzz import fuzz

    said = product_tokens(text)
    for word in product_tokens(product):
        if not any(word == w or (len(word) > 3 and fuzz.ratio(word, w) >= 80) for w in said):
            return False
    return True
