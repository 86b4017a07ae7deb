"""Twilio SMS and WhatsApp webhooks.

``POST /channels/twilio/{slug}/sms`` and ``.../whatsapp`` take a guest's message, ``.../status``
Twilio's delivery reports. Each request is checked in this order: Twilio configured (else
503), signed by Twilio (``X-Twilio-Signature``, else 403), the property exists (else 404), the
form is complete (else 400). An inbound message is then claimed by its MessageSid in Redis
(``SET NX``, 24 h) so Twilio's retries and concurrent deliveries are handled once, counted
against the rate limits, and queued for the worker; Twilio gets an empty TwiML answer at once,
so a slow model never runs into its 15-second timeout. The reply goes out through the REST API.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import anyio
from fastapi import APIRouter, HTTPException, Request, Response, status
from starlette.datastructures import FormData

from agents.identity import BadSender, normalise_sender
from api.deps import ServicesDep
from api.services import Services
from channels import ratelimit
from channels.context import key
from channels.delivery import apply_status
from channels.queue import HANDLE_INBOUND, enqueue
from channels.signature import SIGNATURE_HEADER, is_valid, signed_url
from channels.templates import WHATSAPP_PREFIX
from domain.conversations import Channel

log = logging.getLogger(__name__)

router = APIRouter(prefix="/channels/twilio", tags=["channels"])

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
CLAIM_SECONDS = 24 * 3600
MAX_SID_CHARS = 64


def _twiml() -> Response:
    return Response(EMPTY_TWIML, media_type="text/xml")


async def signed_form(request: Request, services: Services) -> dict[str, str]:
    """The request's form once it is known to come from Twilio."""
    settings = services.settings
    if not settings.twilio_account_sid or settings.twilio_auth_token is None:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            "Twilio is not configured on this server (BUFFR_TWILIO_ACCOUNT_SID and "
            "BUFFR_TWILIO_AUTH_TOKEN): webhooks are refused.",
        )
    try:
        form: FormData = await request.form()
    except Exception as error:  # a malformed body is the client's fault, never a 5xx
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "The body is not a valid form.") from error
    params = {name: value for name, value in form.items() if isinstance(value, str)}
    signature = request.headers.get(SIGNATURE_HEADER, "")
    if not is_valid(settings, signed_url(settings, request), params, signature):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "Invalid Twilio signature.")
    return params


def twilio_field(params: Mapping[str, str], *names: str, required: bool = True) -> str:
    for name in names:
        value = params.get(name, "").strip()
        if value:
            return value
    if required:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, f"The form has no {names[0]}.")
    return ""


def _property_id(services: Services, slug: str) -> int:
    return services.db.property_id(slug)  # UnknownProperty → 404 (api.errors)


async def _inbound(request: Request, services: Services, slug: str, channel: Channel) -> Response:
    params = await signed_form(request, services)
    property_id = await anyio.to_thread.run_sync(_property_id, services, slug)
    sid = twilio_field(params, "MessageSid", "SmsMessageSid", "SmsSid")
    if len(sid) > MAX_SID_CHARS:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "The MessageSid is too long.")
    raw_sender = twilio_field(params, "From").removeprefix(WHATSAPP_PREFIX)
    try:
        sender = normalise_sender(raw_sender)
    except BadSender as error:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(error)) from error
    if "@" in sender or sender.startswith("web:"):
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "From is not a phone number.")
    media = twilio_field(params, "NumMedia", required=False) or "0"
    if not media.isdigit():
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "NumMedia is not a number.")
    payload: dict[str, Any] = {
        "slug": slug,
        "channel": channel.value,
        "sender": sender,
        "text": params.get("Body", ""),
        "sid": sid,
        "num_media": int(media),
    }
    await anyio.to_thread.run_sync(_accept, services, property_id, payload)
    return _twiml()


def _accept(services: Services, property_id: int, payload: dict[str, Any]) -> None:
    """Claim the MessageSid, count it, queue it (or drop a flood's surplus)."""
    claim = key(services, "twilio-sid", property_id, payload["channel"], payload["sid"])
    if not services.redis.set(claim, "1", nx=True, ex=CLAIM_SECONDS):
        log.info("MessageSid %s already taken: a Twilio retry", payload["sid"])
        return
    try:
        limited = ratelimit.check_rate(services, property_id, payload["sender"], payload["text"])
        if limited is not None:
            if not ratelimit.first_notice(services, property_id, payload["sender"]):
                return  # told once this window already
            payload["notice"] = limited
        enqueue(services, HANDLE_INBOUND, property_id, payload)
    except Exception:
        services.redis.delete(claim)  # let Twilio's retry try again
        raise


@router.post("/{slug}/sms", summary="Twilio's inbound SMS webhook")
async def inbound_sms(request: Request, slug: str, services: ServicesDep) -> Response:
    return await _inbound(request, services, slug, Channel.SMS)


@router.post("/{slug}/whatsapp", summary="Twilio's inbound WhatsApp webhook")
async def inbound_whatsapp(request: Request, slug: str, services: ServicesDep) -> Response:
    return await _inbound(request, services, slug, Channel.WHATSAPP)


@router.post("/{slug}/status", summary="Twilio's message status callback")
async def status_callback(request: Request, slug: str, services: ServicesDep) -> Response:
    params = await signed_form(request, services)
    property_id = await anyio.to_thread.run_sync(_property_id, services, slug)
    sid = twilio_field(params, "MessageSid", "SmsSid")
    message_status = twilio_field(params, "MessageStatus", "SmsStatus")
    error = params.get("ErrorCode") or None
    await anyio.to_thread.run_sync(apply_status, services, property_id, sid, message_status, error)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
