"""The embedded Postgres: the binaries (with pgvector) shipped by the ``pgserver`` package, run
with a lifecycle of our own so that one server serves every command and survives crashes.

We do not use ``pgserver.get_server``: it stops the server when the last Python handle exits,
while a CLI wants the server to outlive each command and be stopped explicitly.
"""

from __future__ import annotations

import pwd
import shutil
import subprocess
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

from buffr.services._proc import (
    file_lock,
    is_root,
    pid_alive,
    port_is_free,
    socket_dir_for,
    tail,
)
from buffr.services.errors import ServiceError

SUPERUSER = "postgres"
OWNER_ROLE = "buffr_owner"
APP_ROLE = "buffr_app"
DEFAULT_DB = "buffr"
# Postgres refuses to run as root; pgserver's convention is a system user of this name.
SYSTEM_USER = "pgserver"
SOCKET_PORT = 5432  # only names the socket file when no TCP port is configured


def _bin(name: str) -> Path:
    with warnings.catch_warnings():  # pgserver's import warns about XDG_RUNTIME_DIR
        warnings.simplefilter("ignore")
        import pgserver  # imported lazily: only the embedded path needs it

    return Path(pgserver.__file__).parent / "pginstall" / "bin" / name


@dataclass(frozen=True)
class PostgresState:
    running: bool
    pid: int | None
    data_dir: Path
    detail: str


