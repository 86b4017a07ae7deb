"""Arcade actions: something done through Arcade on behalf of a staff member (an e-mail sent
from their Gmail, an event put in their calendar), kept while it waits for their authorization.

Lifecycle: ``pending`` (Arcade wants the staff member to authorize; the link went to them) ->
``executing`` (claimed by one resume, which is calling Arcade) -> ``done`` (with Arcade's result)
or ``failed`` (with the reason: Arcade refused, the authorization expired or was declined).
Every transition is a guarded ``UPDATE ... WHERE status = <expected>``, so two resumes of one
action cannot both execute it. ``executing`` exists so the claim commits before the call to
Arcade: a crash during the call leaves the action visibly interrupted instead of pending, which
would send the e-mail a second time.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Integer, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from domain.base import (
    Base,
    JSONDict,
    created_at,
    pk,
    property_fk,
    same_property_fk,
    str_enum,
    updated_at,
)


class ArcadeActionStatus(enum.StrEnum):
    PENDING = "pending"
    EXECUTING = "executing"
    DONE = "done"
    FAILED = "failed"


class ArcadeAction(Base):
    __tablename__ = "arcade_actions"
    __table_args__ = (
        same_property_fk(["staff_id"], "staff_users", ondelete="CASCADE"),
        same_property_fk(["lead_id"], "leads"),
    )

    id: Mapped[int] = pk()
    property_id: Mapped[int] = property_fk()
    staff_id: Mapped[int] = mapped_column(BigInteger)  # on whose behalf
    lead_id: Mapped[int | None] = mapped_column(BigInteger)
    conversation_id: Mapped[int | None] = mapped_column(BigInteger)  # where it was asked for
    tool_name: Mapped[str] = mapped_column(String(128))  # e.g. Gmail.SendEmail
    tool_input: Mapped[JSONDict] = mapped_column(JSONB)
    arcade_user_id: Mapped[str] = mapped_column(String(320))  # the staff member's e-mail
    authorization_id: Mapped[str | None] = mapped_column(String(200))
    authorization_url: Mapped[str | None] = mapped_column(Text)
    status: Mapped[ArcadeActionStatus] = mapped_column(
        str_enum(ArcadeActionStatus, "arcade_action_status"), default=ArcadeActionStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    result: Mapped[JSONDict | None] = mapped_column(JSONB)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()
    # After this the authorization link is not worth waiting for: the action fails.
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column()
