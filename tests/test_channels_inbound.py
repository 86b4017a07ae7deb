"""Twilio's inbound webhooks on real Postgres, Redis, a real in-process dramatiq worker and a
recording stand-in for Twilio's REST API; requests are signed by twilio's RequestValidator."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.services import Services
from buffr.db.session import Database
from channels.queue import HANDLE_INBOUND, enqueue
from channels.worker import WorkerHandle
from domain.conversations import Author, Conversation, Direction
from domain.guests import Guest
from tests.api_support import api_client, api_services
from tests.channels_support import (
    AUTH_TOKEN,
    PUBLIC_URL,
    SMS_FROM,
    WHATSAPP_FROM,
    channel_services,
    inbound,
    inbound_rows,
    messages,
    new_phone,
    new_sid,
    running_worker,
    signed_post,
)
from tests.twilio_recorder import TwilioRecorder, twilio_recorder

pytestmark = [pytest.mark.timeout(120), pytest.mark.demo_data()]

SENDER_LIMIT = 4


@dataclass
class Env:
    services: Services
    client: TestClient
    worker: WorkerHandle
    recorder: TwilioRecorder
    property_id: int


@pytest.fixture(scope="module")
def env(db: Database) -> Iterator[Env]:
    with twilio_recorder() as recorder:
        services = channel_services(db, recorder, sender_rate_limit=SENDER_LIMIT)
        with running_worker(services) as worker:
            yield Env(services, api_client(services), worker, recorder, db.property_id("demo"))


def guest(env: Env, phone: str) -> Guest | None:
    with env.services.db.tenant(env.property_id) as session:
        return session.scalar(select(Guest).where(Guest.phone == phone))


def test_reply_is_sent_through_twilio(env: Env) -> None:
    phone, sid = new_phone(), new_sid()
    response = inbound(env.client, phone, "Hello, do you have parking?", sid=sid)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/xml")
    assert "<Response/>" in response.text
    env.worker.drain()
    [sent] = env.recorder.wait_for(1, to=phone)
    assert sent.form["From"] == SMS_FROM
    assert sent.path.endswith(f"/Accounts/{sent.user}/Messages.json")
    assert (sent.user, sent.password) == (env.services.settings.twilio_account_sid, AUTH_TOKEN)
    assert sent.form["StatusCallback"] == f"{PUBLIC_URL}/channels/twilio/demo/status"
    [row] = inbound_rows(env.services, env.property_id, sid)
    replies = messages(
        env.services, env.property_id, conversation_id=row.conversation_id,
        direction=Direction.OUTBOUND,
    )  # fmt: skip
    assert [r.body for r in replies] == [sent.body]
    assert replies[0].external_id == sent.sid
    assert replies[0].delivery_status == "sent"
    with env.services.db.tenant(env.property_id) as session:
        conversation = session.get(Conversation, row.conversation_id)
        assert conversation is not None and conversation.last_inbound_at is not None


def test_whatsapp_reply_goes_to_the_whatsapp_address(env: Env) -> None:
    phone = new_phone()
    assert inbound(env.client, phone, "Hi there", channel="whatsapp").status_code == 200
    env.worker.drain()
    [sent] = env.recorder.wait_for(1, to=f"whatsapp:{phone}")
    assert sent.form["From"] == WHATSAPP_FROM
    assert "Body" in sent.form and "ContentSid" not in sent.form  # inside the 24-hour window


def test_forged_signature_is_refused(env: Env) -> None:
    phone = new_phone()
    params = {"MessageSid": new_sid(), "From": phone, "Body": "hi", "NumMedia": "0"}
    path = "/channels/twilio/demo/sms"
    forged = signed_post(env.client, path, params, token="not-the-auth-token")
    assert forged.status_code == 403
    assert signed_post(env.client, path, params, signature="").status_code == 403
    # Signed for other parameters than those sent.
    from channels.signature import sign

    other = sign(AUTH_TOKEN, PUBLIC_URL + path, {**params, "Body": "something else"})
    assert signed_post(env.client, path, params, signature=other).status_code == 403
    env.worker.drain()
    assert env.recorder.all(to=phone) == []
    assert guest(env, phone) is None


def test_unknown_property_and_malformed_forms(env: Env) -> None:
    assert inbound(env.client, new_phone(), "hi", slug="no-such-place").status_code == 404
    path = "/channels/twilio/demo/sms"
    no_from = {"MessageSid": new_sid(), "Body": "hi"}
    assert signed_post(env.client, path, no_from).status_code == 400
    no_sid = {"From": new_phone(), "Body": "hi"}
    assert signed_post(env.client, path, no_sid).status_code == 400
    bad_media = {"MessageSid": new_sid(), "From": new_phone(), "Body": "hi", "NumMedia": "x"}
    assert signed_post(env.client, path, bad_media).status_code == 400
    bad_phone = {"MessageSid": new_sid(), "From": "not a phone", "Body": "hi"}
    assert signed_post(env.client, path, bad_phone).status_code == 400
    garbage = env.client.post(
        path, content=b"\xff\xfe%%%", headers={"Content-Type": "multipart/form-data"}
    )
    assert 400 <= garbage.status_code < 500


def test_no_twilio_credentials_is_503(db: Database) -> None:
    client = api_client(api_services(db))
    response = client.post("/channels/twilio/demo/sms", data={"From": "+447700900999"})
    assert response.status_code == 503
    assert "Twilio is not configured" in response.json()["detail"]


def test_a_retried_message_is_processed_once(env: Env) -> None:
    phone, sid = new_phone(), new_sid()
    assert inbound(env.client, phone, "Is breakfast included?", sid=sid).status_code == 200
    assert inbound(env.client, phone, "Is breakfast included?", sid=sid).status_code == 200
    env.worker.drain()
    assert len(env.recorder.wait_for(1, to=phone)) == 1
    assert len(inbound_rows(env.services, env.property_id, sid)) == 1


def test_concurrent_deliveries_of_one_message_are_processed_once(env: Env) -> None:
    phone, sid = new_phone(), new_sid()
    barrier = threading.Barrier(6)
    codes: list[int] = []

    def post() -> None:
        barrier.wait()
        codes.append(inbound(env.client, phone, "Do you allow dogs?", sid=sid).status_code)

    threads = [threading.Thread(target=post) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert codes == [200] * 6
    env.worker.drain()
    env.recorder.wait_for(1, to=phone)
    env.worker.drain()
    assert len(env.recorder.all(to=phone)) == 1
    assert len(inbound_rows(env.services, env.property_id, sid)) == 1


def test_duplicate_jobs_are_stopped_by_the_database(env: Env) -> None:
    """Past the Redis claim (say it expired), two workers get the same message at once."""
    phone, sid = new_phone(), new_sid()
    payload = {"slug": "demo", "channel": "sms", "sender": phone, "text": "What time is it?",
               "sid": sid, "num_media": 0}  # fmt: skip
    for _ in range(3):
        enqueue(env.services, HANDLE_INBOUND, env.property_id, dict(payload))
    env.worker.drain()
    assert len(inbound_rows(env.services, env.property_id, sid)) == 1
    assert len(env.recorder.wait_for(1, to=phone)) == 1


def test_stop_and_start(env: Env) -> None:
    phone = new_phone()
    inbound(env.client, phone, "Hello")
    env.worker.drain()
    assert len(env.recorder.wait_for(1, to=phone)) == 1

    inbound(env.client, phone, "STOP")
    env.worker.drain()
    stop = env.recorder.wait_for(2, to=phone)[-1]
    assert "unsubscribed" in (stop.body or "") and "START" in (stop.body or "")
    found = guest(env, phone)
    assert found is not None and found.opted_out_at is not None
    assert found.marketing_consent is False

    sid = new_sid()
    inbound(env.client, phone, "What time is checkout?", sid=sid)
    env.worker.drain()
    assert len(env.recorder.all(to=phone)) == 2  # stored, not answered
    assert len(inbound_rows(env.services, env.property_id, sid)) == 1

    inbound(env.client, phone, "start")
    env.worker.drain()
    start = env.recorder.wait_for(3, to=phone)[-1]
    assert "Welcome back" in (start.body or "")
    found = guest(env, phone)
    assert found is not None and found.opted_out_at is None

    inbound(env.client, phone, "Thanks, what time is checkout?")
    env.worker.drain()
    assert len(env.recorder.wait_for(4, to=phone)) == 4


def test_hebrew_stop_word(env: Env) -> None:
    phone = new_phone()
    inbound(env.client, phone, " הסר ", channel="whatsapp")
    env.worker.drain()
    [sent] = env.recorder.wait_for(1, to=f"whatsapp:{phone}")
    assert "הוסרת" in (sent.body or "")
    found = guest(env, phone)
    assert found is not None and found.opted_out_at is not None
    inbound(env.client, phone, "התחל", channel="whatsapp")
    env.worker.drain()
    assert "ברוך שובך" in (env.recorder.wait_for(2, to=f"whatsapp:{phone}")[-1].body or "")


def test_a_sentence_with_stop_is_not_an_opt_out(env: Env) -> None:
    phone = new_phone()
    inbound(env.client, phone, "please stop the cleaning tomorrow")
    env.worker.drain()
    [sent] = env.recorder.wait_for(1, to=phone)
    assert "unsubscribed" not in (sent.body or "")
    found = guest(env, phone)
    assert found is not None and found.opted_out_at is None


def test_media_gets_a_polite_answer(env: Env) -> None:
    phone = new_phone()
    inbound(env.client, phone, "", NumMedia="1", MediaUrl0="https://example.com/a.jpg",
            MediaContentType0="image/jpeg")  # fmt: skip
    env.worker.drain()
    [sent] = env.recorder.wait_for(1, to=phone)
    assert "only read text" in (sent.body or "")
    [reply] = messages(env.services, env.property_id, external_id=sent.sid)
    assert reply.author == Author.SYSTEM


def test_rate_limit_answers_once_then_drops(env: Env) -> None:
    phone = new_phone()
    for i in range(SENDER_LIMIT + 3):
        assert inbound(env.client, phone, f"question number {i}").status_code == 200
    env.worker.drain()
    sent = env.recorder.wait_for(SENDER_LIMIT + 1, to=phone)
    env.worker.drain()
    bodies = [r.body or "" for r in env.recorder.all(to=phone)]
    notices = [b for b in bodies if "faster than we can answer" in b]
    assert len(notices) == 1
    assert len(bodies) == SENDER_LIMIT + 1 == len(sent)
