"""Arcade actions against a local Arcade (tests/arcade_server.py) through the real arcadepy
client: absent without a key; run at once when authorized; otherwise stored, the link sent to
the staff member, and resumed exactly once after they authorize; Arcade's errors."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Any

import psycopg
import pytest
from sqlalchemy import func, select, update

from buffr.db.session import Database
from buffr.settings import Settings
from domain.arcade import ArcadeAction, ArcadeActionStatus
from domain.ops import Notification, NotificationKind
from domain.property import StaffRole, StaffUser
from domain.sales import Lead, LeadKind
from tests.arcade_server import API_KEY, AUTHORIZE, EXECUTE, STATUS, FakeArcade
from tests.factories import make_property
from tools.arcade import (
    ArcadeGateway,
    ArcadeOutcome,
    ArcadeRefused,
    ArcadeUnavailable,
    arcade_tools,
    build_gateway,
    email_proposal,
    schedule_site_visit,
)
from tools.arcade.actions import CREATE_EVENT, SEND_EMAIL
from tools.arcade.resume import due_actions, resume_action
from tools.base import Actor, ToolContext, ToolError

DONE, FAILED, PENDING = (ArcadeActionStatus.DONE, ArcadeActionStatus.FAILED,
                         ArcadeActionStatus.PENDING)  # fmt: skip
SALES_EMAIL = "maya@harbour.example"


@pytest.fixture(scope="module")
def hotel(db: Database) -> dict[str, int]:
    """Two properties; the first has a manager with an e-mail, one without, and a lead."""
    with db.owner() as s:
        prop = make_property(s, "arcade-hotel")
        other = make_property(s, "arcade-other")
        maya = StaffUser(property_id=prop.id, name="Maya", email=SALES_EMAIL,
                         phone="+972541110001", role=StaffRole.MANAGER)  # fmt: skip
        no_mail = StaffUser(property_id=prop.id, name="Avi", role=StaffRole.STAFF)
        s.add_all([maya, no_mail])
        s.flush()
        lead = Lead(property_id=prop.id, kind=LeadKind.WEDDING, currency="ILS",
                    contact_name="Dana", contact_email="dana@example.com")  # fmt: skip
        s.add(lead)
        s.flush()
        return {"property": prop.id, "other": other.id, "maya": maya.id, "avi": no_mail.id,
                "lead": lead.id}  # fmt: skip


def _ctx(session: Any, hotel: dict[str, int], gateway: ArcadeGateway | None) -> ToolContext:
    actor = Actor(kind="staff", id=hotel["maya"], name="Maya", role=StaffRole.MANAGER)
    return ToolContext(session, hotel["property"], actor, arcade=gateway)


def _proposal(db: Database, hotel: dict[str, int], gateway: ArcadeGateway) -> ArcadeOutcome:
    with db.tenant(hotel["property"]) as session:
        return email_proposal(
            _ctx(session, hotel, gateway),
            staff_id=hotel["maya"],
            to="dana@example.com",
            subject="Your wedding at the Harbour",
            body="Dear Dana, here is our proposal.",
            lead_id=hotel["lead"],
        )


def _action(db: Database, hotel: dict[str, int], action_id: int) -> ArcadeAction:
    with db.tenant(hotel["property"]) as session:
        action = session.get(ArcadeAction, action_id)
        assert action is not None
        session.expunge(action)
        return action


def _notifications(db: Database, hotel: dict[str, int], action_id: int) -> list[Notification]:
    with db.tenant(hotel["property"]) as session:
        rows = session.scalars(
            select(Notification)
            .where(Notification.data["arcade_action_id"].as_integer() == action_id)
            .order_by(Notification.id)
        ).all()
        session.expunge_all()
        return list(rows)


def _pending_action(db: Database, hotel: dict[str, int], gateway: ArcadeGateway) -> int:
    outcome = _proposal(db, hotel, gateway)
    assert outcome.status == "authorization_required"
    return outcome.action_id


def test_without_a_key_the_tools_are_absent(db: Database, hotel: dict[str, int]) -> None:
    assert build_gateway(Settings(arcade_api_key=None)) is None
    with db.tenant(hotel["property"]) as session:
        ctx = _ctx(session, hotel, None)
        assert arcade_tools(ctx) == []
        with pytest.raises(ToolError, match="not set up"):
            email_proposal(ctx, staff_id=hotel["maya"], to="a@b.co", subject="s", body="b")


def test_key_and_base_url_come_from_the_environment(
    db: Database, hotel: dict[str, int], arcade: FakeArcade, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BUFFR_ARCADE_API_KEY", API_KEY)
    monkeypatch.setenv("BUFFR_ARCADE_BASE_URL", arcade.url)
    gateway = build_gateway(Settings())
    assert gateway is not None and gateway.base_url == arcade.url
    with db.tenant(hotel["property"]) as session:
        tools = arcade_tools(_ctx(session, hotel, gateway))
    assert [tool.__name__ for tool in tools] == [
        "send_proposal_email",
        "put_site_visit_in_calendar",
    ]
    _proposal(db, hotel, gateway)
    assert [call.api_key for call in arcade.calls_to(AUTHORIZE)] == [API_KEY]


def test_an_authorized_staff_member_sends_at_once(
    db: Database, hotel: dict[str, int], arcade: FakeArcade, gateway: ArcadeGateway
) -> None:
    arcade.grant(SALES_EMAIL, SEND_EMAIL)
    outcome = _proposal(db, hotel, gateway)
    assert outcome.status == "done" and outcome.authorization_url is None
    (authorize,) = arcade.calls_to(AUTHORIZE)
    assert authorize.body == {"tool_name": SEND_EMAIL, "user_id": SALES_EMAIL}
    (execute,) = arcade.calls_to(EXECUTE)
    assert execute.body == {
        "tool_name": SEND_EMAIL,
        "user_id": SALES_EMAIL,
        "input": {"recipient": "dana@example.com", "subject": "Your wedding at the Harbour",
                  "body": "Dear Dana, here is our proposal."},
    }  # fmt: skip
    assert outcome.result["input"]["recipient"] == "dana@example.com"
    action = _action(db, hotel, outcome.action_id)
    assert (action.status, action.attempts, action.lead_id) == (DONE, 1, hotel["lead"])
    assert action.result is not None and action.result["value"]["tool"] == SEND_EMAIL
    assert _notifications(db, hotel, outcome.action_id) == []  # nothing to ask anyone


def test_authorization_required_stores_the_action_and_sends_the_link(
    db: Database, hotel: dict[str, int], arcade: FakeArcade, gateway: ArcadeGateway
) -> None:
    outcome = _proposal(db, hotel, gateway)
    assert outcome.status == "authorization_required"
    assert outcome.authorization_url is not None
    assert outcome.authorization_url not in outcome.message  # the message is safe for guests
    assert arcade.calls_to(EXECUTE) == []
    action = _action(db, hotel, outcome.action_id)
    assert action.status is PENDING and action.arcade_user_id == SALES_EMAIL
    assert action.authorization_id in arcade.authorizations
    (note,) = _notifications(db, hotel, outcome.action_id)
    assert note.recipient_staff_id == hotel["maya"] and note.kind is NotificationKind.LEAD
    assert outcome.authorization_url in note.body


def test_the_resume_runs_the_action_once_after_authorization(
    db: Database, hotel: dict[str, int], arcade: FakeArcade, gateway: ArcadeGateway
) -> None:
    action_id = _pending_action(db, hotel, gateway)
    assert resume_action(db, gateway, hotel["property"], action_id) is PENDING
    assert len(arcade.calls_to(STATUS)) == 1 and arcade.calls_to(EXECUTE) == []

    arcade.complete(_action(db, hotel, action_id).authorization_id or "")
    assert resume_action(db, gateway, hotel["property"], action_id) is DONE
    assert resume_action(db, gateway, hotel["property"], action_id) is DONE
    (execute,) = arcade.calls_to(EXECUTE)
    assert execute.body["user_id"] == SALES_EMAIL
    assert execute.body["input"]["subject"] == "Your wedding at the Harbour"
    action = _action(db, hotel, action_id)
    assert action.status is DONE and action.finished_at is not None and action.attempts == 1
    titles = [note.title for note in _notifications(db, hotel, action_id)]
    assert titles[0].startswith("Authorize:") and titles[1].startswith("Done:")
    assert len(titles) == 2


def test_concurrent_resumes_execute_once(
    db: Database, hotel: dict[str, int], arcade: FakeArcade, gateway: ArcadeGateway
) -> None:
    action_id = _pending_action(db, hotel, gateway)
    arcade.complete(_action(db, hotel, action_id).authorization_id or "")
    start = threading.Barrier(3)
    results: list[ArcadeActionStatus | None] = []

    def resume() -> None:
        start.wait()
        results.append(resume_action(db, gateway, hotel["property"], action_id))

    threads = [threading.Thread(target=resume) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(arcade.calls_to(EXECUTE)) == 1
    assert DONE in results and set(results) <= {DONE, None, ArcadeActionStatus.EXECUTING}
    assert _action(db, hotel, action_id).status is DONE


def test_a_tool_error_fails_the_action_with_arcades_reason(
    db: Database, hotel: dict[str, int], arcade: FakeArcade, gateway: ArcadeGateway
) -> None:
    action_id = _pending_action(db, hotel, gateway)
    arcade.complete(_action(db, hotel, action_id).authorization_id or "")
    arcade.tool_errors[SEND_EMAIL] = {
        "can_retry": False, "kind": "UPSTREAM_RUNTIME_BAD_REQUEST",
        "message": "Invalid recipient address",
    }  # fmt: skip
    assert resume_action(db, gateway, hotel["property"], action_id) is FAILED
    assert resume_action(db, gateway, hotel["property"], action_id) is FAILED
    assert len(arcade.calls_to(EXECUTE)) == 1
    action = _action(db, hotel, action_id)
    assert action.error is not None and "Invalid recipient address" in action.error
    last = _notifications(db, hotel, action_id)[-1]
    assert last.title.startswith("Could not") and "Invalid recipient address" in last.body


def test_a_declined_or_expired_authorization_fails(
    db: Database, hotel: dict[str, int], arcade: FakeArcade, gateway: ArcadeGateway
) -> None:
    declined = _pending_action(db, hotel, gateway)
    arcade.decline(_action(db, hotel, declined).authorization_id or "")
    assert resume_action(db, gateway, hotel["property"], declined) is FAILED
    assert "declined" in (_action(db, hotel, declined).error or "")

    expired = _pending_action(db, hotel, gateway)
    later = _action(db, hotel, expired).expires_at + timedelta(minutes=1)
    status_calls = len(arcade.calls_to(STATUS))
    assert resume_action(db, gateway, hotel["property"], expired, now=later) is FAILED
    assert "not given in time" in (_action(db, hotel, expired).error or "")
    assert len(arcade.calls_to(STATUS)) == status_calls  # decided without asking Arcade
    assert arcade.calls_to(EXECUTE) == []


def test_arcade_unreachable_at_execution_keeps_the_action_for_the_next_try(
    db: Database, hotel: dict[str, int], arcade: FakeArcade, gateway: ArcadeGateway
) -> None:
    action_id = _pending_action(db, hotel, gateway)
    arcade.complete(_action(db, hotel, action_id).authorization_id or "")
    arcade.fail_next(EXECUTE, 503, {"message": "maintenance"})
    assert resume_action(db, gateway, hotel["property"], action_id) is PENDING
    action = _action(db, hotel, action_id)
    assert action.attempts == 1 and "busy (503)" in (action.error or "")
    assert resume_action(db, gateway, hotel["property"], action_id) is DONE
    assert len(arcade.calls_to(EXECUTE)) == 2  # the 503 and the one that ran
    assert _action(db, hotel, action_id).attempts == 2


def test_a_tool_error_arcade_says_to_retry_is_retried(
    db: Database, hotel: dict[str, int], arcade: FakeArcade, gateway: ArcadeGateway
) -> None:
    action_id = _pending_action(db, hotel, gateway)
    arcade.complete(_action(db, hotel, action_id).authorization_id or "")
    arcade.tool_errors[SEND_EMAIL] = {
        "can_retry": True, "kind": "UPSTREAM_RUNTIME_RATE_LIMIT", "message": "Slow down",
    }  # fmt: skip
    assert resume_action(db, gateway, hotel["property"], action_id) is PENDING
    assert _action(db, hotel, action_id).error == "Slow down"
    with pytest.raises(ArcadeUnavailable, match="Slow down"):  # at once: told, not stored
        _proposal(db, hotel, gateway)
    del arcade.tool_errors[SEND_EMAIL]
    assert resume_action(db, gateway, hotel["property"], action_id) is DONE
    assert len(arcade.calls_to(EXECUTE)) == 3


def test_the_sweep_lists_pending_actions_and_fails_interrupted_ones(
    db: Database, hotel: dict[str, int], gateway: ArcadeGateway
) -> None:
    waiting, cut_off = _pending_action(db, hotel, gateway), _pending_action(db, hotel, gateway)
    with db.owner() as session:  # a crash after the claim, 20 minutes ago
        session.execute(
            update(ArcadeAction).where(ArcadeAction.id == cut_off)
            .values(status=ArcadeActionStatus.EXECUTING,
                    updated_at=func.now() - timedelta(minutes=20))
        )  # fmt: skip
    with db.owner() as session:
        due = due_actions(session)
    assert (hotel["property"], waiting) in due and (hotel["property"], cut_off) not in due
    assert _action(db, hotel, cut_off).status is FAILED
    assert "interrupted" in _notifications(db, hotel, cut_off)[-1].body


def test_arcade_errors_are_clear_tool_errors_and_store_nothing(
    db: Database, hotel: dict[str, int], arcade: FakeArcade, gateway: ArcadeGateway
) -> None:
    with db.tenant(hotel["property"]) as session:
        before = session.scalar(select(func.count()).select_from(ArcadeAction))
    arcade.fail_next(AUTHORIZE, 500)
    with pytest.raises(ArcadeUnavailable, match="try again"):
        _proposal(db, hotel, gateway)
    arcade.fail_next(AUTHORIZE, 400, {"name": "bad_request", "message": "unknown tool"})
    with pytest.raises(ArcadeRefused, match="unknown tool"):
        _proposal(db, hotel, gateway)
    with pytest.raises(ArcadeRefused, match="BUFFR_ARCADE_API_KEY"):
        _proposal(db, hotel, ArcadeGateway("wrong-key", arcade.url, sdk_retries=0))
    arcade.grant(SALES_EMAIL, SEND_EMAIL)
    arcade.fail_next(EXECUTE, 502)
    with pytest.raises(ArcadeUnavailable):
        _proposal(db, hotel, gateway)
    nobody = ArcadeGateway(API_KEY, "http://127.0.0.1:9", sdk_retries=0)  # port 9: discard
    with pytest.raises(ArcadeUnavailable, match="could not be reached"):
        _proposal(db, hotel, nobody)
    with db.tenant(hotel["property"]) as session:
        assert session.scalar(select(func.count()).select_from(ArcadeAction)) == before


def test_staff_without_an_email_cannot_be_acted_for(
    db: Database, hotel: dict[str, int], arcade: FakeArcade, gateway: ArcadeGateway
) -> None:
    with db.tenant(hotel["property"]) as session, pytest.raises(ToolError, match="no e-mail"):
        email_proposal(_ctx(session, hotel, gateway), staff_id=hotel["avi"],
                       to="dana@example.com", subject="s", body="b")  # fmt: skip
    assert arcade.calls == []


def test_a_site_visit_goes_in_the_calendar_at_the_propertys_local_time(
    db: Database, hotel: dict[str, int], arcade: FakeArcade, gateway: ArcadeGateway
) -> None:
    arcade.grant(SALES_EMAIL, CREATE_EVENT)
    with db.tenant(hotel["property"]) as session:
        outcome = schedule_site_visit(
            _ctx(session, hotel, gateway),
            staff_id=hotel["maya"],
            attendee_email="dana@example.com",
            start=datetime(2030, 1, 10, 11, 0),  # naive: Asia/Jerusalem, +02:00 in January
            end=datetime(2030, 1, 10, 12, 0),
            title="Site visit: Dana's wedding",
            location="Lobby",
        )
    assert outcome.status == "done"
    (execute,) = arcade.calls_to(EXECUTE)
    assert execute.body["tool_name"] == CREATE_EVENT
    assert execute.body["input"] == {
        "summary": "Site visit: Dana's wedding",
        "start_datetime": "2030-01-10T11:00:00+02:00",
        "end_datetime": "2030-01-10T12:00:00+02:00",
        "attendee_emails": ["dana@example.com"],
        "location": "Lobby",
    }
    with db.tenant(hotel["property"]) as session, pytest.raises(ToolError, match="end after"):
        schedule_site_visit(_ctx(session, hotel, gateway), staff_id=hotel["maya"],
                            attendee_email="dana@example.com", title="x",
                            start=datetime(2030, 1, 10, 12),
                            end=datetime(2030, 1, 10, 11))  # fmt: skip


def test_arcade_actions_are_tenant_isolated(
    db: Database, hotel: dict[str, int], gateway: ArcadeGateway
) -> None:
    action_id = _pending_action(db, hotel, gateway)
    with psycopg.connect(db.endpoints.app_dsn) as conn:
        conn.execute("SELECT set_config('app.property_id', %s, true)", (str(hotel["other"]),))
        assert conn.execute("SELECT count(*) FROM arcade_actions").fetchone() == (0,)
        updated = conn.execute(
            "UPDATE arcade_actions SET status = 'done' WHERE id = %s", (action_id,)
        ).rowcount
        assert updated == 0
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            conn.execute(
                "INSERT INTO arcade_actions (property_id, staff_id, tool_name, tool_input, "
                "arcade_user_id, status, expires_at) VALUES "
                "(%s, %s, 'Gmail.SendEmail', '{}', 'x@y.z', 'pending', now())",
                (hotel["property"], hotel["maya"]),
            )
    assert _action(db, hotel, action_id).status is PENDING
