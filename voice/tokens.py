"""The per-call stream token: the only thing the media socket trusts.

The voice webhook (signed by Twilio) issues a random token and keeps what it vouches for in
Redis: the property, the CallSid and the caller's number. The TwiML hands the token to Twilio as
a stream parameter; the socket redeems it once (``GETDEL``) and takes the caller from Redis,
never from the socket's own messages, so a forged or replayed stream gets nothing.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

from channels.context import key

if TYPE_CHECKING:
    from api.services import Services

TOKEN_SECONDS = 120  # Twilio opens the stream within a second or two of the webhook's answer
MAX_TOKEN_CHARS = 64


@dataclass(frozen=True)
class CallGrant:
    property_id: int
    slug: str
    call_sid: str
    caller: str


def issue_token(services: Services, grant: CallGrant) -> str:
    token = secrets.token_urlsafe(32)
    value = json.dumps(
        {
            "property_id": grant.property_id,
            "slug": grant.slug,
            "call_sid": grant.call_sid,
            "caller": grant.caller,
        }
    )
    services.redis.set(key(services, "voice-token", token), value, ex=TOKEN_SECONDS)
    return token


def redeem_token(services: Services, token: str) -> CallGrant | None:
    """The grant behind ``token``, once; None for an unknown, expired or used token."""
    if not token or len(token) > MAX_TOKEN_CHARS:
        return None
    raw = services.redis.getdel(key(services, "voice-token", token))
    if raw is None:
        return None
    data = json.loads(raw)
    return CallGrant(int(data["property_id"]), data["slug"], data["call_sid"], data["caller"])
