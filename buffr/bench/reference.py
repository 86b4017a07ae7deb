"""How fast this host is running right now, to read a benchmark's figures against.

A shared VM's speed wanders with its neighbours' load: on this 2-core machine the loop below
took about 2.5 ms when the host was quiet, 3-4 ms in slow spells and 9 ms in the worst seen
(2026-11-23, on pyenv's CPython 3.11.7), and every latency figure rose with it. The
interpreter's build moves it too: run alone, 1.9-2.2 ms on Debian's 3.11.2 (built with
profile-guided and link-time optimisation) against 2.8 ms on pyenv's, alternating, in the same
minutes. So compare it with runs on the same interpreter, which ``interpreter()`` names.
"""

from __future__ import annotations

import statistics
import sys
import time
from platform import python_version


def reference_loop_ms() -> float:
    """A fixed pure-Python computation, timed: its time changes only with how much CPU this
    process gets, so it shows when other load on the host slowed a run down."""
    started = time.perf_counter()
    total = 0
    for i in range(40_000):
        total += i * i
    return (time.perf_counter() - started) * 1000


def host_speed_ms(runs: int = 20) -> float:
    """The reference loop's median over a few runs (~50-200 ms in all)."""
    return statistics.median(reference_loop_ms() for _ in range(runs))


def interpreter() -> str:
    """The Python that ran the figures, by version and installation (``sys.base_prefix``,
    the same inside a virtual environment): its build changes every figure (see ``./dev``)."""
    return f"Python {python_version()} from {sys.base_prefix}"
