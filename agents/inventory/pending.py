"""Answers to the clerk's questions, and corrections of the last update.

An answer completes the pending request and the flow resumes with it and the requests still to
do. A message that does not answer the question (a new stock update, say) returns None and is
read as a new message; the unanswered question is dropped, and nothing was written for it.
"""

from __future__ import annotations

from agents.inventory.flow import Action, Outcome, product_name, run_requests
from agents.inventory.parse import ParsedMessage, ReplyHint, containers_of, is_container_word
from agents.inventory.phrases import num, say
from agents.inventory.requests import Lang, LastUpdate, Pending
from tools.base import ToolContext, ToolError
from tools.inventory import ProductInfo, get_product, undo_last_movement


def answer_pending(
    ctx: ToolContext, pending: Pending, hint: ReplyHint, parsed: ParsedMessage
) -> Outcome | None:
    """``hint`` and ``parsed`` are the message read as an answer and as a new message."""
    request = pending.request.model_copy(deep=True)
    lang = pending.lang
    if hint.yes is False and pending.kind not in ("confirm_zero", "confirm_large"):
        # "no" / "cancel" / "בטל" to a which-one question drops this request, nothing else.
        return run_requests(ctx, pending.remaining, lang, Outcome(lines=[say("cancelled", lang)]))
    if parsed.intent != "unknown":
        return None  # "received 2 cases of heineken" is a new update, not "cases" as an answer
    if pending.kind == "which_product":
        chosen = _choose(ctx, pending.options, hint)
        if chosen is None:
            return _ask_again(pending, lang)
        request.product_id = chosen
    elif pending.kind == "which_unit":
        if hint.unit not in ("box", "unit"):
            return _ask_again(pending, lang)
        request.unit = hint.unit
    elif pending.kind == "how_many":
        if hint.number is None:
            return _ask_again(pending, lang)
        request.quantity = hint.number
        request.unit = hint.unit or request.unit
    else:  # confirm_zero / confirm_large
        if hint.yes is None:
            return _ask_again(pending, lang)
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
    containers = containers_of(hint.attributes)
    if containers and product.container not in containers:
        return False
    words = " ".join([product.name, product.local_name or "", *product.aliases]).lower()
    variants = [a for a in hint.attributes if not is_container_word(a)]
    if any(v not in words for v in variants):
        return False
    if hint.product_text:
        return all(w in words for w in hint.product_text.lower().split())
    return True


def _ask_again(pending: Pending, lang: Lang) -> Outcome:
    """Not an answer and not a new request: repeat the question, keep waiting."""
    line = {
        "en": "Sorry, I didn't get that. Nothing was recorded yet; please answer the question "
        "(or say “cancel”).",
        "he": "סליחה, לא הבנתי. עדיין לא נרשם דבר; אנא ענה על השאלה (או כתוב “ביטול”).",
    }[lang]
    return Outcome(lines=[line], pending=pending)


def correct_last(
    ctx: ToolContext, last: LastUpdate, hint: ReplyHint, parsed: ParsedMessage, lang: Lang
) -> Outcome | None:
    """ "no, the glass ones" right after an update: undo it and redo it for the right product."""
    if hint.yes is not False or not (hint.attributes or hint.product_text):
        return None
    if parsed.intent != "unknown":
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
                name=product_name(undone.product, lang),
                level=num(undone.level_after),
            )
        ],
    )
    request = last.request.model_copy(deep=True)
    request.product_id = None
    request.containers = sorted(containers_of(hint.attributes))
    extra = [a for a in hint.attributes if not is_container_word(a)]
    words = [
        w for w in request.product.split() if w.lower() not in {"small", "large", "קטן", "גדול"}
    ]
    request.product = " ".join(
        [*(hint.product_text.split() if hint.product_text else words), *extra]
    )
    return run_requests(ctx, [request], lang, outcome)
