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

from sqlalchemy import Engine, create_engine, event, select, text
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

from buffr.services.resolve import Endpoints, sqlalchemy_url


class UnknownProperty(LookupError):
    """No property has that slug."""


def _bind_property(session: Session, transaction: SessionTransaction, connection: Any) -> None:
    property_id = session.info.get("property_id")
    if property_id is not None:
        connection.execute(
            text("SELECT set_config('app.property_id', :pid, true)"), {"pid": str(property_id)}
        )


@dataclass
class Database:
    """The owner engine (migrations, seeding, admin) and the application engine (everything
    a request or an agent does)."""

    endpoints: Endpoints
    owner_engine: Engine = field(init=False)
    app_engine: Engine = field(init=False)

    def __post_init__(self) -> None:
        self.owner_engine = create_engine(
            sqlalchemy_url(self.endpoints.owner_dsn), pool_pre_ping=True, pool_size=2
        )
        self.app_engine = create_engine(
            sqlalchemy_url(self.endpoints.app_dsn), pool_pre_ping=True, pool_size=10
        )
        self._app_sessions = sessionmaker(self.app_engine, expire_on_commit=False)
        self._owner_sessions = sessionmaker(self.owner_engine, expire_on_commit=False)

    @contextmanager
    def tenant(self, property_id: int) -> Iterator[Session]:
        """A session as the application role, seeing only ``property_id``'s rows.

        Commits on success, rolls back on error."""
        session = self._app_sessions(info={"property_id": property_id})
        event.listen(session, "after_begin", _bind_property)
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
        """The id of the property with this slug (the one cross-tenant lookup allowed)."""
        with self.app_engine.connect() as conn:
            found = conn.execute(select(text("property_id_for_slug(:s)")), {"s": slug}).scalar()
        if found is None:
            raise UnknownProperty(f"No property has the slug {slug!r}.")
        return int(found)

    def dispose(self) -> None:
        self.owner_engine.dispose()
        self.app_engine.dispose()
