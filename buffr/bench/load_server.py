"""The server side of ``buffr bench load``: the API as a uvicorn process of its own (as many
worker processes as asked) on a scratch database, with the fake model, high rate limits and
bench Twilio credentials; its CPU time; and the Redis keys it leaves behind."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil
import psycopg
import redis
from psycopg.conninfo import conninfo_to_dict

from buffr.bench.load_webhooks import ACCOUNT_SID, AUTH_TOKEN, TO_NUMBER
from buffr.bench.load_ws import BenchError
from buffr.services.resolve import Endpoints, sqlalchemy_url

POOL_OVERFLOW = 10  # SQLAlchemy's max_overflow on top of the app pool
READY_TIMEOUT_S = 90.0
HIGH_RATE_LIMIT = "1000000"


@dataclass(frozen=True)
class ServerConfig:
    model_ms: int
    pool_size: int  # per process
    workers: int


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


def server_env(endpoints: Endpoints, home: Path, config: ServerConfig, port: int) -> dict[str, str]:
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
            "BUFFR_LLM_FAKE_LATENCY_MS": str(config.model_ms),
            "BUFFR_DB_POOL_SIZE": str(config.pool_size),
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
def api_server(endpoints: Endpoints, home: Path, config: ServerConfig) -> Iterator[Server]:
    """``uvicorn api.app:create_app --factory`` on a free port, ready; stopped afterwards."""
    port = _free_port()
    log_dir = Path(tempfile.mkdtemp(prefix="buffr-bench-load-"))
    log_path = log_dir / "server.log"
    command = [sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    command += ["--workers", str(config.workers)]
    env = server_env(endpoints, home, config, port)
    if config.workers > 1:  # /metrics adds up the processes' files (as `buffr serve` does)
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
    """SIGTERM (uvicorn stops its workers), then SIGKILL to whatever is left; returns once
    every process is gone."""
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
    _, alive = psutil.wait_procs(children, timeout=10)
    for child in alive:
        try:
            child.kill()
        except psutil.Error:
            continue
    psutil.wait_procs(alive, timeout=10)


def wait_for_disconnect(endpoints: Endpoints, timeout_s: float = 15.0) -> bool:
    """Until no session of the application role is left on the scratch database: a backend
    outlives its client by a moment, and the owner may not end the application role's sessions
    (so the scratch database's DROP ... WITH (FORCE) would fail). The caller closes its own
    pooled sessions first, or this waits for them in vain. Whether they all went in time."""
    dbname = conninfo_to_dict(endpoints.app_dsn).get("dbname")
    user = conninfo_to_dict(endpoints.app_dsn).get("user")
    deadline = time.monotonic() + timeout_s
    with psycopg.connect(endpoints.owner_dsn, autocommit=True) as conn:
        while time.monotonic() < deadline:
            row = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND usename = %s",
                (dbname, user),
            ).fetchone()
            if row is None or int(row[0]) == 0:
                return True
            time.sleep(0.1)
    return False


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


def cpu_seconds(server: Server) -> dict[str, float]:
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
