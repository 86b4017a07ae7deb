"""Chat with the property's agents as a web visitor: one turn over HTTP, or a WebSocket that
streams each reply and pushes a person's replies when staff have taken the conversation over.

A visitor is known by a random token the widget keeps in the browser (``guests.web_visitor``),
issued by the server on the first connection; the same token on the next page load brings the
conversation and its history back. See api/static/widget.js for the client side.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import secrets
from typing import Annotated, Any

from anyio import to_thread
from fastapi import APIRouter, HTTPException, Path, WebSocket, WebSocketDisconnect
from pydantic import BaseModel, Field
from sqlalchemy import select
from starlette.websockets import WebSocketState

from agents.identity import WEB_VISITOR
from agents.runtime import MAX_MESSAGE_CHARS, TurnRefused
from agents.turn import Turn
from api.deps import ServicesDep, Slug
from api.live import Frame, live_hub
from api.services import Services
from api.turns import reply_pieces, run_turn
from buffr.db.session import UnknownProperty
from channels.ratelimit import check_rate
from domain.conversations import Channel, Conversation, Message
from domain.guests import Guest

router = APIRouter(prefix="/api/v1/properties/{slug}/chat", tags=["chat"])
VISITOR_PATTERN = r"^[A-Za-z0-9_-]{16,64}$"
_VISITOR = re.compile(VISITOR_PATTERN)
HISTORY_LIMIT = 50
CLOSE_UNKNOWN_PROPERTY = 4404


class ChatIn(BaseModel):
    visitor: Annotated[
        str | None, Field(pattern=VISITOR_PATTERN, description="Omit on the first message.")
    ] = None
    text: Annotated[str, Field(min_length=1, max_length=MAX_MESSAGE_CHARS)]


class ChatOut(BaseModel):
    visitor: str
    reply: str
    agent: str
    conversation_id: int | None


@router.post("", summary="Send one message as a web visitor and get the reply")
async def chat_once(slug: Slug, body: ChatIn, services: ServicesDep) -> ChatOut:
    visitor = body.visitor or new_visitor()
    property_id = await to_thread.run_sync(services.db.property_id, slug)
    limited = await to_thread.run_sync(check_rate, services, property_id, _sender(visitor))
    if limited:
        raise HTTPException(429, limited)
    try:
        result = await run_turn(services, _turn(slug, visitor, body.text))
    except TurnRefused as error:
        raise HTTPException(422, str(error)) from error
    return ChatOut(
        visitor=visitor,
        reply=result.reply,
        agent=result.agent,
        conversation_id=result.conversation_id,
    )


@router.websocket("/ws")
async def chat_socket(
    websocket: WebSocket,
    slug: Annotated[str, Path()],
    visitor: str | None = None,
) -> None:
    services: Services = websocket.app.state.services
    try:
        property_id = await to_thread.run_sync(services.db.property_id, slug)
    except UnknownProperty:
        await websocket.close(code=CLOSE_UNKNOWN_PROPERTY, reason="No such property.")
        return
    await websocket.accept()
    session = _Session(websocket, services, slug, property_id, _valid(visitor) or new_visitor())
    try:
        await session.run()
    except WebSocketDisconnect:
        pass
    finally:
        await session.close()


class _Session:
    """One open chat window: its visitor, its conversation's live frames, its sends."""

    def __init__(
        self, ws: WebSocket, services: Services, slug: str, property_id: int, visitor: str
    ) -> None:
        self.ws, self.services, self.slug = ws, services, slug
        self.property_id, self.visitor = property_id, visitor
        self.send_lock = asyncio.Lock()  # the turn's frames and pushed frames interleave
        self.conversation_id: int | None = None
        self.live: asyncio.Queue[Frame] | None = None
        self.forwarder: asyncio.Task[None] | None = None

    async def run(self) -> None:
        conversation_id, history = await to_thread.run_sync(
            load_history, self.services, self.property_id, self.visitor
        )
        await self.send({"type": "session", "visitor": self.visitor, "history": history})
        if conversation_id is not None:
            await self.follow(conversation_id)
        while True:
            raw = await self.ws.receive_text()
            text, turn_id, problem = _parse(raw)
            if problem:
                await self.send({"type": "error", "message": problem, "turn": turn_id})
                continue
            await self.answer(text, turn_id)

    async def answer(self, text: str, turn_id: str) -> None:
        sender = _sender(self.visitor)
        limited = await to_thread.run_sync(check_rate, self.services, self.property_id, sender)
        if limited:
            await self.send({"type": "error", "message": limited, "turn": turn_id})
            return
        await self.send({"type": "typing"})
        try:
            result = await run_turn(self.services, _turn(self.slug, self.visitor, text))
        except TurnRefused as error:
            await self.send({"type": "error", "message": str(error), "turn": turn_id})
            return
        if self.conversation_id is None and result.conversation_id is not None:
            # Listen before replying: a person may answer the moment the guest reads this.
            await self.follow(result.conversation_id)
        for piece in reply_pieces(result.reply):
            await self.send({"type": "delta", "turn": turn_id, "text": piece})
        await self.send(
            {"type": "reply", "turn": turn_id, "text": result.reply, "agent": result.agent}
        )

    async def follow(self, conversation_id: int) -> None:
        """Forward what is published for the conversation (a person's replies)."""
        hub = live_hub(self.services.endpoints.redis_url)
        self.conversation_id = conversation_id
        self.live = await hub.subscribe(conversation_id)
        self.forwarder = asyncio.create_task(self._forward(self.live))

    async def _forward(self, queue: asyncio.Queue[Frame]) -> None:
        while True:
            frame = await queue.get()
            if frame.get("author") == "agent":
                continue  # this session sent the agent's replies itself
            await self.send(frame)

    async def send(self, frame: dict[str, Any]) -> None:
        async with self.send_lock:
            if self.ws.client_state is WebSocketState.CONNECTED:
                await self.ws.send_json(frame)

    async def close(self) -> None:
        if self.forwarder is not None:
            self.forwarder.cancel()
            with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect):
                await self.forwarder
        if self.live is not None and self.conversation_id is not None:
            live_hub(self.services.endpoints.redis_url).unsubscribe(self.conversation_id, self.live)


