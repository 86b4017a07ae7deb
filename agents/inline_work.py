"""A turn's LangGraph background work, run in the turn's own thread instead of a new one.

LangGraph hands a graph's background work to a thread pool it makes for each ``invoke``
(``langgraph.pregel._executor.BackgroundExecutor``, through langchain-core's
``get_executor_for_config``). With durability "exit" (``agents.runtime``) that work is the one
checkpoint save at the end, which the turn then waits for: so every turn started a thread,
handed it the save and joined it. Measured with ``buffr bench turn``'s turns, interleaved in
one process, 400 of each: 12.6 -> 10.8 ms and 14.0 -> 12.7 ms p50 for a tool-call turn, 10.0 ->
9.1 and 11.6 -> 10.4 ms for a turn without one. The turn has nothing else to do meanwhile,
and the saver writes through the turn's own connection, so one thread is also the safer way.

LangGraph offers no public way to pass an executor, so ``install`` replaces the name its
module imported, and the replacement gives the inline executor only inside
``inline_background_work()`` (the runtime's ``invoke``) and the original everywhere else.
Only for ``invoke`` without streaming, and only for the graph invoked in that context, not
for graphs its nodes start: "messages" and "custom" stream modes, ``subgraphs=True`` and eager
graphs (the functional API's) submit a waiter that blocks until the graph streams something,
which run inline would never return. If an
upgrade moves the name, nothing is replaced, a warning says so, and turns run as before,
slower (``tests/test_inline_work.py`` fails then, to say it).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from typing import Any, ParamSpec, TypeVar

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")

_inline: ContextVar[bool] = ContextVar("buffr_inline_background_work", default=False)


class InlineExecutor(Executor):
    """Runs each submitted call at once, in the caller's thread; the future it returns is
    done, with the call's result or its exception (which LangGraph re-raises on exit)."""

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        future: Future[T] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as error:  # the future carries it to LangGraph, which re-raises it
            future.set_exception(error)
        return future


_INLINE = InlineExecutor()
_NAME = "get_executor_for_config"  # as langgraph.pregel._executor imported it


@contextmanager
def inline_background_work() -> Iterator[None]:
    """Inside: the next graph invoked in this context runs its background work inline."""
    token = _inline.set(True)
    try:
        yield
    finally:
        _inline.reset(token)


def install() -> bool:
    """Put the choosing executor factory in LangGraph's place (once); whether it is there."""
    try:
        from langgraph.pregel import _executor
    except ImportError:
        _executor = None  # type: ignore[assignment]
    original = getattr(_executor, _NAME, None)
    if original is None:
        log.warning(
            "langgraph.pregel._executor.get_executor_for_config is gone: each turn's checkpoint "
            "is saved on a thread of its own again (~1.3 ms a turn); see agents/inline_work.py"
        )
        return False
    if getattr(original, "_buffr_inline", False):
        return True
    setattr(_executor, _NAME, _choosing(original))
    return True


def _choosing(
    original: Callable[[Any], AbstractContextManager[Executor]],
) -> Callable[[Any], AbstractContextManager[Executor]]:
    @contextmanager
    def get_executor_for_config(config: Any) -> Iterator[Executor]:
        if _inline.get():
            # For this graph only: a graph started inside one of its nodes (which run in copies
            # of this context) gets LangGraph's pool, since it might stream or be eager.
            _inline.set(False)
            yield _INLINE
        else:
            with original(config) as executor:
                yield executor

    get_executor_for_config._buffr_inline = True  # type: ignore[attr-defined]
    return get_executor_for_config
