"""Handing a conversation to a person, and giving it back to the agent.

While a conversation is in ``HANDOFF`` a person has it and the agent stays silent. Handing
over is idempotent: the conversation row is locked, and a conversation already with staff is
left as it is, with no second notification, however often the guest asks.
"""

from __future__ import annotations

from pydantic import BaseModel, Field
from sqlalchemy import select

from domain.conversations import Conversation, ConversationStatus
from domain.ops import NotificationKind
from tools.base import ToolContext, ToolError, audit, require_staff
from tools.reception.context import guest_label, notify_staff


class HandoffArgs(BaseModel):
    reason: str = Field(
        min_length=2, max_length=500, description="What the guest needs, in a sentence."
    )


class HandoffResult(BaseModel):
    conversation_id: int
    status: ConversationStatus
    already_with_staff: bool
    message: str


class ReleaseArgs(BaseModel):
    conversation_id: int


class ReleaseResult(BaseModel):
    conversation_id: int
    status: ConversationStatus
    changed: bool
    message: str


def handoff_to_staff(ctx: ToolContext, args: HandoffArgs) -> HandoffResult:
    """Pass this conversation to a person: staff are notified with the reason, and the agent
    stays silent until they hand it back. Use when the guest asks for a person, or for what
    the tools refuse (late changes, groups, complaints)."""
    conversation = _conversation(ctx, ctx.conversation_id)
    if conversation.status is ConversationStatus.HANDOFF:
        return HandoffResult(
            conversation_id=conversation.id,
            status=conversation.status,
            already_with_staff=True,
            message="Our team already has this conversation and will reply here soon.",
        )
    before = conversation.status
    conversation.status = ConversationStatus.HANDOFF
    who = (
        guest_label(ctx, conversation.guest_id)
        if conversation.guest_id is not None
        else ctx.actor.label
    )
    reason = args.reason.strip()
    notify_staff(
        ctx,
        NotificationKind.HANDOFF,
        f"A guest needs a person: {who}"[:200],
        f"{who} via {conversation.last_channel.value}: {reason}",
        {
            "conversation_id": conversation.id,
            "guest_id": conversation.guest_id,
            "reason": reason,
            "channel": conversation.last_channel.value,
        },
    )
    audit(
        ctx,
        "handoff_to_staff",
        "conversations",
        conversation.id,
        {"status": before.value},
        {"status": ConversationStatus.HANDOFF.value, "reason": reason},
    )
    return HandoffResult(
        conversation_id=conversation.id,
        status=ConversationStatus.HANDOFF,
        already_with_staff=False,
        message="I've passed this to our team; a person will reply here soon.",
    )


def release_handoff(ctx: ToolContext, args: ReleaseArgs) -> ReleaseResult:
    """Staff only: give a handed-off conversation back to the agent."""
    require_staff(ctx)
    conversation = _conversation(ctx, args.conversation_id)
    if conversation.status is not ConversationStatus.HANDOFF:
        return ReleaseResult(
            conversation_id=conversation.id,
            status=conversation.status,
            changed=False,
            message=f"Conversation {conversation.id} is not with staff ({conversation.status}).",
        )
    conversation.status = ConversationStatus.OPEN
    audit(
        ctx,
        "release_handoff",
        "conversations",
        conversation.id,
        {"status": ConversationStatus.HANDOFF.value},
        {"status": ConversationStatus.OPEN.value},
    )
    return ReleaseResult(
        conversation_id=conversation.id,
        status=ConversationStatus.OPEN,
        changed=True,
        message=f"Conversation {conversation.id} is back with the agent.",
    )


def _conversation(ctx: ToolContext, conversation_id: int | None) -> Conversation:
    """The conversation, locked so two hand-offs cannot both notify."""
    if conversation_id is None:
        raise ToolError("There is no conversation to hand over: please call the front desk.")
    conversation = ctx.session.scalars(
        select(Conversation)
        .where(Conversation.id == conversation_id)
        .with_for_update()
        .execution_options(populate_existing=True)  # the locked row, not a stale copy
    ).first()
    if conversation is None:
        raise ToolError(f"There is no conversation {conversation_id} at this property.")
    return conversation
