"""Outbound through Twilio's REST API: replies by staff, WhatsApp's 24-hour rule, status
callbacks, staff notifications, and retries ending in the dead letters."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert, select, update

from api.services import Services
from buffr.db.session import Database
from channels.context import key
from channels.outbound import conversation_topic, deliver_later, notify_later
from channels.worker import WorkerHandle, sweep
from domain.conversations import Author, Channel, Conversation, DeliveryStatus, Direction, Message
from domain.ops import DeadLetter, Notification, NotificationKind, NotificationStatus
from domain.property import Property
from tests.api_support import api_client
from tests.channels_support import (
    channel_services,
    inbound,
    inbound_rows,
    new_phone,
    new_sid,
    running_worker,
    signed_post,
)
from tests.twilio_recorder import TwilioRecorder, twilio_recorder

pytestmark = [pytest.mark.timeout(120), pytest.mark.demo_data()]

OWNER_PHONE, MANAGER_PHONE = "+972501110001", "+972501110002"  # the demo hotel's Dana and Yossi


@dataclass
class Env:
    services: Services
    client: TestClient
    worker: WorkerHandle
    recorder: TwilioRecorder
    property_id: int

    def drain(self) -> None:
        self.worker.drain()


@pytest.fixture(scope="module")
def env(db: Database) -> Iterator[Env]:
    with twilio_recorder() as recorder:
        services = channel_services(db, recorder)
        with running_worker(services) as worker:
            yield Env(services, api_client(services), worker, recorder, db.property_id("demo"))


@pytest.fixture(autouse=True)
def twilio_up(env: Env) -> Iterator[None]:
    env.recorder.fail_with = None
    yield
    env.recorder.fail_with = None


def conversation_of(env: Env, phone: str, channel: str = "sms") -> int:
    """Start a conversation with a guest message; its id (the reply already delivered)."""
    sid = new_sid()
    inbound(env.client, phone, "Hello", channel=channel, sid=sid)
    env.drain()
    [row] = inbound_rows(env.services, env.property_id, sid)
    return row.conversation_id


def staff_message(env: Env, conversation_id: int, channel: Channel, body: str) -> int:
    with env.services.db.tenant(env.property_id) as session:
        message_id = session.scalar(
            insert(Message)
            .values(property_id=env.property_id, conversation_id=conversation_id,
                    channel=channel, direction=Direction.OUTBOUND, author=Author.STAFF,
                    body=body, delivery_status=DeliveryStatus.QUEUED)
            .returning(Message.id)
        )  # fmt: skip
    assert message_id is not None
    return int(message_id)


def message(env: Env, message_id: int) -> Message:
    with env.services.db.tenant(env.property_id) as session:
        found = session.get(Message, message_id)
    assert found is not None
    return found


def set_twilio_policy(env: Env, twilio: dict[str, Any] | None) -> None:
    with env.services.db.owner() as session:
        stored = session.scalar(select(Property.policies).where(Property.slug == "demo"))
        policies: dict[str, Any] = dict(stored or {})
        if twilio is None:
            policies.pop("twilio", None)
        else:
            policies["twilio"] = twilio
        session.execute(update(Property).where(Property.slug == "demo").values(policies=policies))


def age_window(env: Env, conversation_id: int, hours: float) -> None:
    with env.services.db.tenant(env.property_id) as session:
        session.execute(
            update(Conversation)
            .where(Conversation.id == conversation_id)
            .values(last_inbound_at=datetime.now(UTC) - timedelta(hours=hours))
        )


def dead_letter(env: Env, job_key: str) -> DeadLetter | None:
    with env.services.db.tenant(env.property_id) as session:
        return session.scalar(select(DeadLetter).where(DeadLetter.job_key == job_key))


def test_staff_reply_by_sms_is_sent_once(env: Env) -> None:
    phone = new_phone()
    conversation = conversation_of(env, phone)
    message_id = staff_message(env, conversation, Channel.SMS, "Your room is ready.")
    deliver_later(env.services, env.property_id, message_id)
    deliver_later(env.services, env.property_id, message_id)  # a double click
    env.drain()
    sent = [r for r in env.recorder.all(to=phone) if r.body == "Your room is ready."]
    assert len(sent) == 1
    stored = message(env, message_id)
    assert (stored.delivery_status, stored.external_id) == ("sent", sent[0].sid)


def test_status_callbacks_update_the_delivery_status(env: Env) -> None:
    phone = new_phone()
    conversation = conversation_of(env, phone)
    message_id = staff_message(env, conversation, Channel.SMS, "See you soon.")
    deliver_later(env.services, env.property_id, message_id)
    env.drain()
    sid = message(env, message_id).external_id
    assert sid is not None
    path = "/channels/twilio/demo/status"

    def report(status: str, **extra: str) -> int:
        params = {"MessageSid": sid, "MessageStatus": status, "AccountSid": "AC1", **extra}
        return signed_post(env.client, path, params).status_code

    assert report("delivered") == 204
    assert message(env, message_id).delivery_status == "delivered"
    assert report("sent") == 204  # late and out of order: no step back
    assert message(env, message_id).delivery_status == "delivered"
    assert report("read") == 204
    assert message(env, message_id).delivery_status == "read"
    forged = signed_post(env.client, path, {"MessageSid": sid, "MessageStatus": "failed"},
                         token="wrong")  # fmt: skip
    assert forged.status_code == 403
    assert message(env, message_id).delivery_status == "read"


def test_failed_status_keeps_twilio_error(env: Env) -> None:
    phone = new_phone()
    conversation = conversation_of(env, phone)
    message_id = staff_message(env, conversation, Channel.SMS, "Unlucky message.")
    deliver_later(env.services, env.property_id, message_id)
    env.drain()
    params = {"MessageSid": message(env, message_id).external_id or "", "ErrorCode": "30006",
              "MessageStatus": "undelivered"}  # fmt: skip
    assert signed_post(env.client, "/channels/twilio/demo/status", params).status_code == 204
    stored = message(env, message_id)
    assert stored.delivery_status == "undelivered" and "30006" in (stored.error or "")


def test_whatsapp_inside_the_window_is_free_text(env: Env) -> None:
    phone = new_phone()
    conversation = conversation_of(env, phone, "whatsapp")
    message_id = staff_message(env, conversation, Channel.WHATSAPP, "The spa opens at 9.")
    deliver_later(env.services, env.property_id, message_id)
    env.drain()
    [sent] = [r for r in env.recorder.all(to=f"whatsapp:{phone}") if r.sid and
              r.sid == message(env, message_id).external_id]  # fmt: skip
    assert sent.body == "The spa opens at 9." and "ContentSid" not in sent.form


def test_whatsapp_outside_the_window_sends_the_template(env: Env) -> None:
    set_twilio_policy(env, {"templates": {"reengage": "HX" + "1" * 32}})
    try:
        phone = new_phone()
        conversation = conversation_of(env, phone, "whatsapp")
        age_window(env, conversation, hours=25)
        message_id = staff_message(env, conversation, Channel.WHATSAPP, "Free text, never.")
        deliver_later(env.services, env.property_id, message_id)
        env.drain()
        sid = message(env, message_id).external_id
        [sent] = [r for r in env.recorder.all(to=f"whatsapp:{phone}") if r.sid == sid]
    finally:
        set_twilio_policy(env, None)
    assert "Body" not in sent.form
    assert sent.form["ContentSid"] == "HX" + "1" * 32
    variables = json.loads(sent.form["ContentVariables"])
    assert variables == {"1": "", "2": "Seaside Hotel"}  # a new guest has no name yet
    assert message(env, message_id).delivery_status == "sent"


def test_whatsapp_outside_the_window_without_template_is_a_dead_letter(env: Env) -> None:
    phone = new_phone()
    conversation = conversation_of(env, phone, "whatsapp")
    before = len(env.recorder.all(to=f"whatsapp:{phone}"))
    age_window(env, conversation, hours=30)
    message_id = staff_message(env, conversation, Channel.WHATSAPP, "Free text, never.")
    deliver_later(env.services, env.property_id, message_id)
    env.drain()
    assert len(env.recorder.all(to=f"whatsapp:{phone}")) == before  # nothing sent
    letter = dead_letter(env, f"deliver:{message_id}")
    assert letter is not None and letter.job == "deliver_message"
    assert "template" in letter.error and letter.attempts == 1
    stored = message(env, message_id)
    assert stored.delivery_status == "failed" and "template" in (stored.error or "")


def test_twilio_down_is_retried_then_dead_lettered(env: Env) -> None:
    phone = new_phone()
    conversation = conversation_of(env, phone)
    env.recorder.fail_with = 500
    message_id = staff_message(env, conversation, Channel.SMS, "Try, try again.")
    deliver_later(env.services, env.property_id, message_id)
    env.drain()
    attempts = [r for r in env.recorder.all(to=phone) if r.body == "Try, try again."]
    assert len(attempts) == 3  # the first try and two retries (FAST_RETRIES)
    assert all(r.status == 500 for r in attempts)
    letter = dead_letter(env, f"deliver:{message_id}")
    assert letter is not None
    assert letter.attempts == 3 and "500" in letter.error
    assert letter.payload == {"message_id": message_id}
    assert message(env, message_id).delivery_status == "failed"


def test_twilio_refusal_is_not_retried(env: Env) -> None:
    phone = new_phone()
    conversation = conversation_of(env, phone)
    env.recorder.fail_with = 400
    message_id = staff_message(env, conversation, Channel.SMS, "Bad number.")
    deliver_later(env.services, env.property_id, message_id)
    env.drain()
    assert len([r for r in env.recorder.all(to=phone) if r.body == "Bad number."]) == 1
    letter = dead_letter(env, f"deliver:{message_id}")
    assert letter is not None and letter.attempts == 1 and "refused" in letter.error


def test_twilio_recovers_within_the_retries(env: Env) -> None:
    """The guest's reply survives a Twilio hiccup: the inbound job is not redone."""
    phone = new_phone()
    env.recorder.fail_with = 503
    sid = new_sid()
    inbound(env.client, phone, "Hello", sid=sid)
    deadline = time.monotonic() + 20
    while not env.recorder.all(to=phone) and time.monotonic() < deadline:
        time.sleep(0.002)
    env.recorder.fail_with = None
    env.drain()
    assert len(env.recorder.sent(to=phone)) == 1
    assert len(inbound_rows(env.services, env.property_id, sid)) == 1


