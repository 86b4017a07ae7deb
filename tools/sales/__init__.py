"""The sales funnel's typed tools: leads, package quotes, proposals and discounts, follow-ups
and upsells. Every tool is ``fn(ctx, args) -> result`` with pydantic arguments and results;
prices and thresholds are computed here from the domain model and the property's policies,
never taken from the model's words."""

from tools.sales.follow_ups import schedule_follow_ups, send_due, send_due_follow_ups
from tools.sales.leads import (
    CloseLeadArgs,
    LeadFields,
    LeadInfo,
    OpenLeadArgs,
    UpdateLeadArgs,
    close_lead,
    conversation_lead,
    open_lead,
    update_lead,
)
from tools.sales.policy import SalesPolicy, sales_policy
from tools.sales.proposals import (
    DiscountArgs,
    ProposalArgs,
    ProposalResult,
    request_discount,
    send_proposal,
)
from tools.sales.quotes import PackageQuote, QuoteArgs, quote_package
from tools.sales.site_visits import SiteVisitArgs, SiteVisitResult, book_site_visit
from tools.sales.upsells import (
    OfferUpsellArgs,
    UpsellAnswerArgs,
    UpsellInfo,
    answer_upsell,
    offer_upsell,
)

__all__ = [
    "CloseLeadArgs",
    "DiscountArgs",
    "LeadFields",
    "LeadInfo",
    "OfferUpsellArgs",
    "OpenLeadArgs",
    "PackageQuote",
    "ProposalArgs",
    "ProposalResult",
    "QuoteArgs",
    "SalesPolicy",
    "SiteVisitArgs",
    "SiteVisitResult",
    "UpdateLeadArgs",
    "UpsellAnswerArgs",
    "UpsellInfo",
    "answer_upsell",
    "book_site_visit",
    "close_lead",
    "conversation_lead",
    "offer_upsell",
    "open_lead",
    "quote_package",
    "request_discount",
    "sales_policy",
    "schedule_follow_ups",
    "send_due",
    "send_due_follow_ups",
    "send_proposal",
    "update_lead",
]
