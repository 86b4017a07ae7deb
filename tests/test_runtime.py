"""The turn runtime around the graph: the transcript, the conversation row, a person's
handoff silencing the agent, and recovery from a stale property id or a dropped connection."""

from __future__ import annotations

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from agents.runtime import AgentRuntime
from agents.turn import Turn
from buffr.db.session import CommitOutcomeUnknown, Database
from domain.conversations import Channel, Conversation, ConversationStatus, Direction, Message
from domain.seed import seed_demo
from tests.inventory_helpers import GUEST, STAFF, level, say

pytestmark = pytest.mark.demo_data()


@pytest.fixture(scope="module")
def seeded(db: Database) -> Database:
    return db


def _transcript(db: Database, sender_key: str) -> list[tuple[Direction, str]]:
    with db.owner() as session:
        rows = session.execute(
            select(Message.direction, Message.body)
            .join(Conversation, Conversation.id == Message.conversation_id)
            .where(Conversation.thread_key.like(sender_key))
            .order_by(Message.id)
        ).all()
    return [(row[0], row[1]) for row in rows]


def _conversation(db: Database, thread_key: str) -> Conversation:
    with db.owner() as session:
        found = session.scalars(
            select(Conversation).where(Conversation.thread_key == thread_key)
        ).one()
    return found


def test_turn_stores_both_sides_and_the_channel(seeded: Database) -> None:
    runtime = AgentRuntime(seeded)
    first = say(runtime, "how many heineken bottles are left?")
    result = runtime.handle(Turn("demo", Channel.WHATSAPP, STAFF, "what is low?"))
    assert result.conversation_id == first.conversation_id
    conversation = _conversation(seeded, result.thread_id.split(":", 1)[1])
    assert conversation.last_channel is Channel.WHATSAPP
    assert conversation.agent == "inventory_clerk"
    bodies = [body for _, body in _transcript(seeded, "staff:%")]
    assert bodies[-4:] == [
        "how many heineken bottles are left?",
        first.reply,
        "what is low?",
        result.reply,
    ]


def test_handoff_silences_the_agent_for_that_guest_only(seeded: Database) -> None:
    runtime = AgentRuntime(seeded)
    answered = say(runtime, "hello", sender=GUEST)
    assert answered.reply
    thread_key = answered.thread_id.split(":", 1)[1]
    with seeded.owner() as session:
        session.execute(
            update(Conversation)
            .where(Conversation.thread_key == thread_key)
            .values(status=ConversationStatus.HANDOFF)
        )
    silent = say(runtime, "are you there?", sender=GUEST)
    assert silent.reply == ""
    assert _transcript(seeded, thread_key)[-1] == (Direction.INBOUND, "are you there?")
    assert say(runtime, "what is low?").reply  # staff are still answered


def test_seed_reset_under_a_running_runtime(seeded: Database) -> None:
    """The runtime caches the slug's id; a reset re-creates the property with a new id."""
    runtime = AgentRuntime(seeded)
    say(runtime, "what is low?")
    old_id = seeded.property_id("demo")
    other = Database(seeded.endpoints)  # another process's view: its own cache
    try:
        seed_demo(other, reset=True)
    finally:
        other.dispose()
    result = say(runtime, "how many heineken bottles are left?")
    assert "Heineken" in result.reply
    assert seeded.property_id("demo") != old_id


def test_a_dropped_connection_is_retried(seeded: Database) -> None:
    runtime = AgentRuntime(seeded)
    say(runtime, "what is low?")  # a pooled connection now exists
    database = conninfo_to_dict(seeded.endpoints.app_dsn)["dbname"]
    # A role may end its own sessions: the application role ends the runtime's pooled ones.
    with psycopg.connect(seeded.endpoints.app_dsn, autocommit=True) as conn:
        killed = conn.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = %s AND usename = 'buffr_app' AND pid <> pg_backend_pid()",
            (database,),
        ).fetchone()
    assert killed is not None and killed[0] >= 1
    result = say(runtime, "how many heineken bottles are left?")
    assert "Heineken" in result.reply


def test_a_connection_lost_while_committing_is_not_run_again(seeded: Database) -> None:
    """The commit may have happened: running the turn again could take the stock out twice.
    Here the server is gone before the COMMIT arrives, so nothing was saved, and a turn run
    again would have saved one movement."""
    runtime = AgentRuntime(seeded)
    before = level(seeded, "HEIN-330-BTL")
    killed: list[int] = []

    def end_the_session(session: Session) -> None:
        if killed or session.in_nested_transaction():
            return
        driver = session.connection().connection.driver_connection
        assert isinstance(driver, psycopg.Connection)
        pid = driver.info.backend_pid
        with psycopg.connect(seeded.endpoints.app_dsn, autocommit=True) as conn:
            conn.execute("SELECT pg_terminate_backend(%s)", (pid,))
        killed.append(pid)

    event.listen(Session, "before_commit", end_the_session)
    try:
        with pytest.raises(CommitOutcomeUnknown, match="may or may not have been saved"):
            say(runtime, "took 1 bottle of heineken")
    finally:
        event.remove(Session, "before_commit", end_the_session)
    assert len(killed) == 1
    assert level(seeded, "HEIN-330-BTL") == before
    assert "Took out" in say(runtime, "took 1 bottle of heineken").reply  # the pool recovers
    assert level(seeded, "HEIN-330-BTL") == before - 1