def test_opted_out_guest_gets_no_staff_message(env: Env) -> None:
    phone = new_phone()
    conversation = conversation_of(env, phone)
    inbound(env.client, phone, "STOP")
    env.drain()
    message_id = staff_message(env, conversation, Channel.SMS, "Special offer!")
    deliver_later(env.services, env.property_id, message_id)
    env.drain()
    assert not [r for r in env.recorder.all(to=phone) if r.body == "Special offer!"]
    stored = message(env, message_id)
    assert stored.delivery_status == "failed" and "opted out" in (stored.error or "")


def test_web_messages_are_published_at_once(env: Env) -> None:
    phone = new_phone()
    conversation = conversation_of(env, phone)
    message_id = staff_message(env, conversation, Channel.WEB, "Hello from the desk.")
    pubsub = env.services.redis.pubsub()  # type: ignore[no-untyped-call]
    pubsub.subscribe(conversation_topic(conversation))
    try:
        pubsub.get_message(timeout=1)  # the subscribe confirmation
        deliver_later(env.services, env.property_id, message_id)
        frame = pubsub.get_message(timeout=5)
    finally:
        pubsub.close()
    assert frame is not None
    assert json.loads(frame["data"]) == {
        "type": "message", "author": "staff", "text": "Hello from the desk.", "id": message_id,
    }  # fmt: skip
    assert message(env, message_id).delivery_status == "sent"


