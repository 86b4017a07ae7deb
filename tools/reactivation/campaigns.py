"""Creating a campaign and rendering its message for one guest.

A campaign is a target segment (see :mod:`tools.reactivation.audience`), an offer, a message
per channel and a schedule. ``messages`` is stored as JSON::

    {"sms": "Hi {name}, ... {offer} ...",
     "whatsapp": {"text": "Hi {name}, ...", "template": "reengage"}}

``{name}``, ``{property}`` and ``{offer}`` are filled per guest. WhatsApp's free text is used
inside the guest's 24-hour window; outside it the property's approved template (named here,
``reengage`` by default, see ``channels.templates``) goes instead.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field, model_validator
from sqlalchemy import select

from domain.campaigns import Campaign, CampaignStatus
from domain.conversations import Channel
from domain.property import Property
from tools.base import ToolContext, ToolError, audit
from tools.reactivation.audience import TARGETS, cluster_members

MAX_SMS_CHARS = 480  # three SMS segments


class CampaignArgs(BaseModel):
    """A new campaign: which guests, what offer, what each channel says, and when."""

    name: str = Field(min_length=1, max_length=200)
    segment: str = Field(
        min_length=1,
        max_length=100,
        description=f"One of: {', '.join(TARGETS)}, or a segment of `buffr campaign segments`",
    )
    offer: str = Field(min_length=1, max_length=500)
    sms: str | None = Field(default=None, max_length=MAX_SMS_CHARS)
    whatsapp: str | None = Field(default=None, max_length=1000)
    whatsapp_template: str = "reengage"
    scheduled_at: datetime | None = None

    @model_validator(mode="after")
    def some_message(self) -> CampaignArgs:
        if not (self.sms or self.whatsapp):
            raise ValueError("a campaign needs an SMS text, a WhatsApp text, or both")
        return self

    def messages(self) -> dict[str, Any]:
        found: dict[str, Any] = {}
        if self.sms:
            found[Channel.SMS.value] = self.sms
        if self.whatsapp:
            found[Channel.WHATSAPP.value] = {
                "text": self.whatsapp,
                "template": self.whatsapp_template,
            }
        return found


class CampaignInfo(BaseModel):
    id: int
    name: str
    segment: str
    offer: str
    status: CampaignStatus
    channels: list[str]


def create_campaign(ctx: ToolContext, args: CampaignArgs) -> CampaignInfo:
    """Create a campaign as a draft (or scheduled, with ``scheduled_at``)."""
    taken = ctx.session.scalar(select(Campaign.id).where(Campaign.name == args.name))
    if taken is not None:
        raise ToolError(f"A campaign named {args.name!r} already exists; choose another name.")
    segment, members = args.segment, None
    if segment not in TARGETS:  # a KMeans segment: its guests as of today, frozen
        _, _, timezone = property_of(ctx)
        today = (ctx.now or datetime.now(UTC)).astimezone(ZoneInfo(timezone)).date()
        segment, members = cluster_members(ctx.session, today, segment)
    campaign = Campaign(
        property_id=ctx.property_id,
        name=args.name,
        segment=segment,
        members=members,
        offer=args.offer,
        messages=args.messages(),
        status=CampaignStatus.SCHEDULED if args.scheduled_at else CampaignStatus.DRAFT,
        scheduled_at=args.scheduled_at,
    )
    ctx.session.add(campaign)
    ctx.session.flush()
    info = _info(campaign)
    audit(ctx, "create_campaign", "campaign", campaign.id, None, info.model_dump(mode="json"))
    return info


def find_campaign(ctx: ToolContext, name: str) -> Campaign:
    campaign = ctx.session.scalar(select(Campaign).where(Campaign.name == name))
    if campaign is None:
        raise ToolError(f"No campaign named {name!r}.")
    return campaign


def _info(campaign: Campaign) -> CampaignInfo:
    return CampaignInfo(
        id=campaign.id,
        name=campaign.name,
        segment=campaign.segment or "",
        offer=campaign.offer or "",
        status=campaign.status,
        channels=sorted(campaign.messages),
    )


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"  # an unknown placeholder is shown as written, not an error


def render(messages: dict[str, Any], channel: Channel, guest_name: str | None,
           property_name: str, offer: str) -> str:  # fmt: skip
    """The text this guest gets on ``channel`` (the WhatsApp text is also the template's
    ``text`` variable)."""
    entry = messages.get(channel.value)
    body = entry.get("text") if isinstance(entry, dict) else entry
    if not body and channel is Channel.WHATSAPP:
        body = messages.get(Channel.SMS.value)  # a template-only WhatsApp campaign
    first = (guest_name or "").split(" ")[0] or "there"
    values = _Blank(name=first, property=property_name, offer=offer)
    return str(body or offer).format_map(values)


def property_of(ctx: ToolContext) -> tuple[str, dict[str, Any], str]:
    """(name, policies, timezone) of the context's property."""
    name, policies, timezone = ctx.session.execute(
        select(Property.name, Property.policies, Property.timezone).where(
            Property.id == ctx.property_id
        )
    ).one()
    return str(name), dict(policies or {}), str(timezone)
