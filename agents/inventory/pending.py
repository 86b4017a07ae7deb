"""Answers to the clerk's questions, and corrections of the last update.

An answer completes the pending request and the flow resumes with it and the requests still to
do. A message that does not answer the question (a new stock update, say) returns None and is
read as a new message; the unanswered question is dropped, and nothing was written for it.
"""

from __future__ import annotations

from agents.inventory.flow import Action, Outcome, run_requests
from agents.inventory.parse import ReplyHint, parse_reply, parse_stock_message
from agents.inventory.phrases import num, say
from agents.inventory.requests import Lang, LastUpdate, Pending
from tools.base import ToolContext, ToolError
from tools.inventory import ProductInfo, get_product, undo_last_movement

_CONTAINER_OF = {"can": "can", "glass": "glass_bottle", "plastic": "plastic_bottle"}


def answer_pending(ctx: ToolContext, pending: Pending, text: str) -> Outcome | None:
    hint = parse_reply(text)
    request = pending.request.model_copy(deep=True)
    lang = pending.lang
    if hint.yes is False and pending.kind not in ("confirm_zero", "confirm_large"):
        # "no" / "cancel" / "בטל" to a which-one question drops this request, nothing else.
        return run_requests(ctx, pending.remaining, lang, Outcome(lines=[say("cancelled", lang)]))
    if _is_new_message(text):
        return None  # "received 2 cases of heineken" is a new update, not "cases" as an answer
    if pending.kind == "which_product":
        chosen = _choose(ctx, pending.options, hint)
        if chosen is None:
            return _ask_again(pending, text, lang)
        request.product_id = chosen
    elif pending.kind == "which_unit":
        if hint.unit not in ("box", "unit"):
            return _ask_again(pending, text, lang)
        request.unit = hint.unit
    elif pending.kind == "how_many":
        if hint.number is None:
            return _ask_again(pending, text, lang)
        request.quantity = hint.number
        request.unit = hint.unit or request.unit
    else:  # confirm_zero / confirm_large
        if hint.yes is None:
            return _ask_again(pending, text, lang)
        if not hint.yes:
            outcome = Outcome(lines=[say("cancelled", lang)])
            return run_requests(ctx, pending.remaining, lang, outcome)
        if pending.kind == "confirm_zero":
            request.confirmed_zero = True
        else:
            request.confirmed_large = True
    return run_requests(ctx, [request, *pending.remaining], lang)


def _choose(ctx: ToolContext, options: list[int], hint: ReplyHint) -> int | None:
    """The option a reply picks: by position, by container/variant word, or by name."""
    if hint.choice is not None:
        index = len(options) - 1 if hint.choice == -1 else hint.choice - 1
        return options[index] if 0 <= index < len(options) else None
    products = [get_product(ctx, product_id) for product_id in options]
    picked = [p for p in products if _fits(p, hint)]
    return picked[0].id if len(picked) == 1 else None


def _fits(product: ProductInfo, hint: ReplyHint) -> bool:
    if not hint.attributes and not hint.product_text:
        return False
    containers = {_CONTAINER_OF[a] for a in hint.attributes if a in _CONTAINER_OF}
    if "bottle" in hint.attributes and not containers:
        containers = {"glass_bottle", "plastic_bottle"}
    if containers and product.container not in containers:
        return False
    words = " ".join([product.name, product.local_name or "", *product.aliases]).lower()
    variants = [a for a in hint.attributes if a not in _CONTAINER_OF and a != "bottle"]
    if any(v not in words for v in variants):
        return False
    if hint.product_text:
        return all(w in words for w in hint.product_text.lower().split())
    return True


def _is_new_message(text: str) -> bool:
    return parse_stock_message(text).intent != "unknown"


def _ask_again(pending: Pending, text: str, lang: Lang) -> Outcome:
    """Not an answer and not a new request: repeat the question, keep waiting."""
    line = {
        "en": "Sorry, I didn't get that. Nothing was recorded yet; please answer the question "
        "(or say “cancel”).",
        "he": "סליחה, לא הבנתי. עדיין לא נרשם דבר; אנא ענה על השאלה (או כתוב “ביטול”).",
    }[lang]
    if parse_reply(text).yes is False:
        return Outcome(lines=[say("cancelled", lang)])
    return Outcome(lines=[line], pending=pending)


def correct_last(ctx: ToolContext, last: LastUpdate, text: str, lang: Lang) -> Outcome | None:
    """ "no, the glass ones" right after an update: undo it and redo it for the right product."""
    hint = parse_reply(text)
    if hint.yes is not False or not (hint.attributes or hint.product_text):
        return None
    if parse_stock_message(text).intent != "unknown":
        return None  # "no, took 5" is a new update, not a correction
    try:
        undone = undo_last_movement(ctx)
    except ToolError as error:
        return Outcome(lines=[str(error)])
    outcome = Outcome(
        actions=[Action("undo_last_movement", {}, undone.model_dump(mode="json"))],
        lines=[
            say(
                "undone",
                lang,
                name=_name(get_product(ctx, undone.product.id), lang),
                level=num(undone.level_after),
            )
        ],
    )
    request = last.request.model_copy(deep=True)
    request.product_id = None
    containers = {_CONTAINER_OF[a] for a in hint.attributes if a in _CONTAINER_OF}
    if "bottle" in hint.attributes and not containers:
        containers = {"glass_bottle", "plastic_bottle"}
    request.containers = sorted(containers)
    extra = [a for a in hint.attributes if a not in _CONTAINER_OF and a != "bottle"]
    words = [
        w for w in request.product.split() if w.lower() not in {"small", "large", "קטן", "גדול"}
    ]
    request.product = " ".join(
        [*(hint.product_text.split() if hint.product_text else words), *extra]
    )
    return run_requests(ctx, [request], lang, outcome)


def _name(product: ProductInfo, lang: Lang) -> str:
    return product.local_name if lang == "he" and product.local_name else product.name
