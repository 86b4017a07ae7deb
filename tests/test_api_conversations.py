"""The staff console's conversations: the inbox, a thread, and taking one over, replying by
hand (handed to the outbound channel after the reply is stored) and giving it back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.services import Services
from buffr.db.session import Database
from channels import outbound
from domain.conversations import (
    Author,
    Channel,
    Conversation,
    ConversationStatus,
    DeliveryStatus,
    Direction,
    Message,
)
from domain.guests import Guest
from domain.seed.demo import CITY_BAR_SLUG
from tests.api_rest_support import BASE, Headers, audited
from tests.api_support import STAFF, api_client, api_services, login

LONG = "I would like to ask about " + "the sea view rooms and " * 12 + "parking."


pytestmark = pytest.mark.demo_data()


@dataclass(frozen=True)
class Threads:
    whatsapp: int  # a guest known by phone; older activity
    web: int  # a web visitor; the newest activity
    closed: int
    foreign: int  # City Bar's


@pytest.fixture(scope="module")
def client(db: Database) -> TestClient:
    return api_client(api_services(db))


@pytest.fixture(scope="module")
def staff(client: TestClient) -> Headers:
    return login(client, STAFF)


def _thread(
    db: Database,
    slug: str,
    key: str,
    guest: dict[str, Any],
    channel: Channel,
    minutes_ago: int,
    status: ConversationStatus = ConversationStatus.OPEN,
) -> int:
    property_id = db.property_id(slug)
    at = datetime.now(UTC) - timedelta(minutes=minutes_ago)
    with db.tenant(property_id) as session:
        person = Guest(property_id=property_id, preferences=[], **guest)
        session.add(person)
        session.flush()
        conversation = Conversation(
            property_id=property_id,
            thread_key=key,
            guest_id=person.id,
            last_channel=channel,
            status=status,
            last_inbound_at=at,
        )
        session.add(conversation)
        session.flush()
        for offset, (direction, author, body) in enumerate(
            (
                (Direction.INBOUND, Author.GUEST, "Hello, is breakfast included?"),
                (Direction.OUTBOUND, Author.AGENT, "Breakfast is included on the B&B rate."),
                (Direction.INBOUND, Author.GUEST, LONG),
            )
        ):
            session.add(
                Message(
                    property_id=property_id,
                    conversation_id=conversation.id,
                    channel=channel,
                    direction=direction,
                    author=author,
                    body=body,
                    created_at=at - timedelta(seconds=30 * (2 - offset)),
                )
            )
        return conversation.id


@pytest.fixture(scope="module")
def threads(client: TestClient, db: Database) -> Threads:
    return Threads(
        whatsapp=_thread(
            db,
            "demo",
            "phone:+447700900555",
            {"name": "Ruth Api", "phone": "+447700900555"},
            Channel.WHATSAPP,
            30,
        ),
        web=_thread(
            db,
            "demo",
            "web:visitor-api-0123456789",
            {"web_visitor": "visitor-api-0123456789"},
            Channel.WEB,
            2,
        ),
        closed=_thread(
            db,
            "demo",
            "phone:+447700900556",
            {"phone": "+447700900556"},
            Channel.SMS,
            60,
            ConversationStatus.CLOSED,
        ),
        foreign=_thread(
            db,
            CITY_BAR_SLUG,
            "phone:+447700900557",
            {"phone": "+447700900557"},
            Channel.WHATSAPP,
            1,
        ),
    )


class Recorder:
    """Stands in for ``channels.outbound.deliver_later``: remembers what it was asked, and
    checks the reply was committed before it was asked."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.calls: list[tuple[int, int]] = []
        self.names: list[str | None] = []
        self.stored: list[DeliveryStatus | None] = []

    def __call__(
        self, services: Services, property_id: int, message_id: int, name: str | None = None
    ) -> None:
        assert isinstance(services, Services)
        self.calls.append((property_id, message_id))
        self.names.append(name)
        with self.db.tenant(property_id) as session:  # another connection: sees commits only
            self.stored.append(
                session.scalar(select(Message.delivery_status).where(Message.id == message_id))
            )


def test_inbox_lists_newest_activity_first_with_who_and_what(
    client: TestClient, staff: Headers, threads: Threads
) -> None:
    page = client.get(f"{BASE}/conversations", headers=staff).json()
    ids = [c["id"] for c in page["items"]]
    assert ids[:3] == [threads.web, threads.whatsapp, threads.closed]
    assert page["total"] == 3 and threads.foreign not in ids
    web, phone = page["items"][0], page["items"][1]
    assert web["guest"]["web_visitor"] == "visitor-api-0123456789" and web["channel"] == "web"
    assert (phone["guest"]["name"], phone["guest"]["phone"]) == ("Ruth Api", "+447700900555")
    preview = phone["last_message"]["preview"]
    assert len(preview) == 160 and preview.endswith("…") and LONG.startswith(preview[:-1])
    assert phone["last_message"]["author"] == "guest" and phone["status"] == "open"

    closed = client.get(f"{BASE}/conversations", params={"status": "closed"}, headers=staff)
    assert [c["id"] for c in closed.json()["items"]] == [threads.closed]
    for params in ({"status": "lost"}, {"limit": 0}, {"limit": 201}):
        assert client.get(f"{BASE}/conversations", params=params, headers=staff).status_code == 422


