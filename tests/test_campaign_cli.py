"""``buffr campaign create | preview | send | report`` on the seeded demo data:
the preview names the exclusions, a second send writes nothing new, an empty segment says so,
an unknown campaign is a clear error, and the report is per segment."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from subprocess import CompletedProcess

import pytest

from tests.cli_support import buffr
from tests.conftest import scratch_home

SMS = "Hi {name}, we miss you at {property}! {offer}. Reply STOP to opt out."


@pytest.fixture(scope="module")
def home() -> Iterator[Path]:
    with scratch_home() as path:
        for args in (("db", "upgrade"), ("seed", "demo")):
            assert run(path, *args).returncode == 0
        yield path


def run(home: Path, *args: str) -> CompletedProcess[str]:
    return buffr(home, *args)


def test_create_preview_send_twice_and_report(home: Path) -> None:
    made = run(home, "campaign", "create", "spring", "--offer", "15% off", "--sms", SMS)
    assert made.returncode == 0, made.stderr
    preview = json.loads(run(home, "campaign", "preview", "spring", "--json").stdout)
    sendable = sum(preview["by_channel"].values())
    assert preview["audience"] == sendable + sum(preview["excluded"].values())
    assert preview["excluded"]["opted_out"] > 0 and preview["excluded"]["no_consent"] > 0
    first = run(home, "campaign", "send", "spring", "--batch", "40")
    assert first.returncode == 0, first.stderr
    assert "batch 2:" in first.stderr and f"{sendable} messages written" in first.stdout
    again = run(home, "campaign", "send", "spring")
    assert "0 messages written" in again.stdout  # nobody twice
    report = json.loads(run(home, "campaign", "report", "spring", "--json").stdout)
    waiting, sent = report["total"]["waiting"], report["total"]["sent"]
    assert sent + waiting == sendable and len(report["segments"]) >= 2


def test_empty_segment_and_unknown_campaign(home: Path) -> None:
    # The city bar has no room stays: nobody has lapsed from one.
    bar = ("--property", "city-bar")
    made = run(home, "campaign", "create", "nobody", "--offer", "x", "--sms", "y", *bar)
    assert made.returncode == 0, made.stderr
    assert "the segment is empty" in run(home, "campaign", "preview", "nobody", *bar).stdout
    sent = run(home, "campaign", "send", "nobody", *bar)
    assert "the segment is empty" in sent.stdout and "0 messages written" in sent.stdout
    missing = run(home, "campaign", "report", "no-such-campaign")
    assert missing.returncode != 0 and "No campaign named" in (missing.stdout + missing.stderr)


def test_a_campaign_to_a_kmeans_segment_reaches_exactly_its_guests(home: Path) -> None:
    """``buffr campaign segments`` names the clusters; a campaign aimed at one of them (any
    case) is sent to its guests only, labelled with its name in the report."""
    clusters = json.loads(run(home, "campaign", "segments", "--json").stdout)["segments"]
    loyal = next(s for s in clusters if s["name"] == "Loyal regulars")
    made = run(home, "campaign", "create", "loyal", "-s", "loyal regulars", "--offer", "x",
               "--sms", SMS)  # fmt: skip
    assert made.returncode == 0 and "segment Loyal regulars" in made.stdout, made.stderr
    preview = json.loads(run(home, "campaign", "preview", "loyal", "--json").stdout)
    assert preview["audience"] == loyal["size"]
    sendable = sum(preview["by_channel"].values())
    assert sendable > 0 and set(preview["by_segment"]) == {"Loyal regulars"}
    sent = run(home, "campaign", "send", "loyal")
    assert f"{sendable} messages written" in sent.stdout, sent.stderr
    report = json.loads(run(home, "campaign", "report", "loyal", "--json").stdout)
    assert [s["segment"] for s in report["segments"]] == ["Loyal regulars"]

    unknown = run(home, "campaign", "create", "nope", "-s", "Night owls", "--offer", "x",
                  "--sms", SMS)  # fmt: skip
    assert unknown.returncode == 1 and "No segment named 'Night owls'" in unknown.stderr
    assert "Loyal regulars" in unknown.stderr
