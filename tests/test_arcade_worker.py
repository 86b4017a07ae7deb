"""The background path of an Arcade action: the worker's sweep finds the action waiting for
authorization and queues its resume job, which runs it once the staff member has authorized."""

from __future__ import annotations

from sqlalchemy import select

from buffr.db.session import Database
from channels.worker import sweep
from domain.arcade import ArcadeAction, ArcadeActionStatus
from domain.ops import Notification, NotificationStatus
from domain.property import StaffRole, StaffUser
from tests.api_support import api_services
from tests.arcade_server import API_KEY, EXECUTE, FakeArcade
from tests.channels_support import running_worker
from tests.factories import make_property
from tools.arcade import ArcadeGateway, email_proposal
from tools.base import Actor, ToolContext

EMAIL = "lior@harbour.example"


def test_the_sweep_resumes_an_authorized_action_through_the_worker(db: Database) -> None:
    with db.owner() as s:
        prop = make_property(s, "arcade-worker")
        # No phone: the notifications are marked sent without texting anyone (no Twilio here).
        staff = StaffUser(property_id=prop.id, name="Lior", email=EMAIL, role=StaffRole.MANAGER)
        s.add(staff)
        s.flush()
        property_id, staff_id = prop.id, staff.id
    arcade = FakeArcade().start()
    gateway = ArcadeGateway(API_KEY, arcade.url, sdk_retries=0)
    services = api_services(db)
    services.runtime.arcade = gateway
    try:
        with db.tenant(property_id) as session:
            actor = Actor(kind="staff", id=staff_id, name="Lior", role=StaffRole.MANAGER)
            outcome = email_proposal(
                ToolContext(session, property_id, actor, arcade=gateway),
                staff_id=staff_id, to="guest@example.com", subject="Proposal", body="Hello",
            )  # fmt: skip
        assert outcome.status == "authorization_required"
        with db.tenant(property_id) as session:
            authorization_id = session.scalar(
                select(ArcadeAction.authorization_id).where(ArcadeAction.id == outcome.action_id)
            )
        arcade.complete(authorization_id or "")
        with running_worker(services) as worker:
            queued = sweep(services)
            worker.drain()
        assert queued == 2  # the notification with the link, and the action's resume
        with db.tenant(property_id) as session:
            action = session.get(ArcadeAction, outcome.action_id)
            assert action is not None and action.status is ArcadeActionStatus.DONE
            statuses = session.scalars(
                select(Notification.status).where(Notification.recipient_staff_id == staff_id)
            ).all()
        assert len(arcade.calls_to(EXECUTE)) == 1
        # The link and the "done" note both went out (the job queues the latter itself).
        assert sorted(statuses) == [NotificationStatus.SENT, NotificationStatus.SENT]
    finally:
        gateway.close()
        arcade.stop()
