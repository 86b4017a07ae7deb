"""Leads: opened from a conversation, filled in turn by turn, and moved through the stages.

The stage follows from what is known, not from the model: a lead is ``qualified`` once it has
a date, a group size and a way to reach the person; ``proposal``, ``negotiation``, ``won`` and
``lost`` are set by the proposal and closing tools. A guest reaches only their own leads (the
guest filter is in the query); staff reach every lead of the property.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy import Select, select

from domain.ops import NotificationKind
from domain.property import StaffUser
from domain.sales import OPEN_STAGES, Lead, LeadKind, LeadStage
from tools.base import ToolContext, ToolError, audit
from tools.reception.context import guest_scope, notify_staff, property_rules
from tools.sales.policy import sales_policy

QUALIFYING_FIELDS = ("event_date", "group_size", "contact")
KIND_LABELS = {  # how a lead's kind reads in a sentence ("your corporate event")
    LeadKind.EVENT: "event",
    LeadKind.WEDDING: "wedding",
    LeadKind.GROUP: "group stay",
    LeadKind.CORPORATE: "corporate event",
    LeadKind.PACKAGE: "stay",
}
EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


class LeadFields(BaseModel):
    """What the person told us; a field left out is not changed."""

    kind: LeadKind | None = None
    contact_name: str | None = Field(default=None, max_length=200)
    contact_phone: str | None = Field(default=None, pattern=r"^\+[1-9][0-9]{6,14}$")
    contact_email: str | None = Field(default=None, max_length=320, pattern=EMAIL)
    event_date: date | None = None
    group_size: int | None = Field(default=None, ge=1, le=5000)
    budget: Decimal | None = Field(default=None, ge=0)
    needs: str | None = Field(default=None, max_length=1000)
    decision_timeline: str | None = Field(default=None, max_length=200)


class OpenLeadArgs(LeadFields):
    kind: LeadKind = LeadKind.EVENT


class UpdateLeadArgs(LeadFields):
    lead_id: int
    # Answers that are no field's value ("not sure yet", a budget in another currency), by
    # field: the question counts as answered.
    notes: dict[str, str] = Field(default_factory=dict)


class CloseLeadArgs(BaseModel):
    lead_id: int
    outcome: Literal["won", "lost"]
    reason: str | None = Field(default=None, max_length=300)


class LeadInfo(BaseModel):
    id: int
    kind: LeadKind
    stage: LeadStage
    contact_name: str | None
    contact_phone: str | None
    contact_email: str | None
    event_date: date | None
    group_size: int | None
    budget: Decimal | None
    currency: str
    needs: str | None
    decision_timeline: str | None
    package_id: int | None
    quote_amount: Decimal | None
    owner_staff_id: int | None
    conversation_id: int | None
    missing: list[str]  # what qualification still needs, in the order to ask it
    details: dict[str, Any]


def open_lead(ctx: ToolContext, args: OpenLeadArgs) -> LeadInfo:
    """Start a lead for this conversation (or return the one already open), owned by the
    property's sales owner, who is notified."""
    existing = conversation_lead(ctx)
    if existing is not None:
        return update_lead(ctx, UpdateLeadArgs(lead_id=existing.id, **_given(args)))
    rules = property_rules(ctx)
    lead = Lead(
        property_id=ctx.property_id,
        guest_id=ctx.actor.id if ctx.actor.kind == "guest" else None,
        kind=args.kind,
        stage=LeadStage.NEW,
        currency=rules.currency,
        conversation_id=ctx.conversation_id,
        owner_staff_id=_owner_id(ctx, sales_policy(rules).owner),
        details={},
    )
    _apply(lead, {k: v for k, v in _given(args).items() if k != "kind"})
    if lead.contact_phone is None and ctx.actor.kind == "guest":
        lead.contact_phone = ctx.actor.phone
    if lead.contact_name is None and ctx.actor.kind == "guest":
        lead.contact_name = ctx.actor.name
    _restage(lead)
    ctx.session.add(lead)
    ctx.session.flush()
    info = lead_info(lead)
    audit(ctx, "open_lead", "leads", lead.id, None, info.model_dump(mode="json"))
    notify_staff(
        ctx,
        NotificationKind.BOOKING,
        f"New {lead.kind.value} lead #{lead.id}",
        f"A new {lead.kind.value} enquiry from {ctx.actor.label}.",
        {"lead_id": lead.id, "kind": lead.kind.value},
    )
    return info


def update_lead(ctx: ToolContext, args: UpdateLeadArgs) -> LeadInfo:
    """Record what the person said about their event (date, group size, budget, needs,
    contact, decision timeline); the stage moves to qualified once it is complete."""
    lead = load_lead(ctx, args.lead_id, lock=True)
    before = lead_info(lead).model_dump(mode="json")
    _apply(lead, _given(args, exclude={"lead_id"}))
    if args.notes:
        noted = {**lead.details.get("noted", {}), **args.notes}
        lead.details = {**lead.details, "noted": noted}
    _restage(lead)
    ctx.session.flush()
    info = lead_info(lead)
    after = info.model_dump(mode="json")
    if after != before:
        audit(ctx, "update_lead", "leads", lead.id, before, after)
    return info


