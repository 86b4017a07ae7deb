"""The WebSocket half of ``buffr bench load``: many web chat sessions at once, as the widget
talks (see ``api.routes.chat``): wait for the ``session`` frame, then per message send
``{"type": "message", "id", "text"}`` and wait for that turn's ``reply`` frame, timing the first
``delta`` and the ``reply``. A guest thinks (reads, types) before every message, the first too.
The server's own view of the same turns comes from its /metrics (``buffr_turn_stage_seconds``).
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import WebSocketException

# Small talk a guest might send. Statements, not questions: the receptionist hands them to the
# model and its words are the reply (a question answered in the model's own words is answered
# from the documents instead, see ``agents.reception.node``). No sales words, and no yes or no
# first word that would answer a pending question.
MESSAGES = (
    "hello, we are looking forward to our stay",
    "thanks for the quick answer",
    "good morning from Berlin",
    "we loved the hotel last summer",
    "just wanted to say hi before we arrive",
    "my partner says hello too",
)
CHAT_PATH = "/api/v1/properties/{slug}/chat/ws"


class BenchError(RuntimeError):
    """The benchmark could not run (the message says why)."""


@dataclass
class TurnTiming:
    latency_ms: float  # send → reply frame
    first_delta_ms: float | None  # send → first delta frame of the turn
    reply: str
    agent: str
    number: int = 0  # the session's message: 0 first


@dataclass
class ChatResults:
    sessions: int = 0
    connected: int = 0
    turns_sent: int = 0
    timings: list[TurnTiming] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    first_error: str | None = None
    started: float = 0.0
    finished: float = 0.0

    def error(self, kind: str, detail: str) -> None:
        self.errors[kind] += 1
        if self.first_error is None:
            self.first_error = f"{kind}: {detail}"[:300]


@dataclass(frozen=True)
class Cadence:
    sessions: int
    messages: int
    think_s: tuple[float, float]
    ramp_s: float
    reply_timeout_s: float
    seed: int = 0


class _TurnFailed(Exception):
    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(detail)
        self.kind = kind


async def _frame(ws: ClientConnection, timeout_s: float) -> dict[str, Any]:
    async with asyncio.timeout(timeout_s):
        raw = await ws.recv()
    frame = json.loads(raw)
    if not isinstance(frame, dict):
        raise _TurnFailed("protocol", f"a frame that is not an object: {raw!r:.80}")
    return frame


async def _turn(
    ws: ClientConnection, turn_id: str, number: int, text: str, timeout_s: float
) -> TurnTiming:
    sent = time.perf_counter()
    await ws.send(json.dumps({"type": "message", "id": turn_id, "text": text}))
    deadline = sent + timeout_s
    first_delta: float | None = None
    while True:
        remaining = deadline - time.perf_counter()
        if remaining <= 0:
            raise TimeoutError
        frame = await _frame(ws, remaining)
        kind, now = frame.get("type"), time.perf_counter()
        if kind == "error":
            raise _TurnFailed("error frame", str(frame.get("message")))
        if frame.get("turn") != turn_id:
            continue  # typing, or a pushed frame
        if kind == "delta" and first_delta is None:
            first_delta = (now - sent) * 1000
        elif kind == "reply":
            return TurnTiming(
                (now - sent) * 1000,
                first_delta,
                str(frame.get("text", "")),
                str(frame.get("agent", "")),
                number,
            )


async def _session(
    url: str, index: int, cadence: Cadence, results: ChatResults, start_at: float
) -> None:
    rng = random.Random(cadence.seed * 1_000_003 + index)
    await asyncio.sleep(max(0.0, start_at - time.perf_counter()))
    try:
        async with connect(
            url, open_timeout=cadence.reply_timeout_s, proxy=None, ping_interval=None
        ) as ws:
            first = await _frame(ws, cadence.reply_timeout_s)
            if first.get("type") != "session" or not first.get("visitor"):
                raise _TurnFailed("protocol", f"first frame {first!r:.120}")
            results.connected += 1
            for number in range(cadence.messages):
                await asyncio.sleep(rng.uniform(*cadence.think_s))
                text = MESSAGES[(index + number) % len(MESSAGES)]
                results.turns_sent += 1
                results.timings.append(
                    await _turn(ws, f"s{index}m{number}", number, text, cadence.reply_timeout_s)
                )
    except _TurnFailed as failed:
        results.error(failed.kind, str(failed))
    except TimeoutError:
        results.error("timeout", f"no reply within {cadence.reply_timeout_s:.0f} s")
    except (OSError, WebSocketException) as error:
        results.error("connection", f"{type(error).__name__}: {error}")


async def run_sessions(base_ws_url: str, slug: str, cadence: Cadence) -> ChatResults:
    """``cadence.sessions`` sessions, opened evenly over ``cadence.ramp_s`` seconds."""
    url = base_ws_url + CHAT_PATH.format(slug=slug)
    results = ChatResults(sessions=cadence.sessions)
    results.started = time.perf_counter()
    step = cadence.ramp_s / max(1, cadence.sessions)
    await asyncio.gather(
        *(
            _session(url, i, cadence, results, results.started + i * step)
            for i in range(cadence.sessions)
        )
    )
    results.finished = time.perf_counter()
    return results


# -- the server's own view ----------------------------------------------------------------
Buckets = dict[tuple[str, float], float]  # (stage, le) → cumulative count
STAGE_METRIC = "buffr_turn_stage_seconds"


def stage_buckets(base_url: str) -> tuple[Buckets, dict[str, float]]:
    """The web channel's turn-stage histogram from /metrics: buckets and sums per stage."""
    text = httpx.get(base_url + "/metrics", trust_env=False, timeout=10).text
    buckets: Buckets = {}
    sums: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        if family.name != STAGE_METRIC:
            continue
        for sample in family.samples:
            if sample.labels.get("channel") != "web":
                continue
            stage = sample.labels.get("stage", "")
            if sample.name.endswith("_bucket"):
                buckets[(stage, float(sample.labels["le"]))] = sample.value
            elif sample.name.endswith("_sum"):
                sums[stage] = sample.value
    return buckets, sums


def server_view(
    before: tuple[Buckets, dict[str, float]], after: tuple[Buckets, dict[str, float]]
) -> dict[str, dict[str, float]]:
    """Per stage (wait for a turn slot; the turn itself), over the chat phase only, in ms:
    count, mean, and the upper bound of the histogram bucket holding the 95th percentile (the
    buckets are too coarse to interpolate honestly)."""
    view: dict[str, dict[str, float]] = {}
    for stage in sorted({s for s, _ in after[0]}):
        edges = sorted(le for s, le in after[0] if s == stage)
        cumulative = [after[0][(stage, le)] - before[0].get((stage, le), 0.0) for le in edges]
        count = cumulative[-1] if cumulative else 0.0
        if count <= 0:
            continue
        total = after[1].get(stage, 0.0) - before[1].get(stage, 0.0)
        p95_le = next(le for le, cum in zip(edges, cumulative, strict=True) if cum >= 0.95 * count)
        view[stage] = {"count": count, "mean": total / count * 1000, "p95_le": p95_le * 1000}
    return view
