"""``buffr.heap.settle``: the warmed heap leaves the collector's sight, garbage does not."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from buffr.heap import settle


class Node:
    def __init__(self) -> None:
        self.other: Node | None = None


@pytest.fixture
def frozen_then_thawed() -> Iterator[None]:
    yield
    gc.unfreeze()  # leave the test process's collector as it was


def _cycle() -> weakref.ref[Node]:
    a, b = Node(), Node()
    a.other, b.other = b, a
    return weakref.ref(a)


def test_settle_freezes_what_lives_and_collects_garbage_first(frozen_then_thawed: None) -> None:
    gc.unfreeze()
    kept = Node()
    garbage = _cycle()  # unreachable already: must be collected, not frozen
    frozen = settle()
    assert garbage() is None
    assert frozen == gc.get_freeze_count() > 0
    assert not any(obj is kept for obj in gc.get_objects())  # frozen: out of every generation


def test_garbage_made_after_settling_is_still_collected(frozen_then_thawed: None) -> None:
    settle()
    later = _cycle()
    gc.collect()
    assert later() is None
