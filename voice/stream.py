"""Twilio's voice webhook and the Media Stream socket.

``POST /channels/twilio/{slug}/voice`` (signed by Twilio like the messaging webhooks) answers a
call with TwiML that connects a bidirectional Media Stream to
``/channels/twilio/{slug}/voice/stream``, passing a one-time token as a stream parameter.
The socket redeems the token before anything else and takes the property, CallSid and caller
from it; a stream without a valid token is closed with 1008 (policy violation).
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
from collections.abc import AsyncIterator
from typing import Any

import anyio
from fastapi import APIRouter, HTTPException, Request, Response, WebSocket, status
from starlette.websockets import WebSocketDisconnect, WebSocketState
from twilio.twiml.voice_response import Connect, VoiceResponse  # type: ignore[import-untyped]

from agents.identity import BadSender, normalise_sender
from api import metrics
from api.deps import ServicesDep
from api.services import Services
from channels.webhooks import signed_form, twilio_field
from voice import calls
from voice.call import CallSession
from voice.models import voice_models
from voice.tokens import CallGrant, issue_token, redeem_token

log = logging.getLogger(__name__)

router = APIRouter(prefix="/channels/twilio", tags=["voice"])
CALL_SID = re.compile(r"^CA[0-9a-zA-Z]{32}$")
POLICY_VIOLATION = 1008
UNSUPPORTED_DATA = 1003
PHONE_FORMAT = {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1}


@router.post("/{slug}/voice", summary="Twilio's incoming call webhook")
async def incoming_call(request: Request, slug: str, services: ServicesDep) -> Response:
    params = await signed_form(request, services)
    property_id = await anyio.to_thread.run_sync(services.db.property_id, slug)
    call_sid = twilio_field(params, "CallSid")
    if not CALL_SID.match(call_sid):
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "CallSid is not a Twilio call SID.")
    reply = VoiceResponse()
    try:
        caller = normalise_sender(twilio_field(params, "From"))
    except BadSender:
        caller = ""
    if not caller.startswith("+"):
        # A withheld number cannot be a guest we can answer (or call back).
        reply.say(
            "Sorry, we cannot take calls from withheld numbers. Please call again with your "
            "number shown, or write to us on WhatsApp. Goodbye."
        )
        reply.hangup()
        return _twiml(reply)
    grant = CallGrant(property_id, slug, call_sid, caller)
    token = await anyio.to_thread.run_sync(issue_token, services, grant)
    connect = Connect()
    stream = connect.stream(url=stream_url(services, request, slug))
    stream.parameter(name="token", value=token)
    reply.append(connect)
    return _twiml(reply)


def stream_url(services: Services, request: Request, slug: str) -> str:
    """The socket's wss:// URL, on the public host Twilio reached (``BUFFR_PUBLIC_URL``)."""
    base = services.settings.public_url or str(request.base_url)
    base = re.sub(r"^http", "ws", base.rstrip("/"))
    return f"{base}/channels/twilio/{slug}/voice/stream"


def _twiml(reply: VoiceResponse) -> Response:
    return Response(str(reply), media_type="text/xml")


@router.websocket("/{slug}/voice/stream")
async def media_stream(websocket: WebSocket, slug: str) -> None:
    services: Services = websocket.app.state.services
    config = services.voice_config
    await websocket.accept()
    try:
        with anyio.fail_after(config.start_timeout_s):
            start = await _start_message(websocket)
        grant = await _grant(services, slug, start)
        if grant is None:
            await websocket.close(POLICY_VIOLATION, "Invalid stream token.")
            return
        stream_sid = str(start.get("streamSid") or "")
        media_format = (start.get("start") or {}).get("mediaFormat") or {}
        if not _phone_format(media_format) or not stream_sid:
            log.warning("call %s: unsupported media format %s", grant.call_sid, media_format)
            await _refuse_format(services, grant)
            await websocket.close(UNSUPPORTED_DATA, "Only 8 kHz mono mu-law is supported.")
            return
        models = await anyio.to_thread.run_sync(voice_models, services.settings)

        async def send(message: dict[str, Any]) -> None:
            if websocket.client_state is WebSocketState.CONNECTED:
                await websocket.send_text(json.dumps(message))

        session = CallSession(services, models, grant, stream_sid, send, config)
        metrics.ACTIVE_CALLS.inc()
        try:
            await session.run(_messages(websocket))
        finally:
            metrics.ACTIVE_CALLS.dec()
    except TimeoutError:
        await websocket.close(POLICY_VIOLATION, "No start message.")
        return
    except WebSocketDisconnect:
        return
    if websocket.client_state is WebSocketState.CONNECTED:
        # Closing the stream ends <Connect>; with no TwiML after it, Twilio hangs up.
        with contextlib.suppress(WebSocketDisconnect, RuntimeError):  # gone meanwhile
            await websocket.close()


async def _start_message(websocket: WebSocket) -> dict[str, Any]:
    """Skip ``connected``; the first other message must be ``start``."""
    while True:
        message = _parse(await websocket.receive_text())
        if message.get("event") != "connected":
            return message


async def _grant(services: Services, slug: str, start: dict[str, Any]) -> CallGrant | None:
    if start.get("event") != "start" or not isinstance(start.get("start"), dict):
        return None
    details = start["start"]
    parameters = details.get("customParameters") or {}
    token = parameters.get("token") if isinstance(parameters, dict) else None
    grant = await anyio.to_thread.run_sync(redeem_token, services, str(token or ""))
    if grant is None or grant.slug != slug or details.get("callSid") != grant.call_sid:
        log.warning("media stream for %s refused: bad token", slug)
        return None
    return grant


def _phone_format(media_format: Any) -> bool:
    if not isinstance(media_format, dict):
        return False
    return all(media_format.get(name) == value for name, value in PHONE_FORMAT.items())


async def _refuse_format(services: Services, grant: CallGrant) -> None:
    """Keep a record of the call (and the caller's conversation) even when it cannot be heard."""

    def record() -> None:
        opened = calls.open_call(
            services.db, grant.property_id, grant.call_sid, grant.caller, greet=False
        )
        calls.end_call(services.db, grant.property_id, opened.call_id, "bad_media_format")

    await anyio.to_thread.run_sync(record)


async def _messages(websocket: WebSocket) -> AsyncIterator[dict[str, Any]]:
    """Twilio's messages, parsed; a malformed one comes through as ``{"event": "invalid"}``."""
    try:
        while True:
            yield _parse(await websocket.receive_text())
    except WebSocketDisconnect:
        return


def _parse(raw: str) -> dict[str, Any]:
    try:
        message = json.loads(raw)
    except ValueError:
        return {"event": "invalid"}
    return message if isinstance(message, dict) else {"event": "invalid"}
