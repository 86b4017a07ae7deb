"""The `buffr` command: from a fresh shell (real processes, real services, clear errors) for set-up
and configuration; in-process (tests/cli_support.py) for the chat and handoff commands."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tests.cli_support import buffr
from tests.conftest import scratch_home

BUFFR = str(Path(sys.executable).parent / "buffr")


@pytest.fixture(scope="module")
def cli_home() -> Iterator[Path]:
    """One home for the module: its database is migrated and seeded once."""
    with scratch_home() as path:
        yield path


@pytest.fixture(scope="module")
def demo_home(cli_home: Path) -> Path:
    """The module's home, migrated and seeded (idempotent: whichever test runs first does it)."""
    for step in (("db", "upgrade"), ("seed", "demo")):
        done = buffr(cli_home, *step)
        assert done.returncode == 0, done.stderr
    return cli_home


def run(home: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("BUFFR_", "DATABASE_", "REDIS_"))
    }
    clean.update({"BUFFR_HOME": str(home), "COLUMNS": "200", **env})
    return subprocess.run(
        [BUFFR, *args], capture_output=True, text=True, env=clean, timeout=300, cwd=home
    )


def test_fresh_shell_upgrade_seed_status_and_url(cli_home: Path) -> None:
    upgraded = run(cli_home, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    assert "database at revision 0012" in upgraded.stdout  # the newest migration

    seeded = run(cli_home, "seed", "demo")
    assert seeded.returncode == 0, seeded.stderr
    assert "demo data created" in seeded.stdout
    again = run(cli_home, "seed", "demo")
    assert again.returncode == 0, again.stderr
    assert "nothing to do" in again.stdout

    status = run(cli_home, "status")
    assert status.returncode == 0, status.stderr
    assert "running" in status.stdout and "up to date" in status.stdout
    assert "properties" in status.stdout

    url = run(cli_home, "db", "url", "--role", "app")
    assert url.returncode == 0, url.stderr
    with psycopg.connect(url.stdout.strip()) as conn:
        assert conn.execute("SELECT current_user").fetchone() == ("buffr_app",)
        assert conn.execute("SELECT count(*) FROM guests").fetchone() == (0,), "no property set"
    owner = run(cli_home, "db", "url", "--role", "owner").stdout.strip()
    with psycopg.connect(owner) as conn:
        assert conn.execute("SELECT count(*) FROM properties").fetchone() == (2,)


def test_seed_before_migrations_says_what_to_do(home: Path) -> None:
    result = run(home, "seed", "demo")
    assert result.returncode == 1
    assert "buffr db upgrade" in result.stderr


def test_chat_before_migrations_says_what_to_do(home: Path) -> None:
    result = run(home, "chat", "--as", "+972501110002", "--message", "what is low?", "--json")
    assert result.returncode == 1
    assert "buffr db upgrade" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("env", "code", "message"),
    [
        ({"DATABASE_URL": "mysql://x@y/z"}, 2, "must look like postgresql://"),
        ({"DATABASE_URL": "postgresql://u@127.0.0.1:1/db"}, 1, "Cannot reach Postgres"),
        ({"DATABASE_URL": "postgresql://u@host:notaport/db"}, 1, "DATABASE_URL"),
        ({"REDIS_URL": "redis://127.0.0.1:1/0"}, 1, "Cannot reach Redis"),
        ({"BUFFR_PG_TCP_PORT": "99999"}, 2, "BUFFR_PG_TCP_PORT"),
    ],
)
def test_bad_configuration_gets_a_message_not_a_traceback(
    cli_home: Path, env: dict[str, str], code: int, message: str
) -> None:
    result = run(cli_home, "status", **env)
    assert result.returncode == code, result.stderr
    assert message.lower() in result.stderr.lower().replace("\n", " ")
    assert "Traceback" not in result.stderr


