"""The embedded services' lifecycle: start on demand, reuse, survive crashes, stop cleanly."""

from __future__ import annotations

import os
import signal
import socket
import time
from pathlib import Path

import psycopg
import pytest
import redis

from buffr.services import ServiceError, ensure_services, service_status, stop_services
from buffr.services.postgres import EmbeddedPostgres
from buffr.services.redis import EmbeddedRedis
from buffr.settings import Settings


def test_start_on_demand_then_reuse(home: Path) -> None:
    settings = Settings(home=home)
    assert service_status(settings) == {
        "postgres": "embedded, stopped",
        "redis": "embedded, stopped",
    }

    first = ensure_services(settings)
    pg_pid = EmbeddedPostgres(home).state().pid
    redis_pid = EmbeddedRedis(home).state().pid
    second = ensure_services(settings)

    assert first == second
    assert EmbeddedPostgres(home).state().pid == pg_pid, "a running Postgres is reused"
    assert EmbeddedRedis(home).state().pid == redis_pid, "a running Redis is reused"
    with psycopg.connect(first.app_dsn) as conn:
        row = conn.execute(
            "SELECT current_user, rolbypassrls FROM pg_roles WHERE rolname = current_user"
        ).fetchone()
    assert row == ("buffr_app", False)
    client = redis.Redis.from_url(first.redis_url)
    client.set("k", "v")
    assert client.get("k") == b"v"


def test_stop_cleanly_and_data_survives(home: Path) -> None:
    settings = Settings(home=home)
    endpoints = ensure_services(settings)
    with psycopg.connect(endpoints.owner_dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE kept (v int)")
        conn.execute("INSERT INTO kept VALUES (7)")
    redis.Redis.from_url(endpoints.redis_url).set("kept", "7")

    assert sorted(stop_services(settings)) == ["postgres", "redis"]
    assert not EmbeddedPostgres(home).state().running
    assert not EmbeddedRedis(home).state().running
    assert stop_services(settings) == [], "stopping twice is a no-op"

    endpoints = ensure_services(settings)
    with psycopg.connect(endpoints.owner_dsn) as conn:
        assert conn.execute("SELECT v FROM kept").fetchone() == (7,)
    assert redis.Redis.from_url(endpoints.redis_url).get("kept") == b"7"


def test_survives_killed_processes(home: Path) -> None:
    settings = Settings(home=home)
    ensure_services(settings)
    pg_pid = EmbeddedPostgres(home).state().pid
    redis_pid = EmbeddedRedis(home).state().pid
    assert pg_pid and redis_pid
    os.kill(pg_pid, signal.SIGKILL)
    os.kill(redis_pid, signal.SIGKILL)
    _wait_gone(pg_pid)
    _wait_gone(redis_pid)
    assert "stale pid file" in EmbeddedPostgres(home).state().detail

    endpoints = ensure_services(settings)
    assert EmbeddedPostgres(home).state().pid not in (None, pg_pid)
    with psycopg.connect(endpoints.app_dsn) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
    assert redis.Redis.from_url(endpoints.redis_url).ping()


def test_stale_pid_file_pointing_at_another_process(home: Path) -> None:
    settings = Settings(home=home)
    ensure_services(settings)
    stop_services(settings)
    # A pid file left by a crash whose pid now belongs to an unrelated process (this one).
    data = EmbeddedPostgres(home).data_dir
    (data / "postmaster.pid").write_text(f"{os.getpid()}\n{data}\n0\n5432\n\n\n\nready\n")
    (home / "run" / "redis.pid").write_text(str(os.getpid()))
    endpoints = ensure_services(settings)
    with psycopg.connect(endpoints.app_dsn) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)


def test_corrupt_data_folder_gets_a_clear_error(home: Path) -> None:
    data = EmbeddedPostgres(home).data_dir
    data.mkdir(parents=True)
    (data / "garbage").write_text("not a database")
    with pytest.raises(ServiceError, match="looks corrupt"):
        EmbeddedPostgres(home).ensure_running()


def test_damaged_cluster_gets_a_clear_error(home: Path) -> None:
    server = EmbeddedPostgres(home)
    server.ensure_running()
    server.stop()
    (server.data_dir / "global" / "pg_control").write_bytes(b"\0" * 100)
    with pytest.raises(ServiceError, match="did not start"):
        server.ensure_running()


def test_busy_tcp_port_gets_a_clear_error(home: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ServiceError, match=f"Port {port} .* is busy"):
            EmbeddedPostgres(home, tcp_port=port).ensure_running()


def test_external_urls_start_nothing(home: Path, services: object) -> None:
    from buffr.services.resolve import Endpoints

    assert isinstance(services, Endpoints)
    settings = Settings(home=home, DATABASE_URL=services.owner_dsn, REDIS_URL=services.redis_url)
    endpoints = ensure_services(settings)
    assert not endpoints.embedded_postgres and not endpoints.embedded_redis
    assert not (home / "postgres").exists(), "no embedded Postgres was created"
    assert not (home / "redis").exists(), "no embedded Redis was created"


def test_unreachable_external_urls_get_clear_errors(home: Path) -> None:
    with pytest.raises(ServiceError, match="Cannot reach Postgres"):
        ensure_services(Settings(home=home, DATABASE_URL="postgresql://u@127.0.0.1:1/db"))
    with pytest.raises(ServiceError, match="Cannot reach Redis"):
        ensure_services(Settings(home=home, DATABASE_URL=None, REDIS_URL="redis://127.0.0.1:1/0"))


def _wait_gone(pid: int) -> None:
    for _ in range(100):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
