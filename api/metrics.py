"""Prometheus metrics: turns, latency per stage, tool calls, errors per channel, requests.

With several worker processes (``buffr serve --workers N``) each process counts on its own;
``PROMETHEUS_MULTIPROC_DIR`` (set by ``buffr serve``) makes /metrics add them up.
"""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)

TURNS = Counter("buffr_turns_total", "Turns handled.", ["channel", "agent"])
TURN_ERRORS = Counter("buffr_turn_errors_total", "Turns that failed.", ["channel"])
STAGE_SECONDS = Histogram(
    "buffr_turn_stage_seconds",
    "Time per stage of a turn: wait (for a free slot), turn (identify, agents, store), "
    "deliver (reply handed to the channel).",
    ["channel", "stage"],
    buckets=LATENCY_BUCKETS,
)
TOOL_CALLS = Counter("buffr_tool_calls_total", "Tool calls made by agents.", ["tool"])
REQUESTS = Counter("buffr_http_requests_total", "HTTP requests.", ["method", "route", "status"])
ACTIVE_CALLS = Gauge("buffr_active_calls", "Phone calls in progress.", multiprocess_mode="livesum")
CALL_TASKS_LEFT = Counter(
    "buffr_call_tasks_left_total",
    "Tasks of a call still running after the call ended (should stay 0: a leak).",
)
WEBHOOKS = Counter(
    "buffr_webhooks_total", "Inbound channel webhooks by outcome.", ["channel", "outcome"]
)


def render() -> tuple[bytes, str]:
    """The metrics page: this process's, or every process's under multiprocess mode."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(), CONTENT_TYPE_LATEST
