"""Run one turn: identify the sender, load the conversation, run the graph, store both sides.

The whole turn is one Postgres transaction as the application role, bound to the property:
tool writes, the transcript and the LangGraph checkpoint (the saver writes through the same
connection) commit together or not at all. So a crash can lose at most the turn in flight,
never half of one, and a pending question survives a restart because it is in the checkpoint.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Literal

from langchain_core.language_models import BaseChatModel
from psycopg import Connection
from sqlalchemy import text as sql_text

from agents.checkpoint import TurnSaver
from agents.graph import build_graph
from agents.identity import BadSender, conversation_for, identify, normalise_sender
from agents.state import AgentState, TurnContext
from agents.turn import Turn, TurnResult
from buffr.db.session import Database
from domain.conversations import Author, DeliveryStatus, Direction, Message
from tools.base import ToolContext

MAX_MESSAGE_CHARS = 2000
# "async" is not offered: it writes checkpoints from a background thread while the node runs,
# and the saver shares the turn's connection. "exit" writes once, at the end of the turn.
Durability = Literal["sync", "exit"]


class TurnRefused(ValueError):
    """The turn cannot be handled at all (unknown sender format); the message says why."""


class AgentRuntime:
    def __init__(
        self,
        db: Database,
        chat_model: Callable[[], BaseChatModel] | None = None,
        durability: Durability = "exit",
    ) -> None:
        self.db = db
        self.chat_model = chat_model
        # "exit": one checkpoint write per turn, in the turn's own transaction (see module doc).
        self.durability = durability
        self.saver = TurnSaver()
        self.graph = build_graph(self.saver)  # compiled once: compiling costs milliseconds

    def handle(self, turn: Turn) -> TurnResult:
        started = time.perf_counter()
        property_id = self.db.property_id(turn.property_slug)
        try:
            sender = normalise_sender(turn.sender)
        except BadSender as error:
            raise TurnRefused(str(error)) from error
        text = turn.text.strip()
        with self.db.tenant(property_id) as session:
            # One person's turns run one at a time, in order: two messages sent at once must
            # not both read the same pending question or both create the person's records.
            session.execute(
                sql_text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
                {"key": f"{property_id}:{sender}"},
            )
            identity = identify(session, property_id, sender)
            conversation = conversation_for(session, property_id, identity, turn.channel)
            author = Author.STAFF if identity.actor.kind == "staff" else Author.GUEST
            session.add(
                Message(
                    property_id=property_id,
                    conversation_id=conversation.id,
                    channel=turn.channel,
                    direction=Direction.INBOUND,
                    author=author,
                    body=turn.text,
                    external_id=turn.message_id,
                    delivery_status=DeliveryStatus.RECEIVED,
                )
            )
            thread_id = f"p{property_id}:{identity.thread_key}"
            tools = ToolContext(session, property_id, identity.actor, conversation.id, text)
            if len(text) > MAX_MESSAGE_CHARS:
                output: AgentState = {
                    "reply": f"That message is too long ({len(text):,} characters). Please send "
                    f"at most {MAX_MESSAGE_CHARS:,} characters, one request at a time.",
                    "agent": "runtime",
                }
            else:
                with self.saver.using(_driver_connection(session)):
                    output = self.graph.invoke(  # type: ignore[assignment]
                        {"text": text, "reply": "", "actions": [], "llm_called": False},
                        {"configurable": {"thread_id": thread_id}},
                        context=TurnContext(tools, self.chat_model),
                        durability=self.durability,
                    )
            reply = output.get("reply") or ""
            session.add(
                Message(
                    property_id=property_id,
                    conversation_id=conversation.id,
                    channel=turn.channel,
                    direction=Direction.OUTBOUND,
                    author=Author.AGENT,
                    body=reply,
                    delivery_status=DeliveryStatus.QUEUED,
                )
            )
            conversation.agent = output.get("agent")
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
        )

    def forget_thread(self, property_slug: str, sender: str) -> None:
        """Start a fresh conversation: drop the thread's checkpointed state (`--new`)."""
        property_id = self.db.property_id(property_slug)
        with self.db.tenant(property_id) as session:
            identity = identify(session, property_id, normalise_sender(sender))
            with self.saver.using(_driver_connection(session)) as saver:
                saver.delete_thread(f"p{property_id}:{identity.thread_key}")


def _driver_connection(session: Any) -> Connection[Any]:
    """The psycopg connection under the session's transaction, for the checkpoint saver."""
    connection = session.connection().connection.driver_connection
    assert isinstance(connection, Connection)
    return connection
