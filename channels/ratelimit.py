"""Rate limits per sender and per property: a sliding one-minute window in Redis.

Each counted message is a member of a sorted set scored by its time; members older than the
window are dropped and the rest counted, in one MULTI round trip. A sliding window has no
boundary at which a sender gets twice the limit, and a test never straddles a reset.
"""

from __future__ import annotations

import time
import uuid
from typing import TYPE_CHECKING

from channels import templates
from channels.context import key
from channels.optout import language_of

if TYPE_CHECKING:
    from api.services import Services

WINDOW_SECONDS = 60


def check_rate(services: Services, property_id: int, sender: str, text: str = "") -> str | None:
    """Count one message of ``sender`` to the property; the polite refusal when either limit
    (``sender_rate_limit`` or ``property_rate_limit`` a minute) is exceeded, else None."""
    settings = services.settings
    now = time.time()
    member = f"{now:.6f}:{uuid.uuid4().hex[:8]}"
    sender_key = key(services, "rate", "sender", property_id, sender)
    property_key = key(services, "rate", "property", property_id)
    pipe = services.redis.pipeline(transaction=True)
    for name in (sender_key, property_key):
        pipe.zremrangebyscore(name, 0, now - WINDOW_SECONDS)
        pipe.zadd(name, {member: now})
        pipe.zcard(name)
        pipe.expire(name, WINDOW_SECONDS + 5)
    results = pipe.execute()
    sender_count, property_count = int(results[2]), int(results[6])
    language = language_of(text)
    if sender_count > settings.sender_rate_limit:
        return templates.text("sender_limit", language)
    if property_count > settings.property_rate_limit:
        return templates.text("property_limit", language)
    return None


def first_notice(services: Services, property_id: int, sender: str) -> bool:
    """True once per window for a limited sender: whether to tell them (the rest are dropped
    silently, so a flood is not answered with a flood)."""
    claimed = services.redis.set(
        key(services, "rate", "notice", property_id, sender), "1", nx=True, ex=WINDOW_SECONDS
    )
    return bool(claimed)
