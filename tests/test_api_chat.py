"""Chat as a web visitor: one turn over HTTP, and the WebSocket that streams replies, keeps the
conversation across connections and pushes a person's replies."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from agents.llm.fake import ScriptedChatModel
from buffr.db.session import Database
from channels.outbound import publish_web
from tests.api_support import api_client, api_services

WS = "/api/v1/properties/demo/chat/ws"
CHAT = "/api/v1/properties/demo/chat"


pytestmark = pytest.mark.demo_data()


@pytest.fixture(scope="module")
def seeded(db: Database) -> Database:
    return db


def _client(db: Database, *script: str) -> TestClient:
    model = ScriptedChatModel(list(script))
    return api_client(api_services(db, chat_model=lambda: model))


def test_http_chat_issues_a_visitor_and_continues_its_conversation(seeded: Database) -> None:
    client = _client(seeded, "Hello! How can I help?", "You're welcome!")
    first = client.post(CHAT, json={"text": "hi there"})
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["reply"] == "Hello! How can I help?"
    assert body["agent"] == "receptionist"
    second = client.post(CHAT, json={"visitor": body["visitor"], "text": "thanks"}).json()
    assert second["conversation_id"] == body["conversation_id"]
    assert second["reply"] == "You're welcome!"


def test_http_chat_refuses_bad_input_with_4xx(seeded: Database) -> None:
    client = _client(seeded)
    assert client.post(CHAT, json={"text": ""}).status_code == 422
    assert client.post(CHAT, json={"text": "x" * 2001}).status_code == 422
    assert client.post(CHAT, json={"visitor": "short", "text": "hi"}).status_code == 422
    unknown = client.post("/api/v1/properties/nowhere/chat", json={"text": "hi"})
    assert unknown.status_code == 404


def test_websocket_streams_the_reply_and_keeps_history(seeded: Database) -> None:
    client = _client(seeded, "Our pool is open from seven in the morning until ten at night.")
    with client.websocket_connect(WS) as ws:
        session = ws.receive_json()
        assert session["type"] == "session"
        assert session["history"] == []
        visitor = session["visitor"]
        ws.send_json({"type": "message", "id": "t1", "text": "when is the pool open?"})
        frames = [ws.receive_json()]
        while frames[-1]["type"] != "reply":
            frames.append(ws.receive_json())
    kinds = [f["type"] for f in frames]
    assert kinds[0] == "typing"
    deltas = [f["text"] for f in frames if f["type"] == "delta"]
    assert len(deltas) > 1, "the reply arrives in pieces"
    assert "".join(deltas) == frames[-1]["text"]
    assert frames[-1]["turn"] == "t1"

    with client.websocket_connect(f"{WS}?visitor={visitor}") as ws:
        again = ws.receive_json()
    assert again["visitor"] == visitor
    assert [(m["author"], m["text"]) for m in again["history"]] == [
        ("guest", "when is the pool open?"),
        ("agent", frames[-1]["text"]),
    ]


def test_a_persons_reply_is_pushed_to_the_open_chat(seeded: Database) -> None:
    client = _client(seeded, "Let me check.")
    with client.websocket_connect(WS) as ws:
        ws.receive_json()
        ws.send_json({"type": "message", "id": "a", "text": "can I bring my dog?"})
        reply = ws.receive_json()
        while reply["type"] != "reply":
            reply = ws.receive_json()
        # What the console's "reply" does, from any process: publish on the conversation.
        services = client.app.state.services  # type: ignore[attr-defined]
        conversation_id = _conversation_of(seeded, "can I bring my dog?")
        publish_web(
            services,
            conversation_id,
            {"type": "message", "author": "staff", "name": "Yossi", "text": "Dogs are welcome!"},
        )
        pushed = ws.receive_json()
    assert pushed == {
        "type": "message",
        "author": "staff",
        "name": "Yossi",
        "text": "Dogs are welcome!",
    }


def test_bad_frames_get_an_error_and_the_chat_goes_on(seeded: Database) -> None:
    client = _client(seeded, "Hi!")
    with client.websocket_connect(WS) as ws:
        ws.receive_json()
        ws.send_text("not json")
        assert ws.receive_json()["type"] == "error"
        ws.send_json({"type": "message", "id": "x", "text": "y" * 2001})
        too_long = ws.receive_json()
        assert too_long["type"] == "error"
        assert "2,000" in too_long["message"]
        ws.send_json({"type": "message", "id": "ok", "text": "hello"})
        frames = [ws.receive_json()]
        while frames[-1]["type"] != "reply":
            frames.append(ws.receive_json())
    assert frames[-1]["text"] == "Hi!"


def test_unknown_property_closes_the_socket(seeded: Database) -> None:
    client = _client(seeded)
    with (
        pytest.raises(WebSocketDisconnect) as closed,
        client.websocket_connect("/api/v1/properties/nowhere/chat/ws") as ws,
    ):
        ws.receive_json()
    assert closed.value.code == 4404


def test_a_made_up_visitor_token_sees_no_history(seeded: Database) -> None:
    client = _client(seeded)
    with client.websocket_connect(f"{WS}?visitor={'A' * 32}") as ws:
        session = ws.receive_json()
    assert session["history"] == []
    assert session["visitor"] == "A" * 32


def _conversation_of(db: Database, text: str) -> int:
    from sqlalchemy import text as sql

    with db.owner() as session:
        return int(
            session.execute(
                sql("SELECT conversation_id FROM messages WHERE body = :b"), {"b": text}
            ).scalar_one()
        )


def test_a_visitor_over_the_rate_limit_is_told_to_slow_down(seeded: Database) -> None:
    model = ScriptedChatModel(["One.", "Two.", "Three."])
    client = api_client(api_services(seeded, chat_model=lambda: model, sender_rate_limit=2))
    visitor = client.post(CHAT, json={"text": "first"}).json()["visitor"]
    assert client.post(CHAT, json={"visitor": visitor, "text": "second"}).status_code == 200
    limited = client.post(CHAT, json={"visitor": visitor, "text": "third"})
    assert limited.status_code == 429
    assert limited.json()["detail"]
    # Another visitor is not affected.
    assert client.post(CHAT, json={"text": "hello"}).json()["reply"] == "Three."