class EmbeddedPostgres:
    """One Postgres cluster in ``<home>/postgres`` with its socket under ``<home>/run``."""

    def __init__(self, home: Path, tcp_port: int | None = None) -> None:
        self.home = home
        self.data_dir = home / "postgres" / "data"
        self.log_file = home / "postgres" / "postgres.log"
        self.run_dir = home / "run"
        self.socket_dir = socket_dir_for(self.run_dir)
        self.tcp_port = tcp_port
        self.port = tcp_port or SOCKET_PORT

    # -- connection strings -------------------------------------------------------------
    def dsn(self, role: str = SUPERUSER, database: str = DEFAULT_DB) -> str:
        return f"postgresql://{role}@/{database}?host={self.socket_dir}&port={self.port}"

    # -- lifecycle ----------------------------------------------------------------------
    def state(self) -> PostgresState:
        pid = self._postmaster_pid()
        if pid is None:
            return PostgresState(False, None, self.data_dir, "stopped")
        if not pid_alive(pid, "postgres"):
            return PostgresState(False, pid, self.data_dir, f"stale pid file (pid {pid} is gone)")
        if not self._socket_path().exists():
            return PostgresState(False, pid, self.data_dir, "starting or socket missing")
        return PostgresState(True, pid, self.data_dir, f"running (pid {pid})")

    def ensure_running(self) -> None:
        """Start the server if it is not running; make the roles and default database."""
        with file_lock(self.home / "run" / "postgres.lock"):
            if not self.state().running:
                self._init_if_needed()
                self._start()
            self._bootstrap()

    def stop(self) -> bool:
        """Stop the server; returns False if it was not running."""
        with file_lock(self.home / "run" / "postgres.lock"):
            if not self.state().running:
                return False
            self._run([str(_bin("pg_ctl")), "-D", str(self.data_dir), "-m", "fast", "-w", "stop"])
            return True

    # -- internals ------------------------------------------------------------------------
    def _socket_path(self) -> Path:
        return self.socket_dir / f".s.PGSQL.{self.port}"

    def _postmaster_pid(self) -> int | None:
        pid_file = self.data_dir / "postmaster.pid"
        try:
            first = pid_file.read_text().splitlines()[0]
            return int(first)
        except (FileNotFoundError, IndexError, ValueError):
            return None

    def _system_user(self) -> str | None:
        return SYSTEM_USER if is_root() else None

    def _prepare_dirs(self) -> None:
        for folder in (self.data_dir.parent, self.run_dir, self.socket_dir):
            folder.mkdir(parents=True, exist_ok=True)
        user = self._system_user()
        if user is None:
            return
        _bin("postgres")  # imports pgserver quietly
        from pgserver.utils import ensure_prefix_permissions, ensure_user_exists

        ensure_user_exists(user)
        entry = pwd.getpwnam(user)
        ensure_prefix_permissions(self.data_dir.parent)
        for folder in (self.data_dir.parent, self.socket_dir):
            shutil.chown(folder, entry.pw_uid, entry.pw_gid)
        if self.data_dir.exists():
            shutil.chown(self.data_dir, entry.pw_uid, entry.pw_gid)
        # the postgres binaries must be readable and runnable by that user
        from pgserver.utils import ensure_folder_permissions

        ensure_folder_permissions(_bin("postgres").parent.parent, 0o055)

    def _init_if_needed(self) -> None:
        self._prepare_dirs()
        if (self.data_dir / "PG_VERSION").exists():
            return
        if self.data_dir.exists() and any(self.data_dir.iterdir()):
            raise ServiceError(
                f"The Postgres data folder {self.data_dir} is not empty but holds no database "
                "(PG_VERSION is missing): it looks corrupt. Move it away "
                f"(mv {self.data_dir} {self.data_dir}.broken) and run the command again to start "
                "with an empty database."
            )
        self._run(
            [
                str(_bin("initdb")),
                "-D",
                str(self.data_dir),
                "-U",
                SUPERUSER,
                "--auth=trust",
                "--encoding=UTF8",
                "--no-locale",
            ]
        )

    def _start(self) -> None:
        pid = self._postmaster_pid()
        if pid is not None and not pid_alive(pid, "postgres"):
            # A crash or kill -9 leaves postmaster.pid behind; a stale one blocks the start.
            (self.data_dir / "postmaster.pid").unlink(missing_ok=True)
        if self.tcp_port is not None and not port_is_free(self.tcp_port):
            raise ServiceError(
                f"Port {self.tcp_port} on 127.0.0.1 is busy, so the embedded Postgres cannot "
                "listen on it. Stop what uses it or choose another BUFFR_PG_TCP_PORT."
            )
        listen = f"-h 127.0.0.1 -p {self.tcp_port}" if self.tcp_port else f"-h '' -p {self.port}"
        options = f"{listen} -k {self.socket_dir} -c max_connections=200"
        command = [str(_bin("pg_ctl")), "-D", str(self.data_dir), "-l", str(self.log_file)]
        # Backends orphaned by a killed postmaster exit within moments; retry briefly.
        last_error = ""
        for _attempt in range(3):
            try:
                self._run([*command, "-o", options, "-w", "-t", "30", "start"])
                return
            except ServiceError as error:
                last_error = str(error)
                time.sleep(1.5)
        raise ServiceError(
            f"The embedded Postgres in {self.data_dir} did not start.\n{last_error}\n"
            f"Last lines of {self.log_file}:\n{tail(self.log_file)}\n"
            "If the data folder is damaged, move it away and run the command again."
        )

    def _bootstrap(self) -> None:
        """Roles and the default database; idempotent."""
        with psycopg.connect(self.dsn(SUPERUSER, "postgres"), autocommit=True) as conn:
            ensure_roles(conn)
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (DEFAULT_DB,)
            ).fetchone()
            if not exists:
                conn.execute(
                    sql.SQL("CREATE DATABASE {} OWNER {}").format(
                        sql.Identifier(DEFAULT_DB), sql.Identifier(OWNER_ROLE)
                    )
                )
        # pgvector (0.6) needs a superuser to install and the owner role is none: install it in
        # template1 too, so every database created later (tests make many) already has it.
        for database in ("template1", DEFAULT_DB):
            with psycopg.connect(self.dsn(SUPERUSER, database), autocommit=True) as conn:
                conn.execute("CREATE EXTENSION IF NOT EXISTS vector")

    def _run(self, command: list[str]) -> None:
        user = self._system_user()
        try:
            subprocess.run(
                command,
                check=True,
                capture_output=True,
                text=True,
                timeout=60,
                user=user,
                cwd="/",
                stdin=subprocess.DEVNULL,
            )
        except subprocess.CalledProcessError as error:
            raise ServiceError(
                f"{Path(command[0]).name} failed: {(error.stderr or error.stdout).strip()}"
            ) from error
        except subprocess.TimeoutExpired as error:
            raise ServiceError(f"{Path(command[0]).name} timed out after 60 s") from error


def ensure_roles(conn: psycopg.Connection[tuple[object, ...]]) -> None:
    """The owner role (owns tables, runs migrations, may create test databases) and the
    application role (no BYPASSRLS: row-level security always applies to it)."""
    for role, attributes in (
        (OWNER_ROLE, "LOGIN NOSUPERUSER NOBYPASSRLS CREATEROLE CREATEDB"),
        (APP_ROLE, "LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEROLE NOCREATEDB"),
    ):
        found = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
        verb = "ALTER" if found else "CREATE"
        conn.execute(sql.SQL(f"{verb} ROLE {{}} {attributes}").format(sql.Identifier(role)))
