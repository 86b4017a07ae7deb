"""What a turn did outside its own database transaction.

A turn that lost a deadlock is rolled back whole and run again (``agents.runtime``): nothing of
it was committed, so the second run is the only one anyone sees. That holds only while the turn
touched nothing but the database. An Arcade action (an e-mail sent from a staff member's
mailbox) is outside it: running such a turn again could send the e-mail twice. So each place
that reaches outside says so here, and the runtime runs again only a turn that reported none;
a turn that reported some and then failed raises ``TurnNotRepeatable``, which the channels'
job queue does not retry either.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar


class TurnNotRepeatable(RuntimeError):
    """The turn failed (the cause is chained) after reaching outside the database, so it must
    not be run again: what it did out there could happen twice."""

    def __init__(self, effects: list[str]) -> None:
        super().__init__(f"the turn failed after {', '.join(effects)}: not run again")
        self.effects = list(effects)


_EFFECTS: ContextVar[list[str] | None] = ContextVar("buffr_external_effects", default=None)


@contextmanager
def watching() -> Iterator[list[str]]:
    """Collect the external effects reported inside the block (this thread's context)."""
    effects: list[str] = []
    token = _EFFECTS.set(effects)
    try:
        yield effects
    finally:
        _EFFECTS.reset(token)


def reached_outside(effect: str) -> None:
    """Report an effect outside the database; called before the call, since a call that fails
    or times out may still have taken effect."""
    effects = _EFFECTS.get()
    if effects is not None:
        effects.append(effect)


def effects_so_far() -> int:
    """How many effects the block being watched has reported (0 outside one): a mark."""
    return len(_EFFECTS.get() or ())
