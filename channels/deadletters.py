"""The ``dead_letters`` table: jobs that failed every retry, kept for the staff console."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy.dialects.postgresql import insert

from domain.ops import DeadLetter

if TYPE_CHECKING:
    from api.services import Services


def record_dead_letter(
    services: Services,
    property_id: int,
    job: str,
    job_key: str,
    payload: dict[str, Any],
    error: str,
    attempts: int,
) -> None:
    """Write (or refresh, when the same job died before) the job's dead letter, through the
    property's own session."""
    values = {
        "property_id": property_id,
        "job": job[:64],
        "job_key": job_key[:200],
        "payload": payload,
        "error": error,
        "attempts": attempts,
    }
    statement = insert(DeadLetter).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=[DeadLetter.property_id, DeadLetter.job_key],
        set_={
            "payload": statement.excluded.payload,
            "error": statement.excluded.error,
            "attempts": DeadLetter.attempts + statement.excluded.attempts,
            "resolved_at": None,
        },
    )
    with services.db.tenant(property_id) as session:
        session.execute(statement)
