"""Shared by the channel tests: services wired to a recording Twilio, a real in-process
worker, and requests signed the way Twilio signs them."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx2
from fastapi.testclient import TestClient
from sqlalchemy import select

from agents.llm.fake import InstantChatModel
from api.services import Services
from buffr.db.session import Database
from channels.queue import RetryPolicy
from channels.signature import sign
from channels.worker import WorkerHandle, start_embedded_worker
from domain.conversations import Direction, Message
from tests.api_support import api_client, api_services
from tests.twilio_recorder import TwilioRecorder

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "test-auth-token-0123456789abcdef"
SMS_FROM = "+15005550006"
WHATSAPP_FROM = "whatsapp:+14155238886"
PUBLIC_URL = "http://testserver"
REPLY = "Happy to help with that!"
FAST_RETRIES = RetryPolicy(max_retries=2, min_backoff_ms=20, max_backoff_ms=100)


def channel_services(db: Database, recorder: TwilioRecorder, **settings: Any) -> Services:
    config: dict[str, Any] = {
        "twilio_account_sid": ACCOUNT_SID,
        "twilio_auth_token": AUTH_TOKEN,
        "twilio_api_base": recorder.url,
        "twilio_sms_from": SMS_FROM,
        "twilio_whatsapp_from": WHATSAPP_FROM,
        "public_url": PUBLIC_URL,
    }
    config.update(settings)
    return api_services(db, chat_model=lambda: InstantChatModel(reply=REPLY), **config)


@contextmanager
def running_worker(services: Services) -> Iterator[WorkerHandle]:
    handle = start_embedded_worker(services, threads=4, retry=FAST_RETRIES, sweep_seconds=None)
    try:
        yield handle
    finally:
        handle.stop()


def new_phone() -> str:
    """A fresh UK mobile number in the range Ofcom keeps for drama (+447700900000-999)."""
    return f"+4477009{uuid.uuid4().int % 100000:05d}"


def new_sid() -> str:
    return f"SM{uuid.uuid4().hex}"


def signed_post(
    client: TestClient,
    path: str,
    params: dict[str, str],
    token: str = AUTH_TOKEN,
    signature: str | None = None,
) -> httpx2.Response:
    signature = signature if signature is not None else sign(token, PUBLIC_URL + path, params)
    return client.post(path, data=params, headers={"X-Twilio-Signature": signature})


def inbound(
    client: TestClient,
    sender: str,
    body: str,
    *,
    channel: str = "sms",
    sid: str | None = None,
    slug: str = "demo",
    **extra: str,
) -> httpx2.Response:
    """Post a message as Twilio would; returns the response."""
    address = f"whatsapp:{sender}" if channel == "whatsapp" else sender
    to = WHATSAPP_FROM if channel == "whatsapp" else SMS_FROM
    params = {
        "MessageSid": sid or new_sid(),
        "AccountSid": ACCOUNT_SID,
        "From": address,
        "To": to,
        "Body": body,
        "NumMedia": "0",
        **extra,
    }
    return signed_post(client, f"/channels/twilio/{slug}/{channel}", params)


def messages(services: Services, property_id: int, **where: Any) -> list[Message]:
    with services.db.tenant(property_id) as session:
        query = select(Message).order_by(Message.id)
        for name, value in where.items():
            query = query.where(getattr(Message, name) == value)
        return list(session.scalars(query))


def inbound_rows(services: Services, property_id: int, sid: str) -> list[Message]:
    return messages(services, property_id, external_id=sid, direction=Direction.INBOUND)


__all__ = ["api_client"]
