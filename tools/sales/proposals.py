"""Proposals, discounts and the hand-off of what the agent may not decide.

``send_proposal`` prices the lead's package with ``quote_package`` and records the proposal on
the lead (the text, the package, the amount; stage ``proposal``) with its follow-ups. A deal
above the policy's ``handoff_above`` is not proposed by the agent: a person gets it (stage
``negotiation``). ``request_discount`` re-quotes a discount within ``max_discount_pct``
(stage ``negotiation``) and hands anything beyond it to a person without promising a thing.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, Field

from domain.sales import Lead, LeadStage, Package
from tools.base import ToolContext, ToolError, audit
from tools.reception.context import current_time, property_rules, show_money
from tools.reception.handoff import HandoffArgs, handoff_to_staff
from tools.sales.follow_ups import schedule_follow_ups
from tools.sales.leads import KIND_LABELS, LeadInfo, lead_info, load_lead, missing_fields
from tools.sales.policy import sales_policy
from tools.sales.proposal_email import email_the_proposal
from tools.sales.quotes import PackageQuote, QuoteArgs, package_for, quote_package

PERSON = "I've passed this to our sales team; a person will reply here soon."


class ProposalArgs(BaseModel):
    lead_id: int


class DiscountArgs(BaseModel):
    lead_id: int
    percent: Decimal = Field(ge=0, le=100, description="The discount asked for, in percent.")


class ProposalResult(BaseModel):
    lead: LeadInfo
    quote: PackageQuote | None
    sent: bool  # the proposal went to the person
    handed_off: bool  # a person has the conversation now
    follow_ups: int  # scheduled by this call
    message: str  # the proposal's text, or what the person is told instead


def send_proposal(ctx: ToolContext, args: ProposalArgs) -> ProposalResult:
    """Propose the package that fits the qualified lead, priced by quote_package; a deal above
    the property's hand-off value goes to a person instead."""
    lead = load_lead(ctx, args.lead_id, lock=True)
    if missing := missing_fields(lead):
        raise ToolError(f"Before a proposal I need: {', '.join(missing).replace('_', ' ')}.")
    assert lead.group_size is not None
    package = package_for(ctx, lead.kind)
    if package is None:
        return _hand_off(ctx, lead, None, f"a tailored {lead.kind.value} offer", keep_stage=True)
    discount = Decimal(str(lead.details.get("discount_pct") or 0))
    try:
        quote = quote_package(
            ctx, QuoteArgs(package=package.code, guests=lead.group_size, discount_pct=discount)
        )
    except ToolError as error:  # a group outside the package's range: tailored by a person
        return _hand_off(ctx, lead, None, str(error), keep_stage=True, told=str(error))
    lead.package_id, lead.quote_amount = quote.package_id, quote.total
    if quote.needs_a_person:
        why = (
            f"discount of {discount.normalize():f}% asked"
            if not quote.within_discount_policy
            else f"a deal of {show_money(quote.total, quote.currency)}"
        )
        return _hand_off(ctx, lead, quote, why, told=_big_deal_words(lead))
    before = lead_info(lead).model_dump(mode="json")
    text = proposal_text(lead, quote)
    now = current_time(ctx, property_rules(ctx))
    lead.stage = LeadStage.PROPOSAL if not discount else LeadStage.NEGOTIATION
    lead.details = {**lead.details, "proposal": {"text": text, "sent_at": now.isoformat()}}
    ctx.session.flush()
    scheduled = schedule_follow_ups(ctx, lead.id, now)
    emailed = email_the_proposal(ctx, lead, text)
    info = lead_info(lead)
    audit(ctx, "send_proposal", "leads", lead.id, before, info.model_dump(mode="json"))
    message = f"{text}\n{emailed}" if emailed else text
    return ProposalResult(
        lead=info, quote=quote, sent=True, handed_off=False, follow_ups=scheduled, message=message
    )


