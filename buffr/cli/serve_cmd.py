"""``buffr serve``: the API (chat, channels, staff console, widget) and, by default, the
background worker beside it: the one-machine setup. In production run the worker on its own
(``buffr serve --no-worker`` plus ``buffr worker``), as docker-compose.yml does."""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import tempfile

import typer
from rich.console import Console

from buffr.cli.context import CliError, runtime
from buffr.db import migrations

_out = Console(stderr=True)
PR_SET_PDEATHSIG = 1  # linux/prctl.h


def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on (0.0.0.0: every one)."),
    port: int = typer.Option(8000, min=1, max=65535),
    workers: int = typer.Option(1, min=1, max=64, help="API processes."),
    worker: bool = typer.Option(
        True, "--worker/--no-worker", help="Also run the background worker (a child process)."
    ),
) -> None:
    """Serve the API; open /demo for the chat widget, /console for staff, /docs for the API."""
    import uvicorn

    rt = runtime()  # start (or reach) Postgres and Redis once, before any child needs them
    rt.db.dispose()
    dsn = rt.endpoints.owner_dsn
    if migrations.current_revision(dsn) != migrations.head_revision(dsn):
        raise CliError("The database is not migrated: run `buffr db upgrade` first.")
    if workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # Each API process counts on its own; /metrics adds up the files they keep here.
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="buffr-metrics-")
    child = _start_worker() if worker else None
    base = f"http://{'127.0.0.1' if host == '0.0.0.0' else host}:{port}"
    _out.print(f"serving on {base}: widget demo {base}/demo · console {base}/console")
    _out.print(f"API reference {base}/docs · metrics {base}/metrics")
    try:
        uvicorn.run(
            "api.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="warning",
            proxy_headers=True,
        )
    finally:
        if child is not None:
            child.terminate()
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()


def _start_worker() -> subprocess.Popen[bytes]:
    # The worker dies with us however we end: uvicorn re-raises the SIGTERM it caught, so a
    # `finally` here does not always run.
    return subprocess.Popen(
        [sys.executable, "-m", "buffr.cli.main", "worker"], preexec_fn=_die_with_parent
    )


def _die_with_parent() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
