"""Conversations in the staff console: the inbox, a thread, and a person taking one over.

While a conversation is in ``handoff`` the agent stays silent and staff reply by hand. A reply
is stored first (outbound, author staff, ``queued``) and committed, then handed to
``channels.outbound.deliver_later``, which gets it to the guest on the conversation's
channel: the message exists before any worker looks for it. Giving the conversation back
uses the same ``release_handoff`` tool as ``buffr handoff release``.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, status
from pydantic import BaseModel, StringConstraints
from sqlalchemy import func, select, true
from sqlalchemy.orm import Session

from api.deps import PropertySession, PropertyStaff, ServicesDep
from api.routes.schemas import (
    MAX_ID,
    PREFIX,
    Limit,
    Offset,
    Page,
    Public,
    audit_write,
    not_found,
    staff_context,
)
from channels import outbound
from domain.conversations import (
    Author,
    Channel,
    Conversation,
    ConversationStatus,
    DeliveryStatus,
    Direction,
    Message,
)
from domain.guests import Guest
from tools.reception import ReleaseArgs, release_handoff

log = logging.getLogger(__name__)
router = APIRouter(prefix=PREFIX, tags=["conversations"])

ConversationId = Annotated[int, Path(ge=1, le=MAX_ID, description="Conversation id.")]
PREVIEW_CHARS = 160
TAKE_OVER_FIRST = "Take the conversation over first: the agent is still answering it."


class GuestContact(BaseModel):
    id: int
    name: str | None
    phone: str | None
    email: str | None
    web_visitor: str | None


class LastMessage(BaseModel):
    preview: str
    author: Author
    direction: Direction
    created_at: datetime


class ConversationPublic(BaseModel):
    id: int
    status: ConversationStatus
    channel: Channel
    agent: str | None
    guest: GuestContact | None
    staff_user_id: int | None  # a staff member's own thread with the agent
    last_message: LastMessage | None
    last_activity_at: datetime
    last_inbound_at: datetime | None
    created_at: datetime


class MessagePublic(Public):
    id: int
    conversation_id: int
    channel: Channel
    direction: Direction
    author: Author
    body: str
    delivery_status: DeliveryStatus
    error: str | None
    created_at: datetime


class Reply(BaseModel):
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]


class StatusChange(BaseModel):
    conversation_id: int
    status: ConversationStatus
    changed: bool
    message: str


@router.get("/conversations", summary="Conversations, most recent activity first")
def list_conversations(
    _: PropertyStaff,
    session: PropertySession,
    status_: Annotated[ConversationStatus | None, Query(alias="status")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[ConversationPublic]:
    last = (
        select(Message.body, Message.author, Message.direction, Message.created_at)
        .where(Message.conversation_id == Conversation.id)
        .order_by(Message.id.desc())
        .limit(1)
        .lateral("last")
    )
    activity = func.coalesce(last.c.created_at, Conversation.updated_at)
    query = select(Conversation, Guest, last, activity.label("activity"))
    query = query.outerjoin(Guest, Guest.id == Conversation.guest_id).outerjoin(last, true())
    counted = select(func.count()).select_from(Conversation)
    if status_ is not None:
        query = query.where(Conversation.status == status_)
        counted = counted.where(Conversation.status == status_)
    rows = session.execute(
        query.order_by(activity.desc(), Conversation.id.desc()).limit(limit).offset(offset)
    ).all()
    total = session.scalar(counted) or 0
    return Page(items=[_summary(row) for row in rows], total=total, limit=limit, offset=offset)


@router.get(
    "/conversations/{conversation_id}/messages",
    summary="The latest messages of a conversation, oldest first",
)
def list_messages(
    conversation_id: ConversationId,
    _: PropertyStaff,
    session: PropertySession,
    after_id: Annotated[int | None, Query(ge=0, le=MAX_ID, description="Only newer ones.")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
) -> list[MessagePublic]:
    if session.get(Conversation, conversation_id) is None:
        raise not_found("conversation", conversation_id)
    query = select(Message).where(Message.conversation_id == conversation_id)
    if after_id is not None:
        query = query.where(Message.id > after_id)
    newest = session.scalars(query.order_by(Message.id.desc()).limit(limit)).all()
    return [MessagePublic.model_validate(m) for m in reversed(newest)]


@router.post(
    "/conversations/{conversation_id}/takeover",
    summary="Take a conversation over: the agent stays silent",
)
def takeover_conversation(
    conversation_id: ConversationId, staff: PropertyStaff, session: PropertySession
) -> StatusChange:
    conversation = _locked(session, conversation_id)
    if conversation.status is ConversationStatus.HANDOFF:
        return StatusChange(
            conversation_id=conversation.id,
            status=conversation.status,
            changed=False,
            message=f"Conversation {conversation.id} is already with staff.",
        )
    before = conversation.status
    conversation.status = ConversationStatus.HANDOFF
    audit_write(
        session,
        staff,
        "takeover_conversation",
        "conversations",
        conversation.id,
        {"status": before.value},
        {"status": ConversationStatus.HANDOFF.value},
    )
    return StatusChange(
        conversation_id=conversation.id,
        status=ConversationStatus.HANDOFF,
        changed=True,
        message=f"You have conversation {conversation.id}; the agent stays silent.",
    )


@router.post(
    "/conversations/{conversation_id}/reply",
    status_code=status.HTTP_201_CREATED,
    summary="Reply as staff to a conversation you have taken over",
)
def reply_to_conversation(
    conversation_id: ConversationId,
    body: Reply,
    staff: PropertyStaff,
    session: PropertySession,
    services: ServicesDep,
) -> MessagePublic:
    conversation = _locked(session, conversation_id)
    if conversation.status is not ConversationStatus.HANDOFF:
        raise HTTPException(status.HTTP_409_CONFLICT, TAKE_OVER_FIRST)
    message = Message(
        property_id=staff.property_id,
        conversation_id=conversation.id,
        channel=conversation.last_channel,
        direction=Direction.OUTBOUND,
        author=Author.STAFF,
        body=body.text,
        delivery_status=DeliveryStatus.QUEUED,
    )
    session.add(message)
    session.flush()
    audit_write(
        session,
        staff,
        "reply_to_conversation",
        "messages",
        message.id,
        None,
        {"conversation_id": conversation.id, "channel": message.channel.value},
    )
    session.commit()  # before delivery: the delivery job reads the stored message
    try:
        outbound.deliver_later(services, staff.property_id, message.id, staff.name)
    except Exception as error:  # the reply is kept; say it did not go
        log.exception("queueing message %s for delivery failed", message.id)
        message.delivery_status = DeliveryStatus.FAILED
        message.error = f"could not be queued: {type(error).__name__}"
        session.commit()
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            "The reply is saved but could not be queued for delivery; it is marked failed.",
        ) from error
    session.refresh(message)  # the worker may already have moved it on
    return MessagePublic.model_validate(message)


@router.post(
    "/conversations/{conversation_id}/release",
    summary="Give a conversation back to the agent",
)
def release_conversation(
    conversation_id: ConversationId, staff: PropertyStaff, session: PropertySession
) -> StatusChange:
    _locked(session, conversation_id)  # 404 before the tool's chat wording
    result = release_handoff(
        staff_context(session, staff), ReleaseArgs(conversation_id=conversation_id)
    )
    return StatusChange.model_validate(result.model_dump())


def _locked(session: Session, conversation_id: int) -> Conversation:
    """The conversation, locked: a takeover, a reply and a release must not interleave."""
    conversation = session.scalars(
        select(Conversation)
        .where(Conversation.id == conversation_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if conversation is None:
        raise not_found("conversation", conversation_id)
    return conversation


def _summary(row: Any) -> ConversationPublic:
    conversation: Conversation = row.Conversation
    guest: Guest | None = row.Guest
    last = None
    if row.body is not None:
        body: str = row.body
        last = LastMessage(
            preview=body if len(body) <= PREVIEW_CHARS else body[: PREVIEW_CHARS - 1] + "…",
            author=row.author,
            direction=row.direction,
            created_at=row.created_at,
        )
    return ConversationPublic(
        id=conversation.id,
        status=conversation.status,
        channel=conversation.last_channel,
        agent=conversation.agent,
        guest=None
        if guest is None
        else GuestContact(
            id=guest.id,
            name=guest.name,
            phone=guest.phone,
            email=guest.email,
            web_visitor=guest.web_visitor,
        ),
        staff_user_id=conversation.staff_user_id,
        last_message=last,
        last_activity_at=row.activity,
        last_inbound_at=conversation.last_inbound_at,
        created_at=conversation.created_at,
    )
