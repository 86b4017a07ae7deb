"""Run one turn: identify the sender, load the conversation, run the graph, store both sides.

The whole turn is one Postgres transaction as the application role, bound to the property:
tool writes, the transcript and the LangGraph checkpoint (the saver writes through the same
connection) commit together or not at all. So a crash can lose at most the turn in flight,
never half of one, and a pending question survives a restart because it is in the checkpoint.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import Any, Final, cast

from langchain_core.language_models import BaseChatModel
from psycopg import Connection
from sqlalchemy import Table, insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from agents.checkpoint import TurnSaver
from agents.graph import build_graph
from agents.identity import (
    BadSender,
    PropertyGone,
    identify,
    normalise_sender,
    save_conversation,
)
from agents.inline_work import inline_background_work, install
from agents.reactivation.replies import latest_campaign_message
from agents.router import REACTIVATION, RECEPTIONIST, choose_agent
from agents.state import AgentState, TurnContext
from agents.turn import Turn, TurnResult
from buffr.db.session import Database, deadlocked, wait_for_disk, writes_so_far, wrote_since
from domain.conversations import (
    Author,
    ConversationStatus,
    DeliveryStatus,
    Direction,
    Message,
)
from tools.arcade.gateway import ArcadeGateway
from tools.base import Actor, ToolContext
from tools.effects import TurnNotRepeatable, effects_so_far, watching

log = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 2000
HANDED_OFF = "handoff"  # the agent name of a turn answered by nobody: a person has the thread
HANDOFF = ConversationStatus.HANDOFF
# LangGraph writes checkpoints as background work. Under "sync" and "async" the input
# checkpoint is saved while the first node runs, and the saver shares the turn's connection
# with the node's tools: on LangGraph's own thread pool that was two threads on one connection
# (measured: "sync" broke a tool's query once routing stopped being a graph step of its own).
# "exit" writes once, after the last node, in the turn's transaction (and, since
# agents.inline_work, in the turn's own thread); it is also the cheapest. A crash mid-turn
# loses the whole turn (nothing was committed), never part of it.
DURABILITY: Final = "exit"
# A turn whose transaction failed for a reason that running it again can cure (the server
# dropped the pooled connection; Postgres ended a deadlock by failing it) runs again from the
# start, at most this many times in all. Not one whose connection broke while it committed:
# it may have been committed (``CommitOutcomeUnknown``, which the sender is told). Deadlocks
# are rare: stock movements take their locks in product order (lock_for_movements). A
# caveat: the rollback also releases the sender's lock, so a second message of the same sender
# waiting for it goes first.
TURN_ATTEMPTS: Final = 3
# COMMITS. A turn whose graph wrote nothing (a question answered, a question asked, a chat)
# changed only its own records: the transcript, the conversation row, the checkpoint (and a
# guest's record on first contact). It commits without waiting for Postgres to flush its
# write-ahead log to disk (``synchronous_commit`` off for that transaction; measured in
# ``buffr bench turn``'s turns, interleaved: 0.8-0.9 ms of a 11-14 ms turn). A Postgres or
# machine crash in the next ~0.6 s can lose such a turn, whole; the sender saw a reply the
# history then lacks. A turn whose tools wrote anything (a stock movement, a booking, an
# order, an audit entry) or reached outside the database (an Arcade action, even one that
# failed: tools.effects) waits for the disk as every other transaction does.
_INSERT_MESSAGE = insert(cast(Table, Message.__table__))
install()  # the checkpoint is saved in the turn's thread, not a new one: agents.inline_work


class TurnRefused(ValueError):
    """The turn cannot be handled at all (unknown sender format); the message says why."""


class AgentRuntime:
    def __init__(
        self,
        db: Database,
        chat_model: Callable[[], BaseChatModel] | None = None,
        arcade: ArcadeGateway | None = None,
    ) -> None:
        self.db = db
        self.chat_model = chat_model
        self.arcade = arcade  # Arcade actions as a staff member (tools.arcade); None: absent
        self.saver = TurnSaver()
        self.graph = build_graph(self.saver)  # compiled once: compiling costs milliseconds

    def handle(self, turn: Turn) -> TurnResult:
        started = time.perf_counter()
        try:
            sender = normalise_sender(turn.sender)
        except BadSender as error:
            raise TurnRefused(str(error)) from error

        def attempt() -> TurnResult:
            try:
                return self._handle(turn, sender, self.db.property_id(turn.property_slug), started)
            except PropertyGone:
                # The cached id is stale (the property was re-created, e.g. by a seed reset).
                self.db.forget_property_id(turn.property_slug)
                return self._handle(turn, sender, self.db.property_id(turn.property_slug), started)

        attempts = 1
        while True:
            with watching() as effects:
                try:
                    return attempt()
                except Exception as error:
                    if effects:
                        raise TurnNotRepeatable(effects) from error
                    # Nothing of the turn was committed (a lost deadlock, a connection the
                    # server had dropped): run it again from the start.
                    curable = isinstance(error, DBAPIError) and (
                        error.connection_invalidated or deadlocked(error)
                    )
                    if not curable or attempts >= TURN_ATTEMPTS:
                        raise
            log.info("a turn from %s failed on the database; running it again", turn.channel.value)
            time.sleep(random.uniform(0.005, 0.05) * attempts)  # apart from whoever won
            attempts += 1

    def _handle(self, turn: Turn, sender: str, property_id: int, started: float) -> TurnResult:
        text = turn.text.strip()
        # One person's turns run one at a time, in order: two messages sent at once must not
        # both read the same pending question or both create the person's records.
        # The turn commits without waiting for the disk unless its tools changed the property's
        # data: see COMMITS.
        lock_key = f"{property_id}:{sender}"
        with self.db.tenant(property_id, lock_key=lock_key, wait_for_disk=False) as session:
            identity, conversation = identify(session, property_id, sender)
            author = Author.STAFF if identity.actor.kind == "staff" else Author.GUEST
            thread_id = f"p{property_id}:{identity.thread_key}"
            ids = (property_id, conversation.id)
            tools = ToolContext(
                session,
                property_id,
                identity.actor,
                conversation.id,
                text,
                turn.now,
                self.arcade,
                identity.catalogue_version,
            )
            silent = identity.actor.kind == "guest" and conversation.status is HANDOFF
            context = None
            if silent:
                # A person has this conversation: the agent stays silent until staff release it.
                output: AgentState = {"reply": "", "agent": conversation.agent or HANDED_OFF}
            elif len(text) > MAX_MESSAGE_CHARS:
                output = {
                    "reply": f"That message is too long ({len(text):,} characters). Please send "
                    f"at most {MAX_MESSAGE_CHARS:,} characters, one request at a time.",
                    "agent": "runtime",
                }
            else:
                agent = choose_agent(identity.actor, text)
                campaign_message = (
                    _campaign_reply(session, identity.actor, turn)
                    if agent == RECEPTIONIST
                    else None
                )
                if campaign_message is not None:
                    agent = REACTIVATION  # a guest answering a campaign
                context = TurnContext(tools, self.chat_model, campaign_message=campaign_message)
                writes_before, effects_before = writes_so_far(session), effects_so_far()
                with self.saver.using(_driver_connection(session)), inline_background_work():
                    output = self.graph.invoke(  # type: ignore[assignment]
                        {
                            "text": text,
                            "agent": agent,
                            "reply": "",
                            "actions": [],
                            "llm_called": False,
                        },
                        {"configurable": {"thread_id": thread_id}},
                        context=context,
                        durability=DURABILITY,
                    )
                if wrote_since(session, writes_before) or effects_so_far() > effects_before:
                    wait_for_disk(session)  # the turn changed something: see COMMITS
            reply = output.get("reply") or ""
            # The transcript in one executemany, at the end: Core on the table, not the ORM's
            # bulk path (measured ~1 ms a turn more), since nothing reads it back in this
            # turn. Not a multi-row VALUES: SQLAlchemy cannot cache its compiled form and
            # compiled it every turn (measured 1.25 ms against 0.5 ms for executemany). A
            # silent turn stores the guest's side only.
            rows = [_message(turn, ids, Direction.INBOUND, author, turn.text)]
            if not silent:
                rows.append(_message(turn, ids, Direction.OUTBOUND, Author.AGENT, reply))
            session.execute(_INSERT_MESSAGE, rows)
            save_conversation(session, conversation, turn.channel, output.get("agent"))
            conversation_id = conversation.id
        return TurnResult(
            reply=reply,
            agent=output.get("agent", ""),
            actions=list(output.get("actions") or []),
            llm_called=bool(output.get("llm_called")),
            latency_ms=(time.perf_counter() - started) * 1000,
            thread_id=thread_id,
            conversation_id=conversation_id,
            pending_question=bool(output.get("pending")),
            timings_ms={"llm": context.llm_clock.ms} if context is not None else {},
        )

    def forget_thread(self, property_slug: str, sender: str) -> None:
        """Start a fresh conversation: drop the thread's checkpointed state (`--new`)."""
        property_id = self.db.property_id(property_slug)
        with self.db.tenant(property_id) as session:
            identity, _ = identify(session, property_id, normalise_sender(sender))
            with self.saver.using(_driver_connection(session)) as saver:
                saver.delete_thread(f"p{property_id}:{identity.thread_key}")


def _campaign_reply(session: Session, actor: Actor, turn: Turn) -> int | None:
    """The campaign message a guest got lately, which this turn answers (one indexed query,
    for guests only)."""
    if actor.kind != "guest" or actor.id is None:
        return None
    return latest_campaign_message(session, actor.id, turn.now)


def _message(
    turn: Turn, ids: tuple[int, int], direction: Direction, author: Author, body: str
) -> dict[str, Any]:
    """One transcript row; ``ids`` is (property id, conversation id)."""
    inbound = direction is Direction.INBOUND
    return {
        "property_id": ids[0],
        "conversation_id": ids[1],
        "channel": turn.channel,
        "direction": direction,
        "author": author,
        "body": body,
        "external_id": turn.message_id if inbound else None,
        "delivery_status": DeliveryStatus.RECEIVED if inbound else DeliveryStatus.QUEUED,
    }


def _driver_connection(session: Any) -> Connection[Any]:
    """The psycopg connection under the session's transaction, for the checkpoint saver."""
    connection = session.connection().connection.driver_connection
    assert isinstance(connection, Connection)
    return connection