def new_visitor() -> str:
    return secrets.token_urlsafe(24)  # 32 characters, 192 random bits


def load_history(
    services: Services, property_id: int, visitor: str
) -> tuple[int | None, list[dict[str, Any]]]:
    """The visitor's conversation and its latest messages, oldest first (none: a new visitor;
    nothing is created until they write)."""
    with services.db.tenant(property_id) as session:
        conversation_id = session.scalar(
            select(Conversation.id)
            .join(Guest, Conversation.guest_id == Guest.id)
            .where(Guest.web_visitor == visitor)
        )
        if conversation_id is None:
            return None, []
        rows = session.execute(
            select(Message.id, Message.author, Message.body, Message.created_at)
            .where(Message.conversation_id == conversation_id, Message.body != "")
            .order_by(Message.id.desc())
            .limit(HISTORY_LIMIT)
        ).all()
    history = [
        {"id": r.id, "author": r.author.value, "text": r.body, "at": r.created_at.isoformat()}
        for r in reversed(rows)
    ]
    return conversation_id, history


def _parse(raw: str) -> tuple[str, str, str | None]:
    """(text, client turn id, problem): a frame the widget sends, checked."""
    try:
        frame = json.loads(raw)
    except ValueError:
        return "", "", 'Frames are JSON: {"type": "message", "text": "..."}.'
    if not isinstance(frame, dict) or frame.get("type") != "message":
        return "", "", 'Send {"type": "message", "text": "..."}.'
    turn_id = str(frame.get("id") or "")[:64]
    text = frame.get("text")
    if not isinstance(text, str) or not text.strip():
        return "", turn_id, "The message is empty."
    if len(text) > MAX_MESSAGE_CHARS:
        return "", turn_id, f"Please send at most {MAX_MESSAGE_CHARS:,} characters at a time."
    return text, turn_id, None


def _valid(visitor: str | None) -> str | None:
    return visitor if visitor and _VISITOR.fullmatch(visitor) else None


def _sender(visitor: str) -> str:
    return f"{WEB_VISITOR}{visitor}"


def _turn(slug: str, visitor: str, text: str) -> Turn:
    return Turn(slug, Channel.WEB, _sender(visitor), text)
