"""Helpers of the REST resource tests (tests/test_api_rest.py, tests/test_api_ops.py)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from buffr.db.session import Database
from domain.ops import AuditEntry
from domain.seed.demo import CITY_BAR_SLUG

BASE = "/api/v1/properties/demo"
Headers = dict[str, str]


def city_bar_id(db: Database, model: Any) -> int:
    """The id of one of City Bar's rows: real, but not the demo hotel's."""
    with db.tenant(db.property_id(CITY_BAR_SLUG)) as session:
        found = session.scalar(select(model.id).order_by(model.id).limit(1))
    assert found is not None
    return int(found)


def audited(db: Database, action: str) -> list[AuditEntry]:
    with db.tenant(db.property_id("demo")) as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))