def add_notification(env: Env, title: str, **values: Any) -> int:
    with env.services.db.tenant(env.property_id) as session:
        notification_id = session.scalar(
            insert(Notification)
            .values(property_id=env.property_id, kind=NotificationKind.LOW_STOCK, title=title,
                    body="Coca-Cola 330ml can: 4 left, par level 48.", data={}, **values)
            .returning(Notification.id)
        )  # fmt: skip
    assert notification_id is not None
    return int(notification_id)


def notification_status(env: Env, notification_id: int) -> str:
    with env.services.db.tenant(env.property_id) as session:
        status = session.scalar(
            select(Notification.status).where(Notification.id == notification_id)
        )
    return str(status)


def test_low_stock_notification_texts_the_managers(env: Env) -> None:
    before = {p: len(env.recorder.all(to=p)) for p in (OWNER_PHONE, MANAGER_PHONE)}
    notification_id = add_notification(env, "Low stock: Coca-Cola 330ml")
    notify_later(env.services, env.property_id)
    notify_later(env.services, env.property_id)  # twice: still one SMS each
    env.drain()
    for phone in (OWNER_PHONE, MANAGER_PHONE):
        sent = env.recorder.all(to=phone)[before[phone] :]
        assert len(sent) == 1, phone
        assert "Low stock: Coca-Cola 330ml" in (sent[0].body or "")
        assert sent[0].form["From"] == "+15005550006"
    assert env.recorder.all(to="+972501110003") == []  # plain staff are not texted
    assert notification_status(env, notification_id) == NotificationStatus.SENT


