"""A site visit: the lead comes to see the venue at a day and time they asked for.

With Arcade configured, the visit goes into the lead owner's Google Calendar with the lead
invited (``tools.arcade.schedule_site_visit``; if the owner has not authorized Arcade yet, they
get the link and the event is created once they do). Without Arcade, or without an e-mail to
invite, the owner is notified to arrange it by hand. Either way the request is kept on the
lead (``details.site_visit``) and the guest is told what happens next, never more.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel

from domain.ops import Notification, NotificationKind
from tools.arcade import schedule_site_visit
from tools.base import ToolContext, ToolError, audit
from tools.sales.leads import KIND_LABELS, load_lead

VISIT_LENGTH = timedelta(hours=1)


class SiteVisitArgs(BaseModel):
    lead_id: int
    start: datetime  # the property's local time


class SiteVisitResult(BaseModel):
    lead_id: int
    start: datetime
    calendar: str  # "done", "authorization_required", "failed" or "by_hand"
    message: str  # what the guest is told


def book_site_visit(ctx: ToolContext, args: SiteVisitArgs) -> SiteVisitResult:
    """Arrange a visit of the venue for the lead at ``start`` (local time)."""
    lead = load_lead(ctx, args.lead_id, lock=True)
    when = f"{args.start:%a %d %b} at {args.start:%H:%M}"
    what = KIND_LABELS[lead.kind]
    calendar, error = "by_hand", None
    if ctx.arcade is not None and lead.contact_email and lead.owner_staff_id is not None:
        try:
            outcome = schedule_site_visit(
                ctx,
                staff_id=lead.owner_staff_id,
                attendee_email=lead.contact_email,
                start=args.start,
                end=args.start + VISIT_LENGTH,
                title=f"Site visit: {lead.contact_name or 'enquiry'} #{lead.id} ({what})",
                lead_id=lead.id,
            )
            calendar = outcome.status
        except ToolError as failure:
            calendar, error = "failed", str(failure)
    if calendar in ("by_hand", "failed"):
        _ask_the_owner(ctx, lead.owner_staff_id, lead.id, when, error)
    before: dict[str, Any] = dict(lead.details.get("site_visit") or {})
    visit = {"start": args.start.isoformat(), "calendar": calendar, "error": error}
    lead.details = {**lead.details, "site_visit": visit}
    ctx.session.flush()
    audit(ctx, "book_site_visit", "leads", lead.id, before or None, visit)
    message = (
        f"Lovely, you're down for a visit on {when}; the invitation is in your e-mail."
        if calendar == "done"
        else f"Lovely, I've asked our events team to set up your visit on {when}; "
        "they'll confirm it with you."
    )
    return SiteVisitResult(lead_id=lead.id, start=args.start, calendar=calendar, message=message)


def _ask_the_owner(
    ctx: ToolContext, owner_id: int | None, lead_id: int, when: str, error: str | None
) -> None:
    """The lead's owner (or every manager, with no owner) arranges the visit by hand."""
    why = f" (the calendar could not be updated: {error})" if error else ""
    ctx.session.add(
        Notification(
            property_id=ctx.property_id,
            kind=NotificationKind.LEAD,
            recipient_staff_id=owner_id,
            title=f"Site visit asked for enquiry #{lead_id}"[:200],
            body=f"Enquiry #{lead_id} would like to visit on {when}{why}. Please confirm it.",
            data={"lead_id": lead_id, "conversation_id": ctx.conversation_id},
        )
    )
