"""Small process helpers shared by the embedded services."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import psutil

# Unix socket paths are limited to ~107 bytes; keep ours well inside that.
_MAX_SOCKET_DIR = 80


def socket_dir_for(run_dir: Path) -> Path:
    """A directory for unix sockets: ``run_dir`` itself unless its path is too long."""
    if len(str(run_dir)) <= _MAX_SOCKET_DIR:
        return run_dir
    digest = hashlib.sha256(str(run_dir).encode()).hexdigest()[:12]
    return Path("/tmp") / f"buffr-{digest}"


def pid_alive(pid: int, name_contains: str) -> bool:
    """True if ``pid`` runs and its executable name contains ``name_contains``.

    Checking the name matters after a reboot or a crash: a stale pid file may point at a pid
    that now belongs to an unrelated process.
    """
    try:
        proc = psutil.Process(pid)
        return proc.is_running() and name_contains in proc.name() and proc.status() != "zombie"
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return False


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


@contextlib.contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """An inter-process lock, so two commands starting services at once do not race."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def tail(path: Path, lines: int = 15) -> str:
    if not path.exists():
        return "(no log)"
    with open(path, errors="replace") as handle:
        return "".join(handle.readlines()[-lines:]).rstrip()


def is_root() -> bool:
    return os.geteuid() == 0
