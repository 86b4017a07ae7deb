"""`buffr kb`, run in-process (tests/cli_support.py): the seeded demo documents, ingest, list,
search, delete, and bad input as one line and exit code 1."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli_support import buffr
from tests.conftest import scratch_home


@pytest.fixture(scope="module")
def cli_home() -> Iterator[Path]:
    """One home for the module, migrated and seeded (with the demo documents) once."""
    with scratch_home() as path:
        for command in (("db", "upgrade"), ("seed", "demo")):
            result = run(path, *command)
            assert result.returncode == 0, result.stderr
        yield path


def run(home: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return buffr(home, *args, **extra)


def failed(result: subprocess.CompletedProcess[str], message: str) -> bool:
    """Exit code 1 and one clear line on stderr, no traceback."""
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    return (
        result.returncode == 1
        and "Traceback" not in result.stderr
        and len(lines) == 1
        and lines[0].startswith("error:")
        and message in lines[0]
    )


def test_seed_loaded_the_demo_documents(cli_home: Path) -> None:
    listed = run(cli_home, "kb", "list")
    assert listed.returncode == 0, listed.stderr
    for source in ("demo/faq.md", "demo/house-rules.md", "demo/restaurant.md", "demo/spa.md"):
        assert source in listed.stdout
    assert "minilm-l6-int8" in listed.stdout
    again = run(cli_home, "seed", "demo")
    assert again.returncode == 0 and "nothing to do" in again.stdout


def test_search_shows_scores_and_sources(cli_home: Path) -> None:
    result = run(cli_home, "kb", "search", "What time is check-in?", "-k", "3")
    assert result.returncode == 0, result.stderr
    assert "15:00" in result.stdout
    assert "demo/faq.md" in result.stdout or "demo/house-rules.md" in result.stdout
    assert "score" in result.stdout and "#1" in result.stdout
    rows = [line for line in result.stdout.splitlines() if line.strip().startswith("│ ")]
    assert sum(1 for line in rows if line.split("│")[1].strip().isdigit()) == 3


def test_ingest_is_idempotent_and_delete_removes(cli_home: Path, tmp_path: Path) -> None:
    doc = tmp_path / "shuttle.md"
    doc.write_text("# Shuttle\nThe airport shuttle leaves at 06:15 from the main door.\n")
    first = run(cli_home, "kb", "ingest", str(doc))
    assert first.returncode == 0, first.stderr
    assert "1 created, 0 updated, 0 unchanged" in first.stdout
    again = run(cli_home, "kb", "ingest", str(doc), "--property", "demo")
    assert "0 created, 0 updated, 1 unchanged; 0 chunks embedded" in again.stdout

    found = run(cli_home, "kb", "search", "shuttle 06:15", "-k", "1")
    assert str(doc.resolve()) in found.stdout.replace("\n", "") or "shuttle.md" in found.stdout

    deleted = run(cli_home, "kb", "delete", str(doc))
    assert deleted.returncode == 0, deleted.stderr
    assert "deleted document" in deleted.stdout and "1 chunks" in deleted.stdout
    assert "shuttle.md" not in run(cli_home, "kb", "list").stdout
    assert failed(run(cli_home, "kb", "delete", str(doc)), "No document has the id or source")


def test_bad_input_is_one_line_and_writes_nothing(cli_home: Path, tmp_path: Path) -> None:
    before = run(cli_home, "kb", "list").stdout
    broken = tmp_path / "menu.pdf"
    broken.write_bytes(b"%PDF-1.7\n\x00\x01 not really a pdf")
    assert failed(run(cli_home, "kb", "ingest", str(broken)), "damaged PDF")
    huge = tmp_path / "huge.txt"
    with huge.open("wb") as stream:
        stream.truncate(50 * 1024 * 1024)
    assert failed(run(cli_home, "kb", "ingest", str(huge)), "the limit is 20.0 MB")
    odd = tmp_path / "notes.docx"
    odd.write_bytes(b"PK")
    assert failed(run(cli_home, "kb", "ingest", str(odd)), "not a supported type")
    assert failed(run(cli_home, "kb", "ingest", "http://127.0.0.1:9/faq.html"), "Could not fetch")
    assert failed(run(cli_home, "kb", "list", "--property", "nowhere"), "No property has the slug")
    assert run(cli_home, "kb", "list").stdout == before


def test_embedding_configuration_errors(cli_home: Path) -> None:
    bogus = run(cli_home, "kb", "search", "pool", BUFFR_EMBED_PROVIDER="bogus")
    assert bogus.returncode == 2 and "BUFFR_EMBED_PROVIDER" in bogus.stderr
    assert "Traceback" not in bogus.stderr
    keyless = run(cli_home, "kb", "search", "pool", BUFFR_EMBED_PROVIDER="openai")
    assert failed(keyless, "needs an API key")
