"""Engines for the two roles and sessions bound to one property.

The application role is subject to row-level security: every transaction of a property-bound
session starts with ``set_config('app.property_id', ..., true)`` (transaction-local, so a pooled
connection never carries one property's id into another's transaction).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import psycopg
from sqlalchemy import Engine, TextClause, create_engine, event, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction, sessionmaker

from buffr.services.resolve import Endpoints, sqlalchemy_url


def deadlocked(error: DBAPIError) -> bool:
    """Postgres ended a deadlock by failing this statement: the transaction holds nothing
    useful any more, and the other one goes on."""
    return isinstance(error.orig, psycopg.errors.DeadlockDetected)


class UnknownProperty(LookupError):
    """No property has that slug."""


class CommitOutcomeUnknown(RuntimeError):
    """The connection broke while the transaction was committing: the server may have
    committed it or not, and nobody can tell from here. Not a ``DBAPIError``, so callers that
    run a failed transaction again (``AgentRuntime.handle``) do not: if it did commit, its
    writes (a stock movement) would happen twice."""

    def __init__(self) -> None:
        super().__init__(
            "The database connection broke while saving: the change may or may not have been "
            "saved. Check before sending it again."
        )


def _bind_statement(locked: bool, wait_for_disk: bool) -> TextClause:
    """The first statement of a property-bound transaction. In the same round trip: with a
    lock key, a transaction-scoped advisory lock; for a transaction that may commit without
    waiting for the disk (``Database.tenant``), that setting."""
    parts = ["set_config('app.property_id', :pid, true)"]
    if locked:
        parts.append("pg_advisory_xact_lock(hashtextextended(:key, 0))")
    if not wait_for_disk:
        parts.append("set_config('synchronous_commit', 'off', true)")
    return text("SELECT " + ", ".join(parts))


_BOTH = (False, True)
_BIND = {(lock, wait): _bind_statement(lock, wait) for lock in _BOTH for wait in _BOTH}
_WAIT_FOR_DISK = text("SELECT set_config('synchronous_commit', 'on', true)")


def _bind_property(session: Session, transaction: SessionTransaction, connection: Any) -> None:
    if transaction.nested:
        return  # a savepoint inside the bound transaction: the setting is already in force
    property_id = session.info.get("property_id")
    if property_id is None:
        return
    lock_key = session.info.get("lock_key")
    statement = _BIND[(lock_key is not None, bool(session.info.get("wait_for_disk", True)))]
    params = {"pid": str(property_id)}
    if lock_key is not None:
        params["key"] = lock_key
    connection.execute(statement, params)


def wait_for_disk(session: Session) -> None:
    """Make a transaction opened with ``wait_for_disk=False`` commit durably after all (for
    a turn that turned out to change the property's data). Call it outside any savepoint: a
    rollback to a savepoint taken before it would undo it."""
    session.execute(_WAIT_FOR_DISK)


def writes_so_far(session: Session) -> int:
    """How many writing statements and flushes the session has run: a mark for
    ``wrote_since``. Counted by listeners on every application session (see ``Database``)."""
    return int(session.info.get("writes", 0))


def wrote_since(session: Session, mark: int) -> bool:
    """Whether the session wrote anything since ``mark`` (pending objects are flushed first,
    so they count). Conservative: a write a savepoint rolled back counts too."""
    session.flush()
    return writes_so_far(session) > mark


def _count_statement(state: ORMExecuteState) -> None:
    if not state.is_select:  # DML, and any text() statement: treated as a write
        state.session.info["writes"] = writes_so_far(state.session) + 1


def _count_flush(session: Session, _context: Any) -> None:
    session.info["writes"] = writes_so_far(session) + 1


def _commit(session: Session) -> None:
    wrote = writes_so_far(session) > 0 or bool(session.new or session.dirty or session.deleted)
    try:
        session.commit()
    except DBAPIError as error:
        if error.connection_invalidated and wrote:  # a reading one has nothing to lose
            raise CommitOutcomeUnknown() from error
        raise


@dataclass
class Database:
    """The owner engine (migrations, seeding, admin) and the application engine (everything
    a request or an agent does)."""

    endpoints: Endpoints
    app_pool_size: int = 10  # the API raises it to its number of concurrent turns
    owner_engine: Engine = field(init=False)
    app_engine: Engine = field(init=False)

    def __post_init__(self) -> None:
        self.owner_engine = create_engine(
            sqlalchemy_url(self.endpoints.owner_dsn), pool_pre_ping=True, pool_size=2
        )
        # No pre-ping on the hot path (it is a round trip per checkout): a connection the
        # server dropped fails its first statement instead, which invalidates the pool, and
        # callers whose work is one transaction retry it (``AgentRuntime.handle``).
        self.app_engine = create_engine(
            sqlalchemy_url(self.endpoints.app_dsn), pool_size=self.app_pool_size
        )
        self._app_sessions = sessionmaker(self.app_engine, expire_on_commit=False)
        # On the factory, not on each session: listening per session costs ~0.1 ms a turn.
        event.listen(self._app_sessions, "after_begin", _bind_property)
        event.listen(self._app_sessions, "do_orm_execute", _count_statement)
        event.listen(self._app_sessions, "after_flush", _count_flush)
        self._owner_sessions = sessionmaker(self.owner_engine, expire_on_commit=False)
        self._property_ids: dict[str, int] = {}

    @contextmanager
    def tenant(
        self, property_id: int, lock_key: str | None = None, *, wait_for_disk: bool = True
    ) -> Iterator[Session]:
        """A session as the application role, seeing only ``property_id``'s rows.

        With ``lock_key``, its transactions also hold an advisory lock on that key (so work for
        one key runs one at a time). Commits on success, rolls back on error.

        ``wait_for_disk=False``: the commit returns before the server has written it to disk
        (``synchronous_commit`` off, for this transaction only), unless ``wait_for_disk``
        (the function) is called on the session first. A Postgres or machine crash within
        ~0.6 s (three ``wal_writer_delay`` periods) can then lose the transaction, whole,
        never in part; a crash of this process loses nothing committed. For work whose loss
        is harmless (a turn's own transcript and state: ``agents.runtime``)."""
        info = {"property_id": property_id, "lock_key": lock_key, "wait_for_disk": wait_for_disk}
        session = self._app_sessions(info=info)
        try:
            yield session
            _commit(session)
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    @contextmanager
    def owner(self) -> Iterator[Session]:
        """A session as the owner role: sees every property. For seeding and admin only."""
        session = self._owner_sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def property_id(self, slug: str) -> int:
        """The id of the property with this slug (the one cross-tenant lookup allowed).

        Cached: every turn needs it and it almost never changes. Whoever finds a cached id
        stale (the property is gone) calls ``forget_property_id`` and asks again."""
        cached = self._property_ids.get(slug)
        if cached is not None:
            return cached
        with self.app_engine.connect() as conn:
            found = conn.execute(select(text("property_id_for_slug(:s)")), {"s": slug}).scalar()
        if found is None:
            raise UnknownProperty(f"No property has the slug {slug!r}.")
        self._property_ids[slug] = int(found)
        return int(found)

    def forget_property_id(self, slug: str | None = None) -> None:
        """Drop the cached id of ``slug`` (of every slug when None)."""
        if slug is None:
            self._property_ids.clear()
        else:
            self._property_ids.pop(slug, None)

    def dispose(self) -> None:
        self.owner_engine.dispose()
        self.app_engine.dispose()
