"""Sales follow-ups through the real worker: a guest's enquiry over SMS gets a proposal, the
follow-up job sends the due follow-up through the normal outbound path (Twilio, recorded
here) exactly once, and the sweep queues the job for properties with follow-ups due."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from buffr.db.session import Database
from channels.context import key
from channels.queue import SALES_FOLLOW_UPS, get_queue
from channels.worker import sweep
from tests.api_support import api_client
from tests.channels_support import channel_services, inbound, new_phone, running_worker
from tests.twilio_recorder import TwilioRecorder, twilio_recorder

pytestmark = [pytest.mark.timeout(120), pytest.mark.demo_data()]

ENQUIRY = (
    "Corporate day for 20 people on 3 May, no special needs, budget 6,000 ILS, "
    "decision by next week"
)


@pytest.fixture(scope="module")
def recorder(db: Database) -> Iterator[TwilioRecorder]:
    with twilio_recorder() as recorder:
        yield recorder


def test_a_due_follow_up_is_sent_once_through_twilio(
    db: Database, recorder: TwilioRecorder
) -> None:
    services = channel_services(db, recorder)
    property_id = db.property_id("demo")
    phone = new_phone()
    with running_worker(services) as worker:
        inbound(api_client(services), phone, ENQUIRY)
        worker.drain()
        [proposal] = recorder.wait_for(1, to=phone)
        assert proposal.body is not None and "5,200.00 ILS" in proposal.body
        later = (datetime.now(UTC) + timedelta(days=3)).isoformat()
        queue = get_queue(services)
        for _ in range(2):  # a duplicate job finds the follow-up done
            queue.send(SALES_FOLLOW_UPS, property_id, {"now": later})
            worker.drain()
        sent = recorder.wait_for(2, to=phone)
    assert len(sent) == 2
    assert sent[1].body is not None and sent[1].body.startswith("Hello")
    assert "Following up on our proposal" in sent[1].body
    with db.owner() as session:
        outcomes = session.execute(
            text("SELECT f.step, f.outcome FROM lead_follow_ups f JOIN leads l ON l.id = f.lead_id "
                 "WHERE l.contact_phone = :phone ORDER BY f.step"),
            {"phone": phone},
        ).all()  # fmt: skip
    assert [tuple(row) for row in outcomes] == [(1, "sent"), (2, None)]


def test_the_sweep_queues_due_follow_ups(db: Database, recorder: TwilioRecorder) -> None:
    services = channel_services(db, recorder)
    phone = new_phone()
    with running_worker(services) as worker:
        inbound(api_client(services), phone, ENQUIRY)
        worker.drain()
        recorder.wait_for(1, to=phone)
        services.redis.delete(key(services, "sweep"))  # the sweep's once-a-period lock
        assert sweep(services, now=datetime.now(UTC) + timedelta(days=8)) >= 1
        worker.drain()
    with db.owner() as session:
        done = session.execute(
            text("SELECT count(*) FROM lead_follow_ups f JOIN leads l ON l.id = f.lead_id "
                 "WHERE l.contact_phone = :phone AND f.done_at IS NOT NULL"),
            {"phone": phone},
        ).scalar_one()  # fmt: skip
    assert done == 2