def test_a_thread_reads_oldest_first(client: TestClient, staff: Headers, threads: Threads) -> None:
    url = f"{BASE}/conversations/{threads.whatsapp}/messages"
    messages = client.get(url, headers=staff).json()
    assert [m["author"] for m in messages] == ["guest", "agent", "guest"]
    assert messages[0]["body"].startswith("Hello") and messages[2]["body"] == LONG
    assert [m["created_at"] for m in messages] == sorted(m["created_at"] for m in messages)
    newer = client.get(url, params={"after_id": messages[0]["id"]}, headers=staff).json()
    assert [m["id"] for m in newer] == [m["id"] for m in messages[1:]]
    assert [m["id"] for m in client.get(url, params={"limit": 1}, headers=staff).json()] == [
        messages[-1]["id"]
    ]
    for missing in (threads.foreign, 999_999_999):
        response = client.get(f"{BASE}/conversations/{missing}/messages", headers=staff)
        assert response.status_code == 404 and "conversation" in response.json()["detail"]


def test_take_over_reply_and_release(
    client: TestClient,
    db: Database,
    staff: Headers,
    threads: Threads,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    recorder = Recorder(db)
    monkeypatch.setattr(outbound, "deliver_later", recorder)
    url = f"{BASE}/conversations/{threads.whatsapp}"

    early = client.post(f"{url}/reply", json={"text": "Hi"}, headers=staff)
    assert early.status_code == 409 and "take the conversation over first" in (
        early.json()["detail"].lower()
    )
    assert recorder.calls == []

    taken = client.post(f"{url}/takeover", headers=staff).json()
    assert (taken["status"], taken["changed"]) == ("handoff", True)
    assert client.post(f"{url}/takeover", headers=staff).json()["changed"] is False
    handoffs = client.get(f"{BASE}/conversations", params={"status": "handoff"}, headers=staff)
    assert [c["id"] for c in handoffs.json()["items"]] == [threads.whatsapp]

    sent = client.post(f"{url}/reply", json={"text": "  Yes, it is included.  "}, headers=staff)
    assert sent.status_code == 201, sent.text
    reply = sent.json()
    assert (reply["author"], reply["direction"], reply["channel"]) == (
        "staff",
        "outbound",
        "whatsapp",
    )
    assert reply["body"] == "Yes, it is included." and reply["delivery_status"] == "queued"
    property_id = db.property_id("demo")
    assert recorder.calls == [(property_id, reply["id"])]
    assert recorder.names == ["Noa Mizrahi"]  # the guest sees who wrote
    assert recorder.stored == [DeliveryStatus.QUEUED]  # committed before delivery was asked
    thread = client.get(f"{url}/messages", headers=staff).json()
    assert thread[-1]["id"] == reply["id"]
    inbox = client.get(f"{BASE}/conversations", headers=staff).json()["items"]
    assert inbox[0]["id"] == threads.whatsapp  # the reply is the newest activity

    released = client.post(f"{url}/release", headers=staff).json()
    assert (released["status"], released["changed"]) == ("open", True)
    assert client.post(f"{url}/release", headers=staff).json()["changed"] is False
    late = client.post(f"{url}/reply", json={"text": "One more thing"}, headers=staff)
    assert late.status_code == 409 and len(recorder.calls) == 1

    actions = {
        a: audited(db, a)
        for a in ("takeover_conversation", "reply_to_conversation", "release_handoff")
    }
    assert all(len(entries) == 1 for entries in actions.values()), actions
    assert actions["reply_to_conversation"][0].entity_id == str(reply["id"])
    assert {e.actor_kind for entries in actions.values() for e in entries} == {"staff"}


def test_a_reply_that_cannot_be_queued_is_kept_as_failed(
    client: TestClient,
    db: Database,
    staff: Headers,
    threads: Threads,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(services: Services, property_id: int, message_id: int, name: str | None) -> None:
        raise ConnectionError("redis is down")

    monkeypatch.setattr(outbound, "deliver_later", broken)
    url = f"{BASE}/conversations/{threads.web}"
    assert client.post(f"{url}/takeover", headers=staff).status_code == 200
    response = client.post(f"{url}/reply", json={"text": "Let me check."}, headers=staff)
    assert response.status_code == 503
    last = client.get(f"{url}/messages", headers=staff).json()[-1]
    assert (last["body"], last["delivery_status"]) == ("Let me check.", "failed")
    assert "ConnectionError" in last["error"]


def test_bad_replies_and_other_properties_threads(
    client: TestClient, staff: Headers, threads: Threads
) -> None:
    url = f"{BASE}/conversations/{threads.closed}"
    assert client.post(f"{url}/takeover", headers=staff).json()["status"] == "handoff"
    for body in ({"text": "   "}, {"text": "x" * 4001}, {}, {"text": 5}):
        assert client.post(f"{url}/reply", json=body, headers=staff).status_code == 422, body
    for action in ("takeover", "release"):
        response = client.post(f"{BASE}/conversations/{threads.foreign}/{action}", headers=staff)
        assert response.status_code == 404
    reply = client.post(
        f"{BASE}/conversations/{threads.foreign}/reply", json={"text": "hi"}, headers=staff
    )
    assert reply.status_code == 404
    assert client.post(f"{BASE}/conversations/0/takeover", headers=staff).status_code == 422
