"""A SIMULATED win-back campaign on the demo data, so ``buffr campaign report`` has something
real to show. What is real and what is simulated:

* real: the campaign, its audience and sending rules (``send_batch``, ``release_due``), the
  Twilio status callbacks' own code (``apply_status``), and every guest reply, which is one
  turn of the real agent runtime (routing, the reactivation agent, the receptionist's tools and
  the configured model for the bookings);
* simulated: Twilio itself (no message leaves the machine: each released message gets a fake
  SID, then "delivered" for nine in ten and "undelivered" for the rest), and which guests reply
  and what they say (a fixed mix: interest, bookings with dates then "yes", "no thanks", STOP).

    buffr seed demo
    .venv/bin/python scripts/campaign_demo.py
    buffr campaign report demo-spring

It writes to the configured database (the demo data); running it again sends nobody twice and
replies only for guests who have not replied yet.
"""

from __future__ import annotations

import argparse
import uuid
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select, update

from agents.turn import Turn
from api.services import build_services
from buffr.settings import get_settings
from channels.delivery import apply_status
from domain.campaigns import Campaign, CampaignMessage
from domain.conversations import Channel, DeliveryStatus, Message
from domain.guests import Guest
from tools.base import Actor, ToolContext
from tools.reactivation.campaigns import CampaignArgs, create_campaign
from tools.reactivation.sending import release_due, send_batch

CAMPAIGN = "demo-spring"
OFFER = "15% off two nights this spring"
SMS = "Hi {name}, we miss you at {property}! {offer}. Reply YES to hear more, STOP to opt out."


def main() -> None:
    parser = argparse.ArgumentParser(description="A simulated campaign on the demo data.")
    parser.add_argument("--property", default="demo")
    parser.add_argument("--bookings", type=int, default=3, help="Replies that book (model).")
    args = parser.parse_args()
    services = build_services(get_settings())
    property_id = services.db.property_id(args.property)
    now = datetime.now(UTC)
    with services.db.tenant(property_id) as session:
        ctx = ToolContext(session, property_id, Actor(kind="system", name="campaign demo"))
        campaign_id = session.scalar(select(Campaign.id).where(Campaign.name == CAMPAIGN))
        if campaign_id is None:
            spec = CampaignArgs(name=CAMPAIGN, segment="lapsed", offer=OFFER, sms=SMS)
            campaign_id = create_campaign(ctx, spec).id
    after: int | None = 0
    while after is not None:
        after = send_batch(services, property_id, campaign_id, after, now=now).read_until
    released = release_due(services, property_id, now=now)
    print(f"released {len(released)} messages now (deferred ones wait for quiet hours to end)")
    with services.db.tenant(property_id) as session:
        queued = session.scalars(
            select(Message.id)
            .join(CampaignMessage, CampaignMessage.message_id == Message.id)
            .where(CampaignMessage.campaign_id == campaign_id,
                   Message.delivery_status == DeliveryStatus.QUEUED)
            .order_by(Message.id)
        ).all()  # fmt: skip
    _simulate_twilio(services, property_id, list(queued))
    _simulate_replies(services, args.property, property_id, campaign_id, args.bookings)
    services.db.dispose()


def _simulate_twilio(services: object, property_id: int, message_ids: list[int]) -> None:
    """What the deliver job and Twilio's callbacks would do, without Twilio."""
    from api.services import Services

    assert isinstance(services, Services)
    for number, message_id in enumerate(message_ids):
        sid = "SMsim" + uuid.uuid4().hex[:27]
        with services.db.tenant(property_id) as session:
            session.execute(
                update(Message)
                .where(Message.id == message_id, Message.delivery_status == DeliveryStatus.QUEUED)
                .values(external_id=sid, delivery_status=DeliveryStatus.SENT)
            )
        apply_status(services, property_id, sid, "undelivered" if number % 10 == 9 else "delivered")


def _simulate_replies(services: object, slug: str, property_id: int, campaign_id: int,
                      bookings: int) -> None:  # fmt: skip
    from api.services import Services

    assert isinstance(services, Services)
    with services.db.tenant(property_id) as session:
        phones = session.scalars(
            select(Guest.phone)
            .join(CampaignMessage, CampaignMessage.guest_id == Guest.id)
            .where(CampaignMessage.campaign_id == campaign_id,
                   CampaignMessage.message_id.is_not(None),
                   CampaignMessage.replied_at.is_(None), Guest.phone.is_not(None))
            .order_by(CampaignMessage.id)
        ).all()  # fmt: skip
    repliers = phones[: max(len(phones) * 3 // 10, bookings + 3)]  # three in ten reply
    start = date.today() + timedelta(days=30)
    for number, phone in enumerate(repliers):
        if number < bookings:
            check_in = start + timedelta(days=3 * number)
            script = [f"Please book a standard room from {check_in:%d %B} for 2 nights for 2 "
                      "people", "yes"]  # fmt: skip
        elif number % 4 == 0:
            script = ["STOP"]
        elif number % 4 == 1:
            script = ["No thanks, not this year"]
        else:
            script = ["Yes, I'd love to come back!"]
        for text in script:
            result = services.runtime.handle(Turn(slug, Channel.SMS, str(phone), text))
            print(f"{phone} > {text}\n  [{result.agent}] {result.reply[:160]}")


if __name__ == "__main__":
    main()
