"""What the REST resources share: the property prefix, a page of results, numbers as JSON
numbers, and the glue from a route to the tools (a staff ``ToolContext``, the audit trail,
404 and 409 answers).

Routes stay thin: they read, or they call a tool (which already audits its write) or change
one row and call :func:`audit_write` themselves, so every write leaves an ``AuditEntry``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Generic, TypeVar

from fastapi import HTTPException, Query, status
from pydantic import BaseModel, ConfigDict, PlainSerializer
from sqlalchemy.orm import Session

from api.auth import StaffPrincipal
from tools.base import Actor, ToolContext, ToolError, audit

PREFIX = "/api/v1/properties/{slug}"
T = TypeVar("T")

# Money and stock quantities are exact Decimals inside; a front-end wants JSON numbers.
Number = Annotated[Decimal, PlainSerializer(float, return_type=float, when_used="json")]

MAX_ID = 2**63 - 1  # ids are bigint: a larger one is a 422, not a database error
IdFilter = Annotated[int | None, Query(ge=1, le=MAX_ID, description="Filter by this id.")]
Limit = Annotated[int, Query(ge=1, le=200, description="At most this many rows (1-200).")]
Offset = Annotated[int, Query(ge=0, le=1_000_000, description="Rows to skip.")]


class Public(BaseModel):
    """A response model read straight from ORM rows."""

    model_config = ConfigDict(from_attributes=True)


class Page(BaseModel, Generic[T]):
    """One page of a longer list: ``total`` rows match, these are ``offset``.. onwards."""

    items: list[T]
    total: int
    limit: int
    offset: int


def staff_context(session: Session, staff: StaffPrincipal) -> ToolContext:
    """The tools' context for a logged-in staff member: the same rules, and the same audit
    trail, as when they act through chat."""
    actor = Actor(kind="staff", id=staff.staff_id, name=staff.name, role=staff.role)
    return ToolContext(session=session, property_id=staff.property_id, actor=actor)


def audit_write(
    session: Session,
    staff: StaffPrincipal,
    action: str,
    entity: str,
    entity_id: object,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    """Record a write a route made itself (``action`` is the route's name)."""
    audit(staff_context(session, staff), action, entity, entity_id, before, after)


def not_found(what: str, ident: object) -> HTTPException:
    """Missing and another property's rows (hidden by row-level security) get the same 404."""
    return HTTPException(status.HTTP_404_NOT_FOUND, f"There is no {what} {ident} here.")


def refused(error: ToolError) -> HTTPException:
    """A tool refused the write because of the data as it stands (already cancelled, not
    enough stock...): a 409 carrying the tool's sentence."""
    return HTTPException(status.HTTP_409_CONFLICT, str(error))