def request_discount(ctx: ToolContext, args: DiscountArgs) -> ProposalResult:
    """The person asks for a discount: within the property's policy the quote is recomputed
    (stage negotiation); beyond it a person decides, and nothing is promised."""
    lead = load_lead(ctx, args.lead_id, lock=True)
    policy = sales_policy(property_rules(ctx))
    before = lead_info(lead).model_dump(mode="json")
    lead.details = {**lead.details, "discount_requested_pct": f"{args.percent.normalize():f}"}
    if args.percent > policy.max_discount_pct:
        return _hand_off(ctx, lead, None, f"a discount of {args.percent.normalize():f}% asked")
    lead.details = {**lead.details, "discount_pct": f"{args.percent.normalize():f}"}
    if lead.package_id is None or lead.group_size is None:  # no proposal yet: applied to it
        ctx.session.flush()
        return ProposalResult(
            lead=lead_info(lead),
            quote=None,
            sent=False,
            handed_off=False,
            follow_ups=0,
            message="Noted; I'll include that in your proposal.",
        )
    quote = quote_package(
        ctx, QuoteArgs(package=_code(ctx, lead), guests=lead.group_size, discount_pct=args.percent)
    )
    if quote.needs_a_person:
        return _hand_off(ctx, lead, quote, f"a deal of {show_money(quote.total, quote.currency)}")
    lead.quote_amount, lead.stage = quote.total, LeadStage.NEGOTIATION
    ctx.session.flush()
    info = lead_info(lead)
    audit(ctx, "request_discount", "leads", lead.id, before, info.model_dump(mode="json"))
    return ProposalResult(
        lead=info,
        quote=quote,
        sent=True,
        handed_off=False,
        follow_ups=0,
        message=f"I can offer {args.percent.normalize():f}% off: the {quote.package_name} for "
        f"{quote.guests} guests comes to {show_money(quote.total, quote.currency)}, "
        "VAT included. Shall we go ahead?",
    )


def proposal_text(lead: Lead, quote: PackageQuote) -> str:
    when = f" on {lead.event_date:%a %d %b %Y}" if lead.event_date else ""
    lines = [
        f"Here is our proposal for your {KIND_LABELS[lead.kind]}{when} for {quote.guests} guests:",
        f"{quote.package_name}: {quote.description or ''}".strip(),
        f"{show_money(quote.price_per_person, quote.currency)} per person × {quote.guests} = "
        f"{show_money(quote.subtotal, quote.currency)}",
    ]
    if quote.discount:
        lines.append(
            f"Discount {quote.discount_pct.normalize():f}%: "
            f"-{show_money(quote.discount, quote.currency)}"
        )
    if quote.tax:
        lines.append(f"VAT: {show_money(quote.tax, quote.currency)}")
    lines.append(f"Total: {show_money(quote.total, quote.currency)}, VAT included.")
    lines.append("Would you like to go ahead? Just reply here with any questions.")
    return "\n".join(lines)


def _big_deal_words(lead: Lead) -> str:
    return f"A {KIND_LABELS[lead.kind]} of this size is prepared personally by our team."


def _code(ctx: ToolContext, lead: Lead) -> str:
    package = ctx.session.get(Package, lead.package_id)
    if package is None:
        raise ToolError("That package is no longer offered; our team will follow up.")
    return package.code


def _hand_off(
    ctx: ToolContext,
    lead: Lead,
    quote: PackageQuote | None,
    why: str,
    *,
    keep_stage: bool = False,
    told: str | None = None,
) -> ProposalResult:
    """A person takes the lead: the conversation goes to staff (who are notified with the
    reason) and the lead is in negotiation, unless it still waits for a tailored offer."""
    before = lead_info(lead).model_dump(mode="json")
    if not keep_stage:
        lead.stage = LeadStage.NEGOTIATION
    lead.details = {**lead.details, "handed_off": why}
    ctx.session.flush()
    reason = f"Sales lead #{lead.id} ({lead.kind.value}, {lead.group_size or '?'} guests): {why}"
    handoff_to_staff(ctx, HandoffArgs(reason=reason[:500]))
    info = lead_info(lead)
    audit(ctx, "sales_handoff", "leads", lead.id, before, info.model_dump(mode="json"))
    message = PERSON if told is None else f"{told} {PERSON}"
    return ProposalResult(
        lead=info, quote=quote, sent=False, handed_off=True, follow_ups=0, message=message
    )