def test_notifications_prefer_whatsapp_when_the_policy_says_so(env: Env) -> None:
    set_twilio_policy(
        env, {"notify_via": "whatsapp", "templates": {"staff_alert": "HX" + "2" * 32}}
    )
    try:
        before = len(env.recorder.all(to=f"whatsapp:{MANAGER_PHONE}"))
        add_notification(env, "Low stock: limes")
        notify_later(env.services, env.property_id)
        env.drain()
    finally:
        set_twilio_policy(env, None)
    [sent] = env.recorder.all(to=f"whatsapp:{MANAGER_PHONE}")[before:]
    # No message from the manager in 24 hours: the approved template, not free text.
    assert sent.form["ContentSid"] == "HX" + "2" * 32 and "Body" not in sent.form
    assert json.loads(sent.form["ContentVariables"])["1"] == "Low stock: limes"


def test_the_sweep_sends_forgotten_notifications(env: Env) -> None:
    notification_id = add_notification(env, "Low stock: lemons")
    env.services.redis.delete(key(env.services, "sweep"))  # as if the last sweep were long ago
    queued = sweep(env.services)
    env.drain()
    assert queued >= 1
    assert notification_status(env, notification_id) == NotificationStatus.SENT
    assert sweep(env.services) == 0  # another sweep within the period is skipped


def test_run_worker_blocks_until_sigterm(env: Env) -> None:
    """``buffr worker``'s loop: runs jobs, stops on SIGTERM, leaves the other worker running."""
    import os
    import signal
    import threading

    from channels.worker import run_worker

    timer = threading.Timer(1.0, os.kill, (os.getpid(), signal.SIGTERM))
    timer.start()
    started = time.monotonic()
    run_worker(env.services, threads=1)
    assert 0.9 < time.monotonic() - started < 15
    phone = new_phone()
    conversation_of(env, phone)  # the module's embedded worker still works
    assert len(env.recorder.sent(to=phone)) == 1
