"""``buffr bench load``: the API under many guests at once, as a separate server process.

* chat: ``sessions`` web chat WebSockets opened over ``ramp_s`` seconds, each sending
  ``messages`` small-talk messages with a think time before each, to a fake model that answers
  after ``model_ms``; the added latency of a turn is the time from sending a message to its
  ``reply`` frame, less the model's time. Targets: p95 added <= 100 ms, no errors.
* webhooks: signed Twilio inbound SMS webhooks from a few concurrent clients for a few seconds
  (requests/s and status codes; every one should be 200). No worker runs, so the queued jobs
  wait in Redis; they are deleted afterwards with every other key of the scratch database's
  Redis namespace.

The server is ``uvicorn api.app:create_app --factory`` on 127.0.0.1 and a free port, on a
throwaway copy of the demo data (``scratch_database``), started and stopped here.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil
import psycopg
import redis
from psycopg.conninfo import conninfo_to_dict
from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from buffr.bench.load_webhooks import ACCOUNT_SID, AUTH_TOKEN, TO_NUMBER, post_webhooks
from buffr.bench.load_ws import (
    MESSAGES,
    BenchError,
    Cadence,
    ChatResults,
    TurnTiming,
    run_sessions,
    server_view,
    stage_buckets,
)
from buffr.bench.scratch import scratch_database
from buffr.services.resolve import Endpoints, sqlalchemy_url

SLUG = "demo"
TARGET_ADDED_P95_MS = 100.0
POOL_OVERFLOW = 10  # SQLAlchemy's max_overflow on top of the app pool
PROBE_TURNS = 5
READY_TIMEOUT_S = 90.0
HIGH_RATE_LIMIT = "1000000"


@dataclass(frozen=True)
class Options:
    sessions: int = 200
    messages: int = 3
    think_s: tuple[float, float] = (4.0, 8.0)
    model_ms: int = 500
    ramp_s: float = 2.0
    reply_timeout_s: float = 30.0
    webhook_seconds: float = 5.0
    webhook_concurrency: int = 16
    pool_size: int = 60  # per server process
    workers: int = 2  # server processes, as docker-compose.yml deploys the API
    seed: int = 0


@dataclass
class Spread:
    n: int
    p50: float
    p95: float
    p99: float
    max: float
    mean: float


def spread(samples: Sequence[float]) -> Spread | None:
    if not samples:
        return None
    ordered = sorted(samples)

    def pct(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    return Spread(
        len(ordered),
        statistics.median(ordered),
        pct(0.95),
        pct(0.99),
        ordered[-1],
        statistics.fmean(ordered),
    )


@dataclass
class Report:
    options: dict[str, Any]
    server: dict[str, Any]
    probe_reply: str = ""
    probe_agent: str = ""
    unloaded_added_ms: float | None = None
    sessions: int = 0
    connected: int = 0
    turns: int = 0
    errors: int = 0
    error_kinds: dict[str, int] = field(default_factory=dict)
    first_error: str | None = None
    chat_seconds: float = 0.0
    turns_per_s: float = 0.0
    added_ms: Spread | None = None
    latency_ms: Spread | None = None
    first_delta_ms: Spread | None = None
    added_p95_by_message: list[float] = field(default_factory=list)
    server_view: dict[str, dict[str, float]] = field(default_factory=dict)
    cpu_s: dict[str, float] = field(default_factory=dict)  # chat phase: server, Postgres, us
    webhook_seconds: float = 0.0
    webhooks: int = 0
    webhooks_per_s: float = 0.0
    webhook_statuses: dict[str, int] = field(default_factory=dict)
    webhook_errors: dict[str, int] = field(default_factory=dict)
    webhook_latency_ms: Spread | None = None
    redis_keys_deleted: int = 0
    server_log_tail: list[str] = field(default_factory=list)
    passed: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# -- the server ---------------------------------------------------------------------------
@dataclass
class Server:
    base_url: str
    process: subprocess.Popen[bytes]
    log_path: Path
    app_dsn: str

    @property
    def ws_url(self) -> str:
        return "ws" + self.base_url.removeprefix("http")

    def log_tail(self, lines: int = 20) -> list[str]:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return text.splitlines()[-lines:]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def check_connections(endpoints: Endpoints, pool_size: int, workers: int) -> int:
    """Postgres's ``max_connections``; fails when the servers' pools would not fit under it."""
    with psycopg.connect(endpoints.owner_dsn, autocommit=True) as conn:
        row = conn.execute(
            "SELECT current_setting('max_connections')::int, "
            "(SELECT count(*) FROM pg_stat_activity)::int"
        ).fetchone()
    assert row is not None
    limit, in_use = int(row[0]), int(row[1])
    # per process: the app pool and its overflow, the owner pool; then a margin
    needed = workers * (pool_size + POOL_OVERFLOW + 2) + 5
    if in_use + needed > limit:
        raise BenchError(
            f"--pool-size {pool_size} × --workers {workers} needs about {needed} connections but "
            f"Postgres allows {limit} and {in_use} are in use: lower --pool-size or --workers"
        )
    return limit


def server_env(endpoints: Endpoints, home: Path, options: Options, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BUFFR_", "DATABASE_"))}
    env.pop("REDIS_URL", None)
    env.update(
        {
            # URLs, as the settings require (the scratch DSNs are key=value strings)
            "DATABASE_URL": sqlalchemy_url(endpoints.owner_dsn),
            "DATABASE_APP_URL": sqlalchemy_url(endpoints.app_dsn),
            "REDIS_URL": endpoints.redis_url,
            "BUFFR_HOME": str(home),
            "BUFFR_LOG_LEVEL": "WARNING",
            "BUFFR_LLM_PROVIDER": "fake",
            "BUFFR_LLM_FAKE_LATENCY_MS": str(options.model_ms),
            "BUFFR_DB_POOL_SIZE": str(options.pool_size),
            "BUFFR_PROPERTY_RATE_LIMIT": HIGH_RATE_LIMIT,
            "BUFFR_SENDER_RATE_LIMIT": HIGH_RATE_LIMIT,
            "BUFFR_TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "BUFFR_TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "BUFFR_TWILIO_SMS_FROM": TO_NUMBER,
            "BUFFR_TWILIO_API_BASE": "http://127.0.0.1:9",  # nothing is sent (no worker runs)
            "BUFFR_PUBLIC_URL": f"http://127.0.0.1:{port}",
        }
    )
    return env


@contextmanager
def api_server(endpoints: Endpoints, home: Path, options: Options) -> Iterator[Server]:
    """``uvicorn api.app:create_app --factory`` on a free port, ready; stopped afterwards."""
    port = _free_port()
    log_dir = Path(tempfile.mkdtemp(prefix="buffr-bench-load-"))
    log_path = log_dir / "server.log"
    command = [sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    command += ["--workers", str(options.workers)]
    env = server_env(endpoints, home, options, port)
    if options.workers > 1:  # /metrics adds up the processes' files (as `buffr serve` does)
        env["PROMETHEUS_MULTIPROC_DIR"] = str(log_dir / "metrics")
        (log_dir / "metrics").mkdir()
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = Server(f"http://127.0.0.1:{port}", process, log_path, endpoints.app_dsn)
    try:
        _wait_ready(server)
        yield server
    finally:
        _stop(process)
        shutil.rmtree(log_dir, ignore_errors=True)


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM (uvicorn stops its workers), then SIGKILL to it and its workers if need be."""
    try:
        children = psutil.Process(process.pid).children(recursive=True)
    except psutil.Error:
        children = []
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=15)
    for child in children:
        try:
            child.kill()  # gone already unless uvicorn could not stop it
        except psutil.Error:
            continue