def test_busy_port_and_corrupt_data_folder(home: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        busy = run(home, "status", BUFFR_PG_TCP_PORT=port)
    assert busy.returncode == 1 and f"Port {port}" in busy.stderr
    assert "Traceback" not in busy.stderr

    corrupt_home = home / "corrupt"
    data = corrupt_home / "postgres" / "data"
    data.mkdir(parents=True)
    (data / "junk").write_text("x")
    corrupt = run(corrupt_home, "status")
    assert corrupt.returncode == 1 and "looks corrupt" in corrupt.stderr.replace("\n", " ")
    assert "Traceback" not in corrupt.stderr


def test_chat_json_continues_the_conversation_and_new_starts_afresh(demo_home: Path) -> None:
    cli_home = demo_home
    manager = "+972501110002"
    first = buffr(cli_home, "chat", "--as", manager, "-m", "took 3 small colas", "--json", "--new")
    assert first.returncode == 0, first.stderr
    asked = json.loads(first.stdout)
    assert asked["agent"] == "inventory_clerk" and asked["pending_question"] is True
    assert asked["llm_called"] is False and asked["actions"] == []
    assert asked["latency_ms"] > 0 and "crates of 24" in asked["reply"]

    second = json.loads(buffr(cli_home, "chat", "--as", manager, "-m", "units", "--json").stdout)
    assert second["reply"].startswith("Took out 3 × Coca-Cola 250 ml glass bottle.")
    assert [a["tool"] for a in second["actions"]] == ["record_movement"]
    assert second["actions"][0]["result"]["delta"] == "-3.000"

    buffr(cli_home, "chat", "--as", manager, "-m", "took 3 small colas", "--json")
    # Without the pending question "units" goes to the model: the instant fake here, as the
    # default model is not one the tests pull (a fresh machine has only the 0.5B).
    started_afresh = buffr(
        cli_home,
        "chat",
        "--as",
        manager,
        "-m",
        "units",
        "--json",
        "--new",
        BUFFR_LLM_PROVIDER="fake",
    )
    assert started_afresh.returncode == 0, started_afresh.stderr
    fresh = json.loads(started_afresh.stdout)
    assert fresh["llm_called"] is True and fresh["actions"] == [], fresh
    assert "Took out" not in fresh["reply"], "--new forgot the pending question"


def test_chat_bad_input(cli_home: Path) -> None:
    unknown = buffr(cli_home, "chat", "--property", "nowhere", "--as", "+972501110002", "-m", "hi")
    assert unknown.returncode == 1 and "No property has the slug 'nowhere'" in unknown.stderr
    sender = buffr(cli_home, "chat", "--as", "not-a-phone", "-m", "hi")
    assert sender.returncode == 1 and "not a phone number" in sender.stderr
    assert "Traceback" not in unknown.stderr + sender.stderr


def test_handoff_list_and_release(demo_home: Path) -> None:
    cli_home = demo_home
    guest = "+447700900321"
    hello = buffr(
        cli_home, "chat", "--as", guest, "-m", "hello", "--json", BUFFR_LLM_PROVIDER="fake"
    )
    assert hello.returncode == 0, hello.stderr
    conversation = json.loads(hello.stdout)["conversation_id"]
    dsn = buffr(cli_home, "db", "url", "--role", "owner").stdout.strip()
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("UPDATE conversations SET status = 'handoff' WHERE id = %s", (conversation,))

    listed = buffr(cli_home, "handoff", "list")
    assert listed.returncode == 0 and str(conversation) in listed.stdout
    assert guest in listed.stdout and "hello" in listed.stdout
    refused = buffr(cli_home, "handoff", "release", str(conversation), "--as", guest)
    assert refused.returncode == 1 and "not a staff member" in refused.stderr
    released = buffr(cli_home, "handoff", "release", str(conversation), "--as", "+972501110002")
    assert released.returncode == 0 and "back with the agent" in released.stdout
    assert "No conversation is with staff" in buffr(cli_home, "handoff", "list").stdout
