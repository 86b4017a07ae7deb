"""Background jobs that failed every retry (a reply that never went out, an alert never
sent): managers see them, unresolved first, and mark them resolved once dealt with."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from sqlalchemy import func, select

from api.deps import Manager, PropertySession
from api.routes.schemas import (
    MAX_ID,
    PREFIX,
    Limit,
    Offset,
    Page,
    Public,
    audit_write,
    not_found,
)
from domain.ops import DeadLetter

router = APIRouter(prefix=PREFIX, tags=["dead letters"])

DeadLetterId = Annotated[int, Path(ge=1, le=MAX_ID, description="Dead letter id.")]


class DeadLetterPublic(Public):
    id: int
    job: str
    job_key: str
    payload: dict[str, Any]
    error: str
    attempts: int
    resolved_at: datetime | None
    created_at: datetime


@router.get("/dead-letters", summary="Failed background jobs, unresolved first (manager)")
def list_dead_letters(
    _: Manager,
    session: PropertySession,
    resolved: Annotated[bool | None, Query(description="Only resolved, or unresolved.")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[DeadLetterPublic]:
    query = select(DeadLetter)
    if resolved is not None:
        query = query.where(
            DeadLetter.resolved_at.is_not(None) if resolved else DeadLetter.resolved_at.is_(None)
        )
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(
            DeadLetter.resolved_at.is_not(None), DeadLetter.created_at.desc(), DeadLetter.id.desc()
        )
        .limit(limit)
        .offset(offset)
    ).all()
    return Page(
        items=[DeadLetterPublic.model_validate(d) for d in rows],
        total=total,
        limit=limit,
        offset=offset,
    )


@router.post("/dead-letters/{dead_letter_id}/resolve", summary="Mark a failed job dealt with")
def resolve_dead_letter(
    dead_letter_id: DeadLetterId, staff: Manager, session: PropertySession
) -> DeadLetterPublic:
    letter = session.get(DeadLetter, dead_letter_id, with_for_update=True)
    if letter is None:
        raise not_found("dead letter", dead_letter_id)
    if letter.resolved_at is None:
        letter.resolved_at = datetime.now(UTC)
        audit_write(
            session,
            staff,
            "resolve_dead_letter",
            "dead_letters",
            letter.id,
            {"resolved_at": None},
            {"resolved_at": letter.resolved_at.isoformat()},
        )
    return DeadLetterPublic.model_validate(letter)