def _wait_ready(server: Server) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    with httpx.Client(base_url=server.base_url, trust_env=False, timeout=5) as client:
        while time.monotonic() < deadline:
            if server.process.poll() is not None:
                tail = "\n".join(server.log_tail())
                raise BenchError(f"the API server exited ({server.process.returncode}):\n{tail}")
            try:
                if client.get("/readyz").status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
    raise BenchError(f"the API server was not ready within {READY_TIMEOUT_S:.0f} s")


def delete_redis_keys(endpoints: Endpoints) -> int:
    """Every key of the scratch database's Redis namespace (see ``channels.context``): webhook
    claims, rate windows, the queued jobs."""
    dbname = conninfo_to_dict(endpoints.app_dsn).get("dbname") or "buffr"
    if not str(dbname).startswith("buffr_scratch_"):
        raise BenchError(f"refusing to delete Redis keys of database {dbname!r}")
    client = redis.Redis.from_url(endpoints.redis_url)
    try:
        keys = list(client.scan_iter(match=f"buffr-{dbname}*", count=1000))
        for start in range(0, len(keys), 500):
            client.delete(*keys[start : start + 500])
        return len(keys)
    finally:
        client.close()


# -- the run ------------------------------------------------------------------------------
def run(
    endpoints: Endpoints, home: Path, options: Options, progress: Callable[[str], None]
) -> Report:
    """The whole benchmark on a scratch database and a server process of its own."""
    limit = check_connections(endpoints, options.pool_size, options.workers)
    report = Report(
        options=asdict(options),
        server={
            "max_connections": limit,
            "cpus": os.cpu_count(),
            "load_average_before": round(os.getloadavg()[0], 2),
            "python": sys.version.split()[0],
        },
    )
    progress("scratch database (migrate, seed)")
    with scratch_database(endpoints) as db:
        try:
            progress("starting the API server (uvicorn, separate process)")
            with api_server(db.endpoints, home, options) as server:
                try:
                    _measure(server, options, report, progress)
                finally:
                    if report.errors or server.process.poll() is not None:
                        report.server_log_tail = server.log_tail()
        finally:
            report.redis_keys_deleted = delete_redis_keys(db.endpoints)
    report.passed = (
        report.errors == 0
        and report.added_ms is not None
        and report.added_ms.p95 <= TARGET_ADDED_P95_MS
    )
    return report


