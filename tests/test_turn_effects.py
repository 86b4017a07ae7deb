"""A turn's effects outside the database (tools.effects): recorded only while a turn watches,
per thread, and a turn that failed after one is dead-lettered by the job queue, not retried."""

from __future__ import annotations

import threading
from types import SimpleNamespace
from typing import Any

import pytest

from agents.turn import Turn
from channels.errors import PermanentError
from channels.inbound import _run_turn
from domain.conversations import Channel
from tools.effects import TurnNotRepeatable, reached_outside, watching


def test_effects_are_recorded_only_inside_a_watch_and_per_thread() -> None:
    reached_outside("arcade Gmail.SendEmail")  # nobody watching: nothing to record, no error
    seen_elsewhere: list[list[str]] = []

    def other_thread() -> None:
        with watching() as mine:
            seen_elsewhere.append(mine)

    with watching() as effects:
        reached_outside("arcade Gmail.SendEmail")
        thread = threading.Thread(target=other_thread)
        thread.start()
        thread.join()
    assert effects == ["arcade Gmail.SendEmail"]
    assert seen_elsewhere == [[]]


def test_a_channel_turn_that_failed_after_an_effect_is_not_retried() -> None:
    class Runtime:
        def handle(self, turn: Turn) -> Any:
            raise TurnNotRepeatable(["arcade Gmail.SendEmail"]) from RuntimeError("deadlock")

    services: Any = SimpleNamespace(runtime=Runtime())
    payload = {"slug": "demo"}
    with pytest.raises(PermanentError, match=r"arcade Gmail\.SendEmail"):
        _run_turn(services, 1, payload, Channel.SMS, "+15005550006", "SM1", "yes, send it")
