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
from sqlalchemy import Engine, create_engine, event, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

from buffr.services.resolve import Endpoints, sqlalchemy_url


def deadlocked(error: DBAPIError) -> bool:
    """Postgres ended a deadlock by failing this statement: the transaction holds nothing
    useful any more, and the other one goes on."""
    return isinstance(error.orig, psycopg.errors.DeadlockDetected)


class UnknownProperty(LookupError):
    """No property has that slug."""


_BIND = text("SELECT set_config('app.property_id', :pid, true)")
# With a lock key, the same round trip also takes a transaction-scoped advisory lock.
_BIND_AND_LOCK = text(
    "SELECT set_config('app.property_id', :pid, true), "
    "pg_advisory_xact_lock(hashtextextended(:key, 0))"
)


def _bind_property(session: Session, transaction: SessionTransaction, connection: Any) -> None:
    if transaction.nested:
        return  # a savepoint inside the bound transaction: the setting is already in force
    property_id = session.info.get("property_id")
    if property_id is None:
        return
    lock_key = session.info.get("lock_key")
    if lock_key is None:
        connection.execute(_BIND, {"pid": str(property_id)})
    else:
        connection.execute(_BIND_AND_LOCK, {"pid": str(property_id), "key": lock_key})


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
        self._owner_sessions = sessionmaker(self.owner_engine, expire_on_commit=False)
        self._property_ids: dict[str, int] = {}

    @contextmanager
    def tenant(self, property_id: int, lock_key: str | None = None) -> Iterator[Session]:
        """A session as the application role, seeing only ``property_id``'s rows.

        With ``lock_key``, its transactions also hold an advisory lock on that key (so work for
        one key runs one at a time). Commits on success, rolls back on error."""
        session = self._app_sessions(info={"property_id": property_id, "lock_key": lock_key})
        try:
            yield session
            session.commit()
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
