"""Each thread keeps only its latest checkpoint (agents.checkpoint): older checkpoints, their
writes and the blobs nothing references any more are deleted as the new one is saved, while
everything the latest checkpoint points at, including values from earlier turns, stays."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from agents.runtime import AgentRuntime
from buffr.db.session import Database
from tests.inventory_helpers import GUEST, OTHER_STAFF, STAFF, level, say, set_level

pytestmark = pytest.mark.demo_data()


@pytest.fixture(scope="module")
def seeded(db: Database) -> Database:
    return db


def _stored(db: Database, thread_id: str) -> tuple[int, set[tuple[str, str]], set[tuple[str, str]]]:
    """(checkpoints, blobs stored, blobs the latest checkpoint references) of one thread."""
    with db.owner() as session:
        checkpoints = session.scalar(
            text("SELECT count(*) FROM checkpoints WHERE thread_id = :t"), {"t": thread_id}
        )
        stored = session.execute(
            text("SELECT channel, version FROM checkpoint_blobs WHERE thread_id = :t"),
            {"t": thread_id},
        ).all()
        versions = session.scalar(
            text(
                "SELECT checkpoint -> 'channel_versions' FROM checkpoints WHERE thread_id = :t "
                "ORDER BY checkpoint_id DESC LIMIT 1"
            ),
            {"t": thread_id},
        )
    referenced = {(channel, str(version)) for channel, version in (versions or {}).items()}
    return int(checkpoints or 0), {(c, v) for c, v in stored}, referenced


def test_only_the_latest_checkpoint_is_kept_and_its_blobs_survive(seeded: Database) -> None:
    runtime = AgentRuntime(seeded)
    for sender in (STAFF, OTHER_STAFF):
        runtime.forget_thread("demo", sender)
    set_level(seeded, "HEIN-330-BTL", 10)

    updated = say(runtime, "took 1 bottle of heineken")
    thread = updated.thread_id
    first_blobs = _stored(seeded, thread)[1]
    assert any(channel == "last" for channel, _ in first_blobs)  # the update, kept for "no, …"

    for message in ("what is low?", "how many heineken bottles are left?"):
        say(runtime, message)
        checkpoints, stored, referenced = _stored(seeded, thread)
        assert checkpoints == 1
        assert stored <= referenced  # nothing unreferenced is left behind
        # The last update was written two turns ago and is still what the state points at.
        last_blob = next(blob for blob in first_blobs if blob[0] == "last")
        assert last_blob in stored

    # A pending question survives the pruning and is answered from the pruned thread.
    asked = say(runtime, "took 20 bottles of heineken")
    assert asked.pending_question and level(seeded, "HEIN-330-BTL") == 9
    other = say(runtime, "what is low?", sender=OTHER_STAFF)  # another thread in between
    answered = say(runtime, "yes")
    assert "Now 0 in stock" in answered.reply and level(seeded, "HEIN-330-BTL") == 0
    assert _stored(seeded, thread)[0] == 1
    assert _stored(seeded, other.thread_id)[0] == 1  # each thread keeps its own


def test_pruning_one_thread_leaves_other_threads_alone(seeded: Database) -> None:
    runtime = AgentRuntime(seeded)
    staff = say(runtime, "what is low?")
    guest = say(runtime, "hello", sender=GUEST)
    before = _stored(seeded, guest.thread_id)
    for _ in range(3):
        say(runtime, "what is low?")
    assert _stored(seeded, guest.thread_id) == before
    assert _stored(seeded, staff.thread_id)[0] == 1
