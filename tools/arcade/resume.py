"""Resuming Arcade actions that waited for a staff member's authorization.

The worker's sweep (``channels.worker``, every ~30 s) queues one ``resume_arcade_action`` job
per pending action (:func:`due_actions`); the job (:func:`resume_job`) asks Arcade where the
authorization stands and, once it is completed, runs the tool. It can run any number of times,
even at once: only the run whose guarded ``UPDATE`` moves the action from ``pending`` to
``executing`` (committed before Arcade is called) executes it, so an action runs at most once.

How it ends, and what the staff member is told (a notification, texted to them):
- done: Arcade's result is kept;
- failed: Arcade refused the tool, the authorization was declined, or it was not given within
  ``AUTHORIZATION_WAIT`` (tools.arcade.actions);
- Arcade unreachable: the action stays pending (nothing lost) and the next sweep tries again,
  up to ``MAX_ATTEMPTS`` executions. An ``executing`` action older than ``INTERRUPTED_AFTER``
  was cut off mid-call (a crash): it is failed, not retried, since Arcade may have run it.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from buffr.db.session import Database
from domain.arcade import ArcadeAction, ArcadeActionStatus
from domain.ops import Notification, NotificationKind
from domain.property import StaffUser
from tools.arcade.actions import authorization_notification, notification_data
from tools.arcade.describe import describe_action
from tools.arcade.gateway import ArcadeGateway, ArcadeRefused, ArcadeUnavailable, Execution

if TYPE_CHECKING:
    from api.services import Services

log = logging.getLogger(__name__)

PENDING = ArcadeActionStatus.PENDING
EXECUTING = ArcadeActionStatus.EXECUTING
MAX_ATTEMPTS = 5
INTERRUPTED_AFTER = timedelta(minutes=15)
FINISHED = (ArcadeActionStatus.DONE, ArcadeActionStatus.FAILED)


def resume_action(
    db: Database,
    gateway: ArcadeGateway,
    property_id: int,
    action_id: int,
    now: datetime | None = None,
) -> ArcadeActionStatus | None:
    """Move one action on if it can: returns its status afterwards (None: no such action, or
    another run has just claimed it)."""
    now = now or datetime.now(UTC)
    with db.tenant(property_id) as session:
        action = session.get(ArcadeAction, action_id)
        if action is None or action.status is not PENDING:
            return None if action is None else action.status
        if now >= action.expires_at:
            reason = "the authorization was not given in time; ask again if it is still wanted"
            return _finish(session, action, PENDING, ArcadeActionStatus.FAILED, error=reason)
        try:
            authorization = gateway.status(action.authorization_id or "")
        except ArcadeUnavailable as error:
            log.warning("Arcade action %s: status unknown for now (%s)", action_id, error)
            return PENDING
        except ArcadeRefused as error:
            return _finish(session, action, PENDING, ArcadeActionStatus.FAILED, error=str(error))
        if authorization.status == "failed":
            reason = "the authorization was declined or failed"
            return _finish(session, action, PENDING, ArcadeActionStatus.FAILED, error=reason)
        if not authorization.completed:
            return PENDING
        claimed = session.scalar(
            update(ArcadeAction)
            .where(ArcadeAction.id == action_id, ArcadeAction.status == PENDING)
            .values(status=EXECUTING, attempts=ArcadeAction.attempts + 1)
            .returning(ArcadeAction.attempts)
        )
        if claimed is None:
            return None
        attempts = claimed
        call = (action.tool_name, action.arcade_user_id, dict(action.tool_input))
    # The claim is committed: from here on no other run can execute this action.
    unavailable = ""
    try:
        execution = gateway.execute(*call)
    except ArcadeUnavailable as error:
        execution = None
        unavailable = str(error)
    except ArcadeRefused as error:
        execution = Execution(success=False, error=str(error))
    if execution is not None and not execution.success and execution.can_retry:
        unavailable = execution.error or "Arcade asked to retry"
        execution = None  # like Arcade unreachable: pending again, retried by the sweep
    with db.tenant(property_id) as session:
        action = session.get(ArcadeAction, action_id, populate_existing=True)
        assert action is not None
        if execution is None:
            if attempts < MAX_ATTEMPTS:  # nothing ran: pending again, the sweep retries
                _transition(session, action_id, EXECUTING, status=PENDING, error=unavailable)
                return PENDING
            return _finish(session, action, EXECUTING, ArcadeActionStatus.FAILED,
                           error=unavailable)  # fmt: skip
        if execution.authorization is not None:  # Arcade wants a fresh authorization
            auth = execution.authorization
            _transition(session, action_id, EXECUTING, status=PENDING,
                        authorization_id=auth.id, authorization_url=auth.url)  # fmt: skip
            session.refresh(action)
            session.add(authorization_notification(action, _staff_name(session, action)))
            return PENDING
        if not execution.success:
            return _finish(session, action, EXECUTING, ArcadeActionStatus.FAILED,
                           error=execution.error or "Arcade gave no reason")  # fmt: skip
        result = {"value": execution.value, "execution_id": execution.execution_id}
        return _finish(session, action, EXECUTING, ArcadeActionStatus.DONE, result=result)


def due_actions(session: Session, now: datetime | None = None) -> list[tuple[int, int]]:
    """For the sweep (an owner session, every property): ``(property_id, action_id)`` of each
    pending action, oldest first. Fails the actions interrupted mid-call first (see above)."""
    now = now or datetime.now(UTC)
    interrupted = session.scalars(
        select(ArcadeAction).where(
            ArcadeAction.status == EXECUTING, ArcadeAction.updated_at < now - INTERRUPTED_AFTER
        )
    ).all()
    for action in interrupted:
        reason = "interrupted while Arcade was running it; check whether it happened"
        _finish(session, action, EXECUTING, ArcadeActionStatus.FAILED, error=reason)
    rows = session.execute(
        select(ArcadeAction.property_id, ArcadeAction.id)
        .where(ArcadeAction.status == PENDING)
        .order_by(ArcadeAction.id)
    ).all()
    return [(property_id, action_id) for property_id, action_id in rows]


def resume_job(services: Services, property_id: int, payload: dict[str, Any]) -> None:
    """The ``resume_arcade_action`` job; a finished action's notification is queued at once."""
    gateway = services.runtime.arcade
    if gateway is None:
        log.warning("Arcade action %s left pending: no Arcade key", payload.get("action_id"))
        return
    status = resume_action(services.db, gateway, property_id, int(payload["action_id"]))
    if status in FINISHED:
        from channels.queue import NOTIFY_STAFF, enqueue

        enqueue(services, NOTIFY_STAFF, property_id, {})


