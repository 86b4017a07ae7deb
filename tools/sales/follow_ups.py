"""Follow-ups after a proposal: scheduled as rows, sent by the background worker, each once.

``schedule_follow_ups`` writes one row per day of the policy's ``follow_up_days`` (the
unique (lead, step) pair makes a second proposal not double them). ``send_due_follow_ups``
runs in the worker: it locks the due rows (``SKIP LOCKED``: two workers never take the same
row), writes the follow-up as a queued outbound message of the lead's conversation and marks
the row done in the same transaction, so a row is sent exactly once; the message then goes out
through the normal outbound path (``channels.outbound.deliver_later``). A lead that was won or
lost meanwhile, a conversation a person has, or a guest who opted out: the row is done as
"skipped" and nothing is sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from domain.conversations import (
    Author,
    Conversation,
    ConversationStatus,
    DeliveryStatus,
    Direction,
    Message,
)
from domain.guests import Guest
from domain.sales import OPEN_STAGES, Lead, LeadFollowUp
from tools.base import ToolContext
from tools.reception.context import property_rules, show_money
from tools.sales.leads import KIND_LABELS
from tools.sales.policy import sales_policy

if TYPE_CHECKING:
    from api.services import Services

BATCH = 50


def schedule_follow_ups(ctx: ToolContext, lead_id: int, now: datetime) -> int:
    """One follow-up per policy day after ``now``; returns how many were new."""
    days = sales_policy(property_rules(ctx)).follow_up_days
    rows = [
        {
            "property_id": ctx.property_id,
            "lead_id": lead_id,
            "step": step,
            "due_at": now + timedelta(days=day),
        }
        for step, day in enumerate(days, start=1)
    ]
    if not rows:
        return 0
    result = ctx.session.execute(
        pg_insert(LeadFollowUp)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["property_id", "lead_id", "step"])
        .returning(LeadFollowUp.id)
    )
    return len(result.all())


@dataclass(frozen=True)
class FollowUpOutcome:
    follow_up_id: int
    outcome: str
    message_id: int | None


def send_due(session: Session, property_id: int, now: datetime) -> list[FollowUpOutcome]:
    """Write the due follow-ups of one property (a tenant session) and mark them done."""
    due = session.execute(
        select(LeadFollowUp, Lead, Conversation)
        .join(Lead, Lead.id == LeadFollowUp.lead_id)
        .join(Conversation, Conversation.id == Lead.conversation_id, isouter=True)
        .where(LeadFollowUp.done_at.is_(None), LeadFollowUp.due_at <= now)
        .order_by(LeadFollowUp.due_at)
        .limit(BATCH)
        .with_for_update(of=LeadFollowUp, skip_locked=True)
    ).all()
    outcomes = []
    for follow_up, lead, conversation in due:
        why = _skip_reason(session, lead, conversation)
        message_id = None
        if why is None:
            message_id = session.execute(
                insert(Message)
                .values(
                    property_id=property_id,
                    conversation_id=conversation.id,
                    channel=conversation.last_channel,
                    direction=Direction.OUTBOUND,
                    author=Author.AGENT,
                    body=follow_up_text(lead, follow_up.step),
                    delivery_status=DeliveryStatus.QUEUED,
                )
                .returning(Message.id)
            ).scalar_one()
        follow_up.done_at = now
        follow_up.outcome = "sent" if why is None else f"skipped: {why}"[:24]
        follow_up.message_id = message_id
        outcomes.append(FollowUpOutcome(follow_up.id, follow_up.outcome, message_id))
    session.flush()
    return outcomes


def follow_up_text(lead: Lead, step: int) -> str:
    name = (lead.contact_name or "").split(" ")[0]
    hello = f"Hello {name}!" if name else "Hello!"
    when = f" on {lead.event_date:%d %b %Y}" if lead.event_date else ""
    amount = ""
    if lead.quote_amount is not None:
        amount = f" ({show_money(lead.quote_amount, lead.currency)})"
    ask = "Do you have any questions" if step == 1 else "Would you still like to go ahead"
    return (
        f"{hello} Following up on our proposal for your {KIND_LABELS[lead.kind]}{when}{amount}. "
        f"{ask}? Just reply here."
    )


def _skip_reason(session: Session, lead: Lead, conversation: Conversation | None) -> str | None:
    if lead.stage not in OPEN_STAGES:
        return lead.stage.value
    if conversation is None:
        return "no conversation"
    if conversation.status is ConversationStatus.HANDOFF:
        return "with staff"
    if conversation.guest_id is not None:
        opted_out = session.scalar(
            select(Guest.opted_out_at).where(Guest.id == conversation.guest_id)
        )
        if opted_out is not None:
            return "opted out"
    return None


def send_due_follow_ups(services: Services, property_id: int, payload: dict[str, Any]) -> None:
    """The background job: send this property's due follow-ups (``payload["now"]``, an ISO
    time, pins the clock for tests)."""
    from channels.outbound import deliver_later

    now = datetime.fromisoformat(payload["now"]) if payload.get("now") else datetime.now(UTC)
    with services.db.tenant(property_id) as session:
        outcomes = send_due(session, property_id, now)
    for outcome in outcomes:  # after the commit: the message rows exist for the sender
        if outcome.message_id is not None:
            deliver_later(services, property_id, outcome.message_id)


def properties_with_due(session: Session, now: datetime) -> list[int]:
    """Every property with a follow-up due (run as the owner: all properties)."""
    return list(
        session.scalars(
            select(LeadFollowUp.property_id)
            .where(LeadFollowUp.done_at.is_(None), LeadFollowUp.due_at <= now)
            .distinct()
        ).all()
    )
