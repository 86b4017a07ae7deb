"""`buffr bench load` in miniature: a real uvicorn server process on a scratch database, a few
WebSocket sessions to the fake model with a latency, signed webhooks; every figure present and
sane, and nothing left behind (the scratch database, the Redis keys, the server)."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest
import redis

from buffr.bench import load
from buffr.bench.load_ws import server_view
from buffr.services.resolve import Endpoints

MODEL_MS = 50


def _scratch_databases(endpoints: Endpoints) -> set[str]:
    with psycopg.connect(endpoints.owner_dsn, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE 'buffr_scratch_%'"
        ).fetchall()
    return {str(row[0]) for row in rows}


def test_tiny_load_run_produces_every_figure(services: Endpoints, tmp_path: Path) -> None:
    before = _scratch_databases(services)
    steps: list[str] = []
    options = load.Options(
        sessions=5,
        messages=2,
        think_s=(0.0, 0.1),
        model_ms=MODEL_MS,
        ramp_s=0.5,
        webhook_seconds=1.0,
        webhook_concurrency=4,
        pool_size=8,
        workers=2,  # as deployed: /metrics then adds up the processes' files
    )
    report = load.run(services, tmp_path, options, steps.append)

    assert report.errors == 0, (report.first_error, report.server_log_tail)
    assert report.connected == report.sessions == 5
    assert report.turns == 5 * 2
    assert "OK." in report.probe_reply and report.probe_agent == "receptionist"
    assert report.unloaded_added_ms is not None and report.unloaded_added_ms >= 0
    latency, added, delta = report.latency_ms, report.added_ms, report.first_delta_ms
    assert latency is not None and added is not None and delta is not None
    assert latency.n == added.n == delta.n == 10
    assert latency.p50 >= MODEL_MS  # the fake model really waited
    assert added.p50 == pytest.approx(latency.p50 - MODEL_MS)
    assert 0 <= added.p50 <= added.p95 <= added.p99 <= added.max
    assert MODEL_MS <= delta.p50 <= latency.max
    assert report.turns_per_s > 0 and report.chat_seconds > 0
    # The server's own view covers exactly the chat phase's turns.
    assert report.server_view["turn"]["count"] == 10
    assert report.server_view["turn"]["mean"] >= MODEL_MS
    assert report.server_view["wait"]["count"] == 10
    assert len(report.added_p95_by_message) == 2
    assert report.cpu_s["server"] > 0 and report.cpu_s["wall"] > 0

    assert report.webhooks > 0 and report.webhooks_per_s > 0
    assert report.webhook_statuses == {"200": report.webhooks}
    assert not report.webhook_errors
    assert report.webhook_latency_ms is not None

    assert report.passed == (added.p95 <= load.TARGET_ADDED_P95_MS)
    assert json.loads(json.dumps(report.as_dict()))["turns"] == 10
    assert load.tables(report)

    # Nothing left behind: no session of the server (nor of this process) outlived the run,
    # the scratch database is dropped, its Redis keys deleted.
    assert report.sessions_closed
    assert _scratch_databases(services) == before
    assert report.redis_keys_deleted > report.webhooks  # a claim and a queued job each
    client = redis.Redis.from_url(services.redis_url)
    assert not list(client.scan_iter(match="buffr-buffr_scratch_*"))
    client.close()


def test_server_view_from_histogram_deltas() -> None:
    edges = (0.005, 0.1, 0.5, 1.0, float("inf"))
    before = ({("turn", le): 2.0 for le in edges}, {"turn": 1.0})
    counts = (0.0, 0.0, 50.0, 98.0, 100.0)  # cumulative, after the two of before
    after = ({("turn", le): 2.0 + c for le, c in zip(edges, counts, strict=True)}, {"turn": 61.0})
    view = server_view(before, after)
    assert view == {"turn": {"count": 100.0, "mean": 600.0, "p95_le": 1000.0}}
