"""The sales agent's Arcade actions in a real conversation, against the local Arcade
(tests/arcade_server.py): the proposal e-mailed from the lead owner's mailbox, the owner sent
the authorization link (never the guest), a site visit put in the owner's calendar; without
Arcade the owner is asked to arrange the visit by hand."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from agents.runtime import AgentRuntime
from agents.turn import Turn, TurnResult
from buffr.db.session import Database
from domain.conversations import Channel
from tests.arcade_server import EXECUTE, FakeArcade
from tools.arcade import ArcadeGateway
from tools.arcade.actions import CREATE_EVENT, SEND_EMAIL

TODAY = date(2027, 3, 1)
NOW = datetime(2027, 3, 1, 10, 0, tzinfo=ZoneInfo("Asia/Jerusalem"))
OWNER = "dana.levi@seaside-hotel.example"  # the demo hotel's sales owner (policies.sales)
ENQUIRY = (
    "Corporate day for 40 people on 20 April, budget 12,000 ILS, we need a projector, "
    "decision by next Friday. My email is ruth@client.example"
)


pytestmark = pytest.mark.demo_data(today=TODAY)


@pytest.fixture(scope="module")
def seeded(db: Database) -> Database:
    return db


def _say(runtime: AgentRuntime, sender: str, message: str) -> TurnResult:
    return runtime.handle(Turn("demo", Channel.WHATSAPP, sender, message, now=NOW))


def _lead_details(db: Database, sender: str) -> dict[str, Any]:
    with db.owner() as session:
        details = session.execute(
            text(
                "SELECT l.details FROM leads l JOIN guests g ON g.id = l.guest_id "
                "WHERE g.phone = :phone ORDER BY l.id DESC LIMIT 1"
            ),
            {"phone": sender},
        ).scalar_one()
    assert isinstance(details, dict)
    return details


def _owner_notifications(db: Database, like: str) -> list[str]:
    with db.owner() as session:
        return list(
            session.execute(
                text(
                    "SELECT n.body FROM notifications n JOIN staff_users s "
                    "ON s.id = n.recipient_staff_id WHERE s.email = :owner AND n.body LIKE :like"
                ),
                {"owner": OWNER, "like": like},
            ).scalars()
        )


def test_the_proposal_is_emailed_from_the_owners_mailbox(
    seeded: Database, arcade: FakeArcade, gateway: ArcadeGateway
) -> None:
    arcade.grant(OWNER, SEND_EMAIL)
    runtime = AgentRuntime(seeded, arcade=gateway)
    sender = "+447700903001"
    proposal = _say(runtime, sender, ENQUIRY)
    assert "10,400.00 ILS" in proposal.reply
    assert "e-mailed it to ruth@client.example" in proposal.reply
    [sent] = [c for c in arcade.calls_to(EXECUTE) if c.body["tool_name"] == SEND_EMAIL]
    assert sent.body["user_id"] == OWNER
    assert sent.body["input"]["recipient"] == "ruth@client.example"
    assert "10,400.00 ILS" in sent.body["input"]["body"]
    assert _lead_details(seeded, sender)["proposal"]["email"]["status"] == "done"


def test_an_owner_without_authorization_gets_the_link_and_the_guest_does_not(
    seeded: Database, arcade: FakeArcade, gateway: ArcadeGateway
) -> None:
    runtime = AgentRuntime(seeded, arcade=gateway)
    sender = "+447700903002"
    proposal = _say(runtime, sender, ENQUIRY)
    assert "Our team will e-mail it to ruth@client.example" in proposal.reply
    assert "http" not in proposal.reply  # the authorization link is the owner's alone
    assert arcade.calls_to(EXECUTE) == []
    email = _lead_details(seeded, sender)["proposal"]["email"]
    assert email["status"] == "authorization_required"
    links = _owner_notifications(seeded, "%open http%")
    assert links, "the owner was not sent the authorization link"


def test_arcade_down_still_sends_the_proposal_in_the_chat(
    seeded: Database, arcade: FakeArcade, gateway: ArcadeGateway
) -> None:
    arcade.fail_next("/v1/tools/authorize", 503)
    runtime = AgentRuntime(seeded, arcade=gateway)
    sender = "+447700903003"
    proposal = _say(runtime, sender, ENQUIRY)
    assert "10,400.00 ILS" in proposal.reply and "e-mail" not in proposal.reply
    email = _lead_details(seeded, sender)["proposal"]["email"]
    assert email["status"] == "failed" and "503" in email["error"]


def test_a_site_visit_goes_into_the_owners_calendar(
    seeded: Database, arcade: FakeArcade, gateway: ArcadeGateway
) -> None:
    arcade.grant(OWNER, SEND_EMAIL)
    arcade.grant(OWNER, CREATE_EVENT)
    runtime = AgentRuntime(seeded, arcade=gateway)
    sender = "+447700903004"
    _say(runtime, sender, ENQUIRY)
    visit = _say(runtime, sender, "Could we come and see the venue on Friday at 11am?")
    assert visit.agent == "sales_funnel"
    assert "Fri 05 Mar at 11:00" in visit.reply and "invitation" in visit.reply
    [event] = [c for c in arcade.calls_to(EXECUTE) if c.body["tool_name"] == CREATE_EVENT]
    assert event.body["user_id"] == OWNER
    assert event.body["input"]["start_datetime"] == "2027-03-05T11:00:00+02:00"
    assert event.body["input"]["attendee_emails"] == ["ruth@client.example"]
    assert _lead_details(seeded, sender)["site_visit"]["calendar"] == "done"


def test_without_arcade_a_visit_is_asked_for_then_arranged_by_the_owner(
    seeded: Database,
) -> None:
    runtime = AgentRuntime(seeded)
    sender = "+447700903005"
    _say(runtime, sender, ENQUIRY)
    asked = _say(runtime, sender, "We'd love to see the venue first")
    assert "Which day and time" in asked.reply
    booked = _say(runtime, sender, "Next Thursday at 2pm")
    assert "asked our events team" in booked.reply and "Thu 04 Mar at 14:00" in booked.reply
    visit = _lead_details(seeded, sender)["site_visit"]
    assert visit == {"start": "2027-03-04T14:00:00", "calendar": "by_hand", "error": None}
    assert _owner_notifications(seeded, "%would like to visit on Thu 04 Mar at 14:00%")
