"""Campaign sending on a real Postgres, Redis and worker, with a recording Twilio: who is sent
to (consent, opt-out, phone, the WhatsApp template rule), quiet hours in the guest's timezone,
the per-channel rate limit, exactly once under retries and repeated sends, an empty segment,
and the report after delivery callbacks."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from api.services import Services
from buffr.db.session import Database
from channels.delivery import apply_status
from channels.queue import SEND_CAMPAIGN, enqueue
from channels.worker import WorkerHandle
from domain.campaigns import Campaign, CampaignMessage
from domain.conversations import Channel, DeliveryStatus, Message
from domain.guests import Guest
from tests.campaign_support import NIGHT, NOW, OFFER, Hotel, as_utc, make_hotel
from tests.channels_support import channel_services, running_worker
from tests.twilio_recorder import TwilioRecorder, twilio_recorder
from tools.base import Actor, ToolContext
from tools.reactivation.audience import NO_CONSENT, NO_PHONE, NO_TEMPLATE, OPTED_OUT
from tools.reactivation.campaigns import CampaignArgs, create_campaign, find_campaign
from tools.reactivation.report import campaign_report, preview_campaign
from tools.reactivation.sending import deliver, release_due, send_batch

TEMPLATE = {"twilio": {"templates": {"reengage": "HX" + "1" * 32}}}


@dataclass
class Env:
    services: Services
    worker: WorkerHandle
    recorder: TwilioRecorder


@pytest.fixture(scope="module")
def env(db: Database) -> Iterator[Env]:
    with twilio_recorder() as recorder:
        services = channel_services(db, recorder)
        with running_worker(services) as worker:
            yield Env(services, worker, recorder)


def _create(db: Database, hotel: Hotel, name: str = "spring", **fields: object) -> int:
    sms = "Hi {name}, we miss you at {property}: {offer}. Reply YES!"
    values: dict[str, object] = {"name": name, "segment": "lapsed", "offer": OFFER, "sms": sms}
    values.update(fields)
    with db.tenant(hotel.property_id) as session:
        ctx = ToolContext(session, hotel.property_id, Actor(kind="system"))
        return create_campaign(ctx, CampaignArgs.model_validate(values)).id


def _send_all(
    services: Services, hotel: Hotel, campaign_id: int, now: datetime = NOW, size: int = 2
) -> None:
    after: int | None = 0
    while after is not None:
        after = send_batch(services, hotel.property_id, campaign_id, after, now=as_utc(now),
                           size=size).read_until  # fmt: skip


def _rows(db: Database, hotel: Hotel, campaign_id: int) -> dict[int, CampaignMessage]:
    with db.tenant(hotel.property_id) as session:
        rows = session.scalars(
            select(CampaignMessage).where(CampaignMessage.campaign_id == campaign_id)
        ).all()
        session.expunge_all()
    return {row.guest_id: row for row in rows}


def test_only_consenting_reachable_guests_of_the_segment(db: Database, env: Env) -> None:
    hotel = make_hotel(db)
    campaign_id = _create(db, hotel)
    with db.tenant(hotel.property_id) as session:
        ctx = ToolContext(session, hotel.property_id, Actor(kind="system"))
        preview = preview_campaign(ctx, find_campaign(ctx, "spring"), as_utc(NOW), size=3)
    assert preview.excluded == {OPTED_OUT: 1, NO_CONSENT: 1, NO_PHONE: 1}
    assert preview.by_channel == {"sms": 3}  # lapsed sms, whatsapp (falls back), new york
    assert "Lapsed" in preview.samples[0].text and OFFER in preview.samples[0].text
    _send_all(env.services, hotel, campaign_id)
    rows = _rows(db, hotel, campaign_id)
    g = hotel.guests
    assert set(rows) == {g["lapsed sms"], g["whatsapp"], g["new york"]}
    assert g["recent"] not in rows  # not lapsed: not in the segment at all


def test_whatsapp_needs_the_approved_template_outside_the_window(db: Database, env: Env) -> None:
    only_whatsapp = {"sms": None, "whatsapp": "Hi {name}! {offer}"}
    plain = make_hotel(db)
    _create(db, plain, "wa", **only_whatsapp)
    with db.tenant(plain.property_id) as session:
        ctx = ToolContext(session, plain.property_id, Actor(kind="system"))
        preview = preview_campaign(ctx, find_campaign(ctx, "wa"), as_utc(NOW))
    assert preview.excluded.get(NO_TEMPLATE) == 3  # nobody's window is open, no template
    approved = make_hotel(db, TEMPLATE)
    campaign_id = _create(db, approved, "wa", **only_whatsapp)
    _send_all(env.services, approved, campaign_id)
    rows = _rows(db, approved, campaign_id)
    assert rows[approved.guests["whatsapp"]].channel is Channel.WHATSAPP
    ids = release_due(env.services, approved.property_id, now=as_utc(NOW))
    deliver(env.services, approved.property_id, ids)
    env.worker.drain()
    sent = env.recorder.all(to="whatsapp:" + approved.phones["whatsapp"])
    assert len(ids) == 3 and len(sent) == 1
    assert sent[0].form.get("ContentSid") == "HX" + "1" * 32 and sent[0].body is None


def test_a_campaign_names_its_own_whatsapp_template(db: Database, env: Env) -> None:
    offer_sid = "HX" + "2" * 32
    templates = {"twilio": {"templates": {"reengage": "HX" + "1" * 32, "spring": offer_sid}}}
    hotel = make_hotel(db, templates)
    fields = {"sms": None, "whatsapp": "Hi {name}! {offer}", "whatsapp_template": "spring"}
    campaign_id = _create(db, hotel, "wa-spring", **fields)
    _send_all(env.services, hotel, campaign_id)
    deliver(env.services, hotel.property_id, release_due(env.services, hotel.property_id,
                                                         now=as_utc(NOW)))  # fmt: skip
    env.worker.drain()
    [sent] = env.recorder.all(to="whatsapp:" + hotel.phones["whatsapp"])
    assert sent.form.get("ContentSid") == offer_sid and sent.body is None


def test_quiet_hours_defer_in_the_guests_timezone(db: Database, env: Env) -> None:
    hotel = make_hotel(db)
    campaign_id = _create(db, hotel)
    _send_all(env.services, hotel, campaign_id, now=NIGHT)
    rows = _rows(db, hotel, campaign_id)
    local = rows[hotel.guests["lapsed sms"]]
    assert local.send_after is not None and local.send_after.astimezone(NIGHT.tzinfo).hour == 9
    new_york = rows[hotel.guests["new york"]]  # 16:30 there: not quiet
    assert new_york.send_after == as_utc(NIGHT)
    released = release_due(env.services, hotel.property_id, now=as_utc(NIGHT))
    assert len(released) == 1  # only New York now; the others wait, nobody is dropped
    morning = as_utc(NIGHT + timedelta(hours=10))
    assert len(release_due(env.services, hotel.property_id, now=morning)) == 2


def test_rate_limit_per_channel_defers_the_rest(db: Database, env: Env) -> None:
    hotel = make_hotel(db, {"campaigns": {"rate_per_minute": {"sms": 2}}})
    campaign_id = _create(db, hotel)
    _send_all(env.services, hotel, campaign_id)
    first = release_due(env.services, hotel.property_id, now=as_utc(NOW))
    again = release_due(env.services, hotel.property_id, now=as_utc(NOW))
    assert len(first) == 2 and again == []  # the third waits for the next minute
    waiting = [r for r in _rows(db, hotel, campaign_id).values() if r.message_id is None]
    assert len(waiting) == 1 and waiting[0].status is DeliveryStatus.QUEUED


def test_exactly_once_under_retries_and_a_second_send(db: Database, env: Env) -> None:
    # The job runs on the real clock: stays relative to it, and no quiet hours at all.
    never_quiet = {"campaigns": {"quiet_hours": {"start": "00:00", "end": "00:00"}}}
    hotel = make_hotel(db, never_quiet, now=datetime.now(UTC))
    campaign_id = _create(db, hotel)
    payload = {"campaign_id": campaign_id}
    enqueue(env.services, SEND_CAMPAIGN, hotel.property_id, payload)
    enqueue(env.services, SEND_CAMPAIGN, hotel.property_id, payload)  # a duplicate job
    env.worker.drain()
    again = datetime.now(UTC)
    _send_all(env.services, hotel, campaign_id, now=again, size=1)  # `buffr campaign send` again
    assert release_due(env.services, hotel.property_id, now=again) == []
    env.worker.drain()
    phones = [hotel.phones[label] for label in ("lapsed sms", "whatsapp", "new york")]
    assert [len(env.recorder.all(to=phone)) for phone in phones] == [1, 1, 1]
    with db.tenant(hotel.property_id) as session:
        count = session.scalar(
            select(func.count()).select_from(CampaignMessage)
            .where(CampaignMessage.campaign_id == campaign_id)
        )  # fmt: skip
        status = session.scalar(select(Campaign.status).where(Campaign.id == campaign_id))
    assert count == 3 and status is not None and status.value == "sent"
    for phone in (hotel.phones["opted out"], hotel.phones["no consent"]):
        assert env.recorder.all(to=phone) == []


def test_opt_out_after_writing_is_never_sent(db: Database, env: Env) -> None:
    hotel = make_hotel(db)
    campaign_id = _create(db, hotel)
    _send_all(env.services, hotel, campaign_id, now=NIGHT)  # deferred to the morning
    with db.tenant(hotel.property_id) as session:
        guest = session.get(Guest, hotel.guests["lapsed sms"])
        assert guest is not None
        guest.opted_out_at, guest.marketing_consent = as_utc(NIGHT), False
    release_due(env.services, hotel.property_id, now=as_utc(NIGHT + timedelta(hours=10)))
    row = _rows(db, hotel, campaign_id)[hotel.guests["lapsed sms"]]
    assert row.message_id is None and row.status is DeliveryStatus.FAILED


def test_empty_segment_sends_nothing(db: Database, env: Env) -> None:
    hotel = make_hotel(db)
    campaign_id = _create(db, hotel, "big", segment="Lapsed big spenders")
    result = send_batch(env.services, hotel.property_id, campaign_id, 0, now=as_utc(NOW))
    assert result.audience == 0 and result.written == 0
    with db.tenant(hotel.property_id) as session:
        ctx = ToolContext(session, hotel.property_id, Actor(kind="system"))
        report = campaign_report(ctx, find_campaign(ctx, "big"))
        preview = preview_campaign(ctx, find_campaign(ctx, "big"), as_utc(NOW))
    assert report.segments == [] and report.total.sent == 0 and preview.audience == 0


def test_report_counts_delivery_callbacks(db: Database, env: Env) -> None:
    hotel = make_hotel(db)
    campaign_id = _create(db, hotel)
    _send_all(env.services, hotel, campaign_id)
    ids = release_due(env.services, hotel.property_id, now=as_utc(NOW))
    deliver(env.services, hotel.property_id, ids)
    env.worker.drain()
    with db.tenant(hotel.property_id) as session:
        sid = session.scalar(select(Message.external_id).where(Message.id == ids[0]))
    assert sid is not None
    apply_status(env.services, hotel.property_id, sid, "delivered")
    with db.tenant(hotel.property_id) as session:
        ctx = ToolContext(session, hotel.property_id, Actor(kind="system"))
        report = campaign_report(ctx, find_campaign(ctx, "spring"))
    assert (report.total.sent, report.total.delivered, report.total.replied) == (3, 1, 0)
    assert {s.segment for s in report.segments} == {"Cooling guests", "Lapsed guests"}
