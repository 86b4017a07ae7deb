"""The proposal by e-mail as well, through Arcade, from the lead owner's own mailbox.

Only when Arcade is configured (``ctx.arcade``), the lead left an e-mail address and has an
owner with one: otherwise the proposal in the conversation is all there is. The chat proposal
never depends on the e-mail: Arcade being down or refusing is recorded on the lead (and the
owner can resend by hand), not turned into a failed turn. The authorization link, when Arcade
needs one, goes to the owner only (``tools.arcade`` notifies them); the guest is told no more
than that the e-mail will follow.
"""

from __future__ import annotations

from typing import Any

from domain.sales import Lead
from tools.arcade import email_proposal
from tools.base import ToolContext, ToolError
from tools.sales.leads import KIND_LABELS


def email_the_proposal(ctx: ToolContext, lead: Lead, text: str) -> str | None:
    """E-mail ``text`` to the lead; the sentence to add to the reply, or None when no e-mail
    was attempted. The outcome is kept on the lead (``details.proposal.email``)."""
    if ctx.arcade is None or not lead.contact_email or lead.owner_staff_id is None:
        return None
    subject = f"Your {KIND_LABELS[lead.kind]} proposal"
    record: dict[str, Any]
    try:
        outcome = email_proposal(
            ctx,
            staff_id=lead.owner_staff_id,
            to=lead.contact_email,
            subject=subject,
            body=text,
            lead_id=lead.id,
        )
    except ToolError as error:
        record, told = {"status": "failed", "error": str(error)}, None
    else:
        record = {"status": outcome.status, "action_id": outcome.action_id}
        told = (
            f"I've also e-mailed it to {lead.contact_email}."
            if outcome.status == "done"
            else f"Our team will e-mail it to {lead.contact_email} as well."
        )
    proposal = dict(lead.details.get("proposal") or {})
    lead.details = {**lead.details, "proposal": {**proposal, "email": record}}
    ctx.session.flush()
    return told
