"""One normalised inbound message and what the graph made of it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from domain.conversations import Channel


@dataclass(frozen=True)
class Turn:
    """What a channel adapter hands the graph: property, channel, sender, text, message id."""

    property_slug: str
    channel: Channel
    sender: str  # E.164 phone number, or a staff login (e-mail) on the console
    text: str
    message_id: str | None = None
    now: datetime | None = None  # pinned clock (evals, tests); None: the real time


@dataclass
class TurnResult:
    reply: str
    agent: str
    actions: list[dict[str, Any]] = field(default_factory=list)
    llm_called: bool = False
    latency_ms: float = 0.0
    thread_id: str = ""
    conversation_id: int | None = None
    pending_question: bool = False
    timings_ms: dict[str, float] = field(default_factory=dict)
