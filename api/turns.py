"""Running one turn from an async route: in a worker thread, within the turn slots, counted.

The runtime is synchronous (a turn is one Postgres transaction, and the local model blocks),
so turns run in threads; ``Services.turn_slots`` caps how many at once to what the
connection pool holds, and the time spent waiting for a slot is its own metric stage.
"""

from __future__ import annotations

import re
import time

from anyio import to_thread

from agents.turn import Turn, TurnResult
from api import metrics
from api.services import Services
from channels.outbound import notify_later

_PIECE = re.compile(r"\S+\s*")


async def run_turn(services: Services, turn: Turn) -> TurnResult:
    queued = time.perf_counter()
    started: list[float] = []

    def work() -> TurnResult:
        started.append(time.perf_counter())
        return services.runtime.handle(turn)

    channel = turn.channel.value
    try:
        result = await to_thread.run_sync(work, limiter=services.turn_slots)
    except Exception:
        metrics.TURN_ERRORS.labels(channel).inc()
        raise
    finished = time.perf_counter()
    wait = (started[0] if started else finished) - queued
    metrics.STAGE_SECONDS.labels(channel, "wait").observe(wait)
    metrics.STAGE_SECONDS.labels(channel, "turn").observe(finished - queued - wait)
    metrics.TURNS.labels(channel, result.agent or "none").inc()
    for action in result.actions:
        metrics.TOOL_CALLS.labels(str(action.get("tool", "unknown"))).inc()
    result.timings_ms.update(wait=wait * 1000, turn=(finished - queued - wait) * 1000)
    if result.actions:
        # A write may have raised a staff notification (low stock, a booking, a handoff):
        # the worker sends whatever is pending, so one cheap enqueue covers them all.
        await to_thread.run_sync(notify_later, services, property_id_of(services, turn))
    return result


def property_id_of(services: Services, turn: Turn) -> int:
    return services.db.property_id(turn.property_slug)  # cached


def reply_pieces(reply: str, words: int = 3) -> list[str]:
    """The reply in pieces of a few words (with their spacing), as the stream sends it."""
    parts = _PIECE.findall(reply)
    return ["".join(parts[i : i + words]) for i in range(0, len(parts), words)]