def _measure(
    server: Server, options: Options, report: Report, progress: Callable[[str], None]
) -> None:
    warm_sessions = 4 * options.workers
    progress(f"warm-up: {warm_sessions} sessions at once (every server process), 2 turns each")
    warm_up = asyncio.run(
        run_sessions(
            server.ws_url,
            SLUG,
            Cadence(warm_sessions, 2, (0.0, 0.0), 0.0, options.reply_timeout_s, options.seed + 1),
        )
    )
    if warm_up.errors:
        raise BenchError(f"the warm-up failed: {warm_up.first_error}")
    progress(f"probe: one session alone, {PROBE_TURNS} turns in a row (checks the model)")
    probe = asyncio.run(
        run_sessions(
            server.ws_url,
            SLUG,
            Cadence(1, PROBE_TURNS, (0.0, 0.0), 0.0, options.reply_timeout_s, options.seed),
        )
    )
    if probe.errors or not probe.timings:
        raise BenchError(f"the probe session failed: {probe.first_error}")
    report.probe_reply, report.probe_agent = probe.timings[-1].reply, probe.timings[-1].agent
    if "OK." not in report.probe_reply:
        raise BenchError(
            f"the reply {report.probe_reply!r} is not the fake model's: the model was not called"
        )
    warm = [t.latency_ms - options.model_ms for t in probe.timings[1:]]
    report.unloaded_added_ms = statistics.median(warm) if warm else None

    cadence = Cadence(
        options.sessions,
        options.messages,
        options.think_s,
        options.ramp_s,
        options.reply_timeout_s,
        options.seed,
    )
    low, high = options.think_s
    progress(
        f"chat: {options.sessions} sessions opened over {options.ramp_s:g} s, each "
        f"{options.messages} × (think {low:g}-{high:g} s, send, wait for the reply); "
        f"model {options.model_ms} ms"
    )
    before = stage_buckets(server.base_url)
    cpu_before = _cpu_seconds(server)
    chat = asyncio.run(run_sessions(server.ws_url, SLUG, cadence))
    cpu_after = _cpu_seconds(server)
    report.cpu_s = {k: round(v - cpu_before.get(k, 0.0), 2) for k, v in cpu_after.items()}
    report.cpu_s["wall"] = round(chat.finished - chat.started, 2)
    _chat_figures(report, chat, options)
    report.server_view = server_view(before, stage_buckets(server.base_url))

    progress(f"webhooks: {options.webhook_concurrency} clients for {options.webhook_seconds:g} s")
    hooks = asyncio.run(
        post_webhooks(server.base_url, SLUG, options.webhook_seconds, options.webhook_concurrency)
    )
    report.webhook_seconds = hooks.seconds
    report.webhooks = hooks.requests
    report.webhooks_per_s = hooks.requests / hooks.seconds if hooks.seconds else 0.0
    report.webhook_statuses = {str(k): v for k, v in sorted(hooks.statuses.items())}
    report.webhook_errors = dict(hooks.errors)
    report.webhook_latency_ms = spread(hooks.latencies_ms)


def _cpu_seconds(server: Server) -> dict[str, float]:
    """CPU time so far of the server process, of the scratch database's Postgres backends (by
    their process title) and of this process."""
    dbname = str(conninfo_to_dict(server.app_dsn).get("dbname"))
    supervisor = psutil.Process(server.process.pid)
    serving = 0.0
    for proc in [supervisor, *supervisor.children(recursive=True)]:
        times = proc.cpu_times()
        serving += times.user + times.system
    postgres = 0.0
    for proc in psutil.process_iter(["name", "cmdline"]):
        try:
            if proc.info["name"] == "postgres" and dbname in " ".join(proc.info["cmdline"] or []):
                times = proc.cpu_times()
                postgres += times.user + times.system
        except psutil.Error:
            continue
    own = os.times()
    return {
        "server": serving,
        "postgres": postgres,
        "bench client": own.user + own.system,
    }


