"""The tool contract: context, the one error a model sees, role checks and the audit trail."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel
from sqlalchemy.orm import Session

from domain.ops import AuditEntry
from domain.property import StaffRole

if TYPE_CHECKING:
    from tools.arcade.gateway import ArcadeGateway


class Actor(BaseModel):
    """Who is acting: a staff member (known by phone or login), a guest, or the system."""

    kind: Literal["staff", "guest", "system"]
    id: int | None = None
    name: str | None = None
    role: StaffRole | None = None
    phone: str | None = None

    @property
    def label(self) -> str:
        return self.name or self.phone or self.kind


@dataclass
class ToolContext:
    session: Session  # bound to one property by row-level security
    property_id: int
    actor: Actor
    conversation_id: int | None = None
    source_message: str | None = None
    # The turn's clock, pinned by evals and tests; None means the real time.
    now: datetime | None = None
    # Arcade, for actions as a staff member (tools.arcade); None without BUFFR_ARCADE_API_KEY.
    arcade: ArcadeGateway | None = None
    # The property's catalogue version as the turn's first query read it (tools.catalogue);
    # None: the catalogue reads it itself.
    catalogue_version: uuid.UUID | None = None


class ToolError(Exception):
    """A failure the model (and the person) should see: one sentence that says what to do."""


def require_staff(ctx: ToolContext, *roles: StaffRole) -> None:
    """Refuse unless the actor is staff (and, if given, has one of ``roles``)."""
    if ctx.actor.kind != "staff":
        raise ToolError("Only staff members can do that.")
    if roles and ctx.actor.role not in roles:
        allowed = ", ".join(r.value for r in roles)
        raise ToolError(f"Only a {allowed} can do that.")


def audit(
    ctx: ToolContext,
    action: str,
    entity: str,
    entity_id: object,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    """Record a write: who, which conversation, which tool, before and after."""
    ctx.session.add(
        AuditEntry(
            property_id=ctx.property_id,
            actor_kind=ctx.actor.kind,
            actor_id=ctx.actor.id,
            actor_label=ctx.actor.label,
            conversation_id=ctx.conversation_id,
            action=action,
            entity=entity,
            entity_id=None if entity_id is None else str(entity_id),
            before=before,
            after=after,
        )
    )


def jsonable(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json")