def close_lead(ctx: ToolContext, args: CloseLeadArgs) -> LeadInfo:
    """Mark a lead won (the person accepted the proposal) or lost (they declined); the owner
    is notified either way."""
    lead = load_lead(ctx, args.lead_id, lock=True)
    if lead.stage not in OPEN_STAGES:
        raise ToolError(f"That enquiry is already closed ({lead.stage.value}).")
    before = lead_info(lead).model_dump(mode="json")
    lead.stage = LeadStage.WON if args.outcome == "won" else LeadStage.LOST
    lead.details = {**lead.details, "closed_reason": args.reason} if args.reason else lead.details
    ctx.session.flush()
    info = lead_info(lead)
    audit(ctx, "close_lead", "leads", lead.id, before, info.model_dump(mode="json"))
    notify_staff(
        ctx,
        NotificationKind.BOOKING,
        f"Lead #{lead.id} {lead.stage.value}",
        f"The {lead.kind.value} enquiry from {lead.contact_name or ctx.actor.label} was "
        f"{lead.stage.value}" + (f": {args.reason}" if args.reason else "."),
        {"lead_id": lead.id, "stage": lead.stage.value},
    )
    return info


def conversation_lead(ctx: ToolContext) -> LeadInfo | None:
    """The open lead of this conversation, if any (the newest)."""
    if ctx.conversation_id is None:
        return None
    lead = ctx.session.scalars(
        _scoped(ctx)
        .where(Lead.conversation_id == ctx.conversation_id, Lead.stage.in_(OPEN_STAGES))
        .order_by(Lead.id.desc())
        .limit(1)
    ).first()
    return None if lead is None else lead_info(lead)


def load_lead(ctx: ToolContext, lead_id: int, lock: bool = False) -> Lead:
    query = _scoped(ctx).where(Lead.id == lead_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    lead = ctx.session.scalars(query).first()
    if lead is None:  # someone else's lead and a missing one get the same answer
        raise ToolError(f"I can't find enquiry #{lead_id}.")
    return lead


def lead_info(lead: Lead) -> LeadInfo:
    return LeadInfo(
        id=lead.id,
        kind=lead.kind,
        stage=lead.stage,
        contact_name=lead.contact_name,
        contact_phone=lead.contact_phone,
        contact_email=lead.contact_email,
        event_date=lead.event_date,
        group_size=lead.group_size,
        budget=lead.budget,
        currency=lead.currency,
        needs=lead.needs,
        decision_timeline=lead.decision_timeline,
        package_id=lead.package_id,
        quote_amount=lead.quote_amount,
        owner_staff_id=lead.owner_staff_id,
        conversation_id=lead.conversation_id,
        missing=missing_fields(lead),
        details=dict(lead.details or {}),
    )


def missing_fields(lead: Lead) -> list[str]:
    present = {
        "event_date": lead.event_date is not None,
        "group_size": lead.group_size is not None,
        "contact": bool(lead.contact_phone or lead.contact_email),
    }
    return [name for name in QUALIFYING_FIELDS if not present[name]]


def _scoped(ctx: ToolContext) -> Select[Lead]:
    query = select(Lead)
    own = guest_scope(ctx) if ctx.actor.kind == "guest" else None
    return query.where(Lead.guest_id == own) if own is not None else query


def _given(args: BaseModel, exclude: set[str] | None = None) -> dict[str, Any]:
    return {
        k: v
        for k, v in args.model_dump(exclude=exclude).items()
        if v is not None and k in LeadFields.model_fields
    }


def _apply(lead: Lead, values: dict[str, Any]) -> None:
    for name, value in values.items():
        setattr(lead, name, value.strip() if isinstance(value, str) else value)


def _restage(lead: Lead) -> None:
    """New becomes qualified once nothing required is missing; later stages stay."""
    if lead.stage is LeadStage.NEW and not missing_fields(lead):
        lead.stage = LeadStage.QUALIFIED


def _owner_id(ctx: ToolContext, name: str | None) -> int | None:
    """The staff member named by the policy, else the property's first owner or manager."""
    query = (
        select(StaffUser.id, StaffUser.name, StaffUser.role)
        .where(StaffUser.active.is_(True))
        .order_by(StaffUser.id)
    )
    rows = ctx.session.execute(query).all()
    for staff_id, staff_name, _ in rows:
        if name and staff_name == name:
            return int(staff_id)
    for staff_id, _, role in rows:
        if str(role) in ("owner", "manager"):
            return int(staff_id)
    return None
