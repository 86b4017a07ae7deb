"""Is this guest's message a reply to a campaign? One indexed query per guest turn.

A guest who got a campaign message within the reply window (30 days, the same for every
property: reading the property's policies here would cost the check a second query) is talking
to the reactivation agent; anyone else, including an unknown number, is an ordinary guest of
the receptionist.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from domain.campaigns import Campaign, CampaignMessage

REPLY_WINDOW = timedelta(days=30)  # a reply later than this is an ordinary message


# Built once: constructing the statement on every turn cost more than running it.
_LATEST = (
    select(CampaignMessage.id)
    .where(
        CampaignMessage.guest_id == bindparam("guest_id"),
        CampaignMessage.sent_at > bindparam("since"),
        CampaignMessage.sent_at <= bindparam("now"),
    )
    .order_by(CampaignMessage.sent_at.desc())
    .limit(1)
)


def latest_campaign_message(
    session: Session, guest_id: int, now: datetime | None = None
) -> int | None:
    """The id of the guest's latest campaign message sent within the reply window."""
    now = now or datetime.now(UTC)
    found = session.scalar(_LATEST, {"guest_id": guest_id, "since": now - REPLY_WINDOW, "now": now})
    return int(found) if found is not None else None


def mark_replied(session: Session, campaign_message_id: int, now: datetime | None = None) -> None:
    """The first reply counts (a later one does not move it)."""
    session.execute(
        update(CampaignMessage)
        .where(CampaignMessage.id == campaign_message_id, CampaignMessage.replied_at.is_(None))
        .values(replied_at=now or datetime.now(UTC))
    )


def mark_converted(session: Session, campaign_message_id: int, reservation_id: int) -> None:
    """A booking made in the reply conversation: the campaign's conversion (the first one)."""
    session.execute(
        update(CampaignMessage)
        .where(
            CampaignMessage.id == campaign_message_id,
            CampaignMessage.converted_reservation_id.is_(None),
        )
        .values(converted_reservation_id=reservation_id)
    )


def offer_of(session: Session, campaign_message_id: int) -> str | None:
    return session.scalar(
        select(Campaign.offer)
        .join(CampaignMessage, CampaignMessage.campaign_id == Campaign.id)
        .where(CampaignMessage.id == campaign_message_id)
    )