def _chat_figures(report: Report, chat: ChatResults, options: Options) -> None:
    timings: list[TurnTiming] = chat.timings
    report.sessions, report.connected, report.turns = chat.sessions, chat.connected, len(timings)
    wrong = sum(1 for t in timings if "OK." not in t.reply)
    if wrong:
        chat.error("wrong reply", f"{wrong} replies are not the model's")
    report.error_kinds = dict(chat.errors)
    report.errors = sum(chat.errors.values())
    report.first_error = chat.first_error
    report.chat_seconds = chat.finished - chat.started
    report.turns_per_s = len(timings) / report.chat_seconds if report.chat_seconds else 0.0
    report.latency_ms = spread([t.latency_ms for t in timings])
    report.added_ms = spread([t.latency_ms - options.model_ms for t in timings])
    for number in range(options.messages):
        by_number = spread([t.latency_ms - options.model_ms for t in timings if t.number == number])
        report.added_p95_by_message.append(round(by_number.p95, 1) if by_number else -1.0)
    report.first_delta_ms = spread(
        [t.first_delta_ms for t in timings if t.first_delta_ms is not None]
    )


# -- the table ----------------------------------------------------------------------------
def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def tables(report: Report) -> list[RenderableType]:
    o = report.options
    low, high = o["think_s"]
    cadence = (
        f"{report.sessions} sessions opened over {o['ramp_s']:g} s; each sends {o['messages']} "
        f"messages, thinking {low:g}-{high:g} s (uniform) before each; model answers after "
        f"{o['model_ms']} ms; {o['workers']} server processes, pool {o['pool_size']} each; "
        f"{report.server['cpus']} CPUs shared "
        "by the server, Postgres, Redis and these clients (load average before: "
        f"{report.server['load_average_before']})"
    )
    chat = Table(title="buffr bench load: web chat over WebSocket", caption=cadence)
    chat.add_column("figure")
    chat.add_column("value", justify="right")
    chat.add_row("sessions connected", f"{report.connected} / {report.sessions}")
    chat.add_row("turns answered", f"{report.turns} in {report.chat_seconds:.1f} s")
    chat.add_row("turns/s", f"{report.turns_per_s:.1f}")
    kinds = ", ".join(f"{k} {v}" for k, v in report.error_kinds.items())
    chat.add_row("errors", f"{report.errors}" + (f" ({kinds})" if kinds else ""))
    added = report.added_ms
    for name in ("p50", "p95", "p99", "max"):
        chat.add_row(f"added latency {name} ms", _ms(getattr(added, name) if added else None))
    chat.add_row("added latency, one guest alone ms", _ms(report.unloaded_added_ms))
    by_message = " / ".join(_ms(v) for v in report.added_p95_by_message)
    chat.add_row("added p95 by message (1st / 2nd / ...) ms", by_message)
    delta = report.first_delta_ms
    chat.add_row("first delta p50 ms (incl. model)", _ms(delta.p50 if delta else None))
    for stage, figures in report.server_view.items():
        chat.add_row(
            f"server's {stage} stage: mean / p95 bucket ms",
            f"{figures['mean']:.0f} / <= {figures['p95_le']:.0f}",
        )
    wall = report.cpu_s.get("wall", 0.0) or 1.0
    chat.add_row(
        "CPU busy during chat (server / Postgres / bench client)",
        " / ".join(
            f"{report.cpu_s.get(k, 0.0) / wall:.0%}" for k in ("server", "postgres", "bench client")
        ),
    )
    verdict = "[green]PASS[/green]" if report.passed else "[red]FAIL[/red]"
    chat.add_row(f"target: p95 added <= {TARGET_ADDED_P95_MS:.0f} ms, no errors", verdict)

    hooks = Table(title="Twilio inbound SMS webhooks (signatures checked)")
    hooks.add_column("figure")
    hooks.add_column("value", justify="right")
    hooks.add_row("clients", str(o["webhook_concurrency"]))
    hooks.add_row("requests", f"{report.webhooks} in {report.webhook_seconds:.1f} s")
    hooks.add_row("requests/s", f"{report.webhooks_per_s:.0f}")
    hooks.add_row(
        "status codes", ", ".join(f"{k}: {v}" for k, v in report.webhook_statuses.items())
    )
    if report.webhook_errors:
        hooks.add_row("transport errors", str(report.webhook_errors))
    latency = report.webhook_latency_ms
    if latency is not None:
        hooks.add_row("latency p50 / p95 ms", f"{latency.p50:.0f} / {latency.p95:.0f}")
    hooks.add_row("Redis keys removed afterwards", str(report.redis_keys_deleted))
    out: list[RenderableType] = [chat, hooks]
    if report.first_error:
        out.append(Text(f"first error: {report.first_error}", style="red"))
    if report.server_log_tail:
        out.append(Text("server log (tail):\n" + "\n".join(report.server_log_tail), style="dim"))
    return out


__all__ = ["MESSAGES", "BenchError", "Options", "Report", "run", "tables"]