def mark_failed(services: Services, property_id: int, payload: dict[str, Any], error: str) -> None:
    """The dead letter of a resume (a bug, not Arcade: those are handled): the action fails."""
    with services.db.tenant(property_id) as session:
        action = session.get(ArcadeAction, int(payload["action_id"]))
        if action is not None and action.status in (PENDING, EXECUTING):
            _finish(session, action, action.status, ArcadeActionStatus.FAILED, error=error[:500])


def _finish(
    session: Session,
    action: ArcadeAction,
    expected: ArcadeActionStatus,
    status: ArcadeActionStatus,
    *,
    error: str | None = None,
    result: dict[str, Any] | None = None,
) -> ArcadeActionStatus | None:
    """Move ``action`` from ``expected`` to a final ``status`` and tell its staff member; None
    if another run moved it first."""
    now = datetime.now(UTC)
    if not _transition(session, action.id, expected, status=status, error=error, result=result,
                       finished_at=now):  # fmt: skip
        return None
    what = describe_action(action.tool_name, action.tool_input)
    done = status is ArcadeActionStatus.DONE
    session.add(
        Notification(
            property_id=action.property_id,
            kind=NotificationKind.LEAD if action.lead_id is not None else NotificationKind.SYSTEM,
            recipient_staff_id=action.staff_id,
            title=(f"Done: {what}" if done else f"Could not {what}")[:200],
            body=f"Arcade has done it: {what}." if done else f"Arcade could not {what}: {error}.",
            data=notification_data(action),
        )
    )
    return status


def _transition(
    session: Session, action_id: int, expected: ArcadeActionStatus, **values: Any
) -> bool:
    """The one way an action's status changes: only from ``expected``, so a racing run that
    moved it first wins and this one changes nothing."""
    moved = session.scalar(
        update(ArcadeAction)
        .where(ArcadeAction.id == action_id, ArcadeAction.status == expected)
        .values(**values)
        .returning(ArcadeAction.id)
    )
    return moved is not None


def _staff_name(session: Session, action: ArcadeAction) -> str:
    name = session.scalar(select(StaffUser.name).where(StaffUser.id == action.staff_id))
    return name or "Hello"
