"""The sales tools on the seeded demo hotel: quote arithmetic, lead stages, the hand-off
thresholds, follow-ups sent once, and upsells offered at most once per conversation."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from buffr.db.session import Database
from domain.conversations import Conversation, ConversationStatus, Message
from domain.sales import Lead, LeadFollowUp, LeadKind, LeadStage, UpsellKind, UpsellOffer
from tools.base import Actor, ToolContext, ToolError
from tools.reception import ReservationArgs, create_reservation
from tools.sales import (
    CloseLeadArgs,
    DiscountArgs,
    OfferUpsellArgs,
    OpenLeadArgs,
    ProposalArgs,
    QuoteArgs,
    UpdateLeadArgs,
    UpsellAnswerArgs,
    answer_upsell,
    close_lead,
    offer_upsell,
    open_lead,
    quote_package,
    request_discount,
    send_due,
    send_proposal,
    update_lead,
)

TODAY = date(2027, 3, 1)
NOW = datetime(2027, 3, 1, 10, 0, tzinfo=ZoneInfo("Asia/Jerusalem"))


pytestmark = pytest.mark.demo_data(today=TODAY)


@pytest.fixture(scope="module")
def seeded(db: Database) -> Database:
    return db


def _new_guest(db: Database, phone: str) -> tuple[int, int, int]:
    """(property id, guest id, conversation id) of a new guest of the demo hotel."""
    with db.owner() as session:
        property_id = int(
            session.execute(text("SELECT id FROM properties WHERE slug='demo'")).scalar_one()
        )
        guest_id = session.execute(
            text(
                "INSERT INTO guests (property_id, phone, name, language, marketing_consent, "
                "loyalty_points, preferences) VALUES (:p, :phone, 'Maya Ben', 'en', false, 0, "
                "'[]') RETURNING id"
            ),
            {"p": property_id, "phone": phone},
        ).scalar_one()
        conversation_id = session.execute(
            text(
                "INSERT INTO conversations (property_id, thread_key, guest_id, last_channel, "
                "status) VALUES (:p, :key, :g, 'whatsapp', 'open') RETURNING id"
            ),
            {"p": property_id, "key": f"guest:{guest_id}", "g": guest_id},
        ).scalar_one()
    return property_id, int(guest_id), int(conversation_id)  # fmt: skip


@contextmanager
def as_guest(db: Database, phone: str) -> Iterator[ToolContext]:
    property_id, guest_id, conversation_id = _new_guest(db, phone)
    actor = Actor(kind="guest", id=guest_id, name="Maya Ben", phone=phone)
    with db.tenant(property_id) as session:
        yield ToolContext(session, property_id, actor, conversation_id, None, NOW)


def _qualified(ctx: ToolContext, kind: LeadKind, guests: int) -> int:
    lead = open_lead(ctx, OpenLeadArgs(kind=kind, event_date=date(2027, 6, 12)))
    return update_lead(ctx, UpdateLeadArgs(lead_id=lead.id, group_size=guests)).id


# -- quotes ----------------------------------------------------------------------------------


def test_quote_is_price_per_person_times_guests(seeded: Database) -> None:
    with as_guest(seeded, "+447700901001") as ctx:
        quote = quote_package(ctx, QuoteArgs(package="WEDDING", guests=120))
        assert quote.price_per_person == Decimal("420.00")
        assert quote.subtotal == quote.total == Decimal("50400.00")
        assert quote.currency == "ILS" and quote.tax == 0  # prices include VAT here
        assert not quote.needs_a_person
        assert "50,400.00 ILS" in quote.message


def test_discount_is_taken_off_in_decimal_cents(seeded: Database) -> None:
    with as_guest(seeded, "+447700901002") as ctx:
        quote = quote_package(
            ctx, QuoteArgs(package="corporate", guests=33, discount_pct=Decimal("7.5"))
        )
        assert quote.subtotal == Decimal("8580.00")  # 260 × 33
        assert quote.discount == Decimal("643.50")
        assert quote.total == Decimal("7936.50")
        assert quote.within_discount_policy  # the demo allows up to 10%


def test_quote_refuses_a_group_outside_the_package(seeded: Database) -> None:
    with as_guest(seeded, "+447700901003") as ctx, pytest.raises(ToolError, match="80 to 300"):
        quote_package(ctx, QuoteArgs(package="WEDDING", guests=30))


def test_vat_is_added_where_prices_exclude_it(seeded: Database) -> None:
    with as_guest(seeded, "+447700901004") as ctx:
        ctx.session.execute(
            text("UPDATE properties SET policies = policies || '{\"tax\": {}}' WHERE id = :p"),
            {"p": ctx.property_id},
        )
        quote = quote_package(ctx, QuoteArgs(package="GROUP-STAY", guests=10))
        ctx.session.rollback()  # leave the demo's policies as they were
    assert quote.subtotal == Decimal("5200.00")
    assert quote.tax == Decimal("936.00")  # 18%
    assert quote.total == Decimal("6136.00")


# -- leads and stages ----------------------------------------------------------------------------


def test_a_lead_is_qualified_once_date_size_and_contact_are_known(seeded: Database) -> None:
    with as_guest(seeded, "+447700901010") as ctx:
        lead = open_lead(ctx, OpenLeadArgs(kind=LeadKind.WEDDING))
        assert lead.stage is LeadStage.NEW
        assert lead.contact_phone == "+447700901010"  # the guest's own number is the contact
        assert lead.missing == ["event_date", "group_size"]
        lead = update_lead(ctx, UpdateLeadArgs(lead_id=lead.id, event_date=date(2027, 6, 12)))
        assert lead.stage is LeadStage.NEW and lead.missing == ["group_size"]
        lead = update_lead(ctx, UpdateLeadArgs(lead_id=lead.id, group_size=120))
        assert lead.stage is LeadStage.QUALIFIED and lead.missing == []
        assert lead.owner_staff_id is not None  # the policy's sales owner
        same = open_lead(ctx, OpenLeadArgs(kind=LeadKind.WEDDING, budget=Decimal(60000)))
        assert same.id == lead.id and same.budget == Decimal(60000)  # one open lead


def test_proposal_records_quote_stage_and_follow_ups(seeded: Database) -> None:
    with as_guest(seeded, "+447700901011") as ctx:
        lead_id = _qualified(ctx, LeadKind.WEDDING, 120)
        result = send_proposal(ctx, ProposalArgs(lead_id=lead_id))
        assert result.sent and not result.handed_off and result.follow_ups == 2
        assert "50,400.00 ILS" in result.message
        lead = ctx.session.get(Lead, lead_id)
        assert lead is not None and lead.stage is LeadStage.PROPOSAL
        assert lead.quote_amount == Decimal("50400.00") and lead.package_id is not None
        due = ctx.session.scalars(
            select(LeadFollowUp.due_at).where(LeadFollowUp.lead_id == lead_id).order_by("step")
        ).all()
        assert [d - NOW for d in due] == [timedelta(days=2), timedelta(days=7)]
        again = send_proposal(ctx, ProposalArgs(lead_id=lead_id))
        assert again.follow_ups == 0  # (lead, step) is unique: never doubled


def test_a_deal_above_the_handoff_value_goes_to_a_person(seeded: Database) -> None:
    with as_guest(seeded, "+447700901012") as ctx:
        lead_id = _qualified(ctx, LeadKind.WEDDING, 250)  # 105,000 ILS > 100,000
        result = send_proposal(ctx, ProposalArgs(lead_id=lead_id))
        assert result.handed_off and not result.sent
        assert "105,000" not in result.message  # a person proposes, not the agent
        lead = ctx.session.get(Lead, lead_id)
        assert lead is not None and lead.stage is LeadStage.NEGOTIATION
        conversation = ctx.session.get(Conversation, ctx.conversation_id)
        assert conversation is not None and conversation.status is ConversationStatus.HANDOFF


def test_a_discount_within_policy_is_requoted(seeded: Database) -> None:
    with as_guest(seeded, "+447700901013") as ctx:
        lead_id = _qualified(ctx, LeadKind.CORPORATE, 40)
        send_proposal(ctx, ProposalArgs(lead_id=lead_id))
        result = request_discount(ctx, DiscountArgs(lead_id=lead_id, percent=Decimal(10)))
        assert not result.handed_off and result.quote is not None
        assert result.quote.total == Decimal("9360.00")  # 260 × 40 − 10%
        assert "9,360.00 ILS" in result.message
        lead = ctx.session.get(Lead, lead_id)
        assert lead is not None and lead.stage is LeadStage.NEGOTIATION
        assert lead.quote_amount == Decimal("9360.00")


def test_a_ninety_percent_discount_goes_to_a_person_and_nothing_is_promised(
    seeded: Database,
) -> None:
    with as_guest(seeded, "+447700901014") as ctx:
        lead_id = _qualified(ctx, LeadKind.CORPORATE, 40)
        send_proposal(ctx, ProposalArgs(lead_id=lead_id))
        result = request_discount(ctx, DiscountArgs(lead_id=lead_id, percent=Decimal(90)))
        assert result.handed_off and not result.sent and result.quote is None
        assert "90" not in result.message and "ILS" not in result.message
        lead = ctx.session.get(Lead, lead_id)
        assert lead is not None and lead.stage is LeadStage.NEGOTIATION
        assert lead.quote_amount == Decimal("10400.00")  # the proposal's, not discounted
        handoffs = ctx.session.execute(
            text("SELECT count(*) FROM notifications WHERE kind = 'handoff' "
                 "AND data->>'conversation_id' = :c"),
            {"c": str(ctx.conversation_id)},
        ).scalar_one()  # fmt: skip
        assert handoffs == 1


# -- follow-ups ------------------------------------------------------------------------------


def test_a_due_follow_up_is_sent_once(seeded: Database) -> None:
    with as_guest(seeded, "+447700901020") as ctx:
        lead_id = _qualified(ctx, LeadKind.CORPORATE, 20)
        send_proposal(ctx, ProposalArgs(lead_id=lead_id))
        conversation_id, property_id = ctx.conversation_id, ctx.property_id
    later = NOW + timedelta(days=3)
    with seeded.tenant(property_id) as session:
        first = send_due(session, property_id, later)
    with seeded.tenant(property_id) as session:
        second = send_due(session, property_id, later)
        bodies = session.scalars(
            select(Message.body).where(Message.conversation_id == conversation_id)
        ).all()
        step_one = session.scalar(
            select(LeadFollowUp.id).where(LeadFollowUp.lead_id == lead_id, LeadFollowUp.step == 1)
        )
    mine = [o for o in first if o.follow_up_id == step_one]
    assert len(mine) == 1 and mine[0].outcome == "sent" and mine[0].message_id is not None
    assert not [o for o in second if o.follow_up_id == step_one]  # done: never again
    assert len(bodies) == 1 and "5,200.00 ILS" in bodies[0]  # step 2 is not due yet


def test_a_follow_up_of_a_closed_lead_is_skipped(seeded: Database) -> None:
    with as_guest(seeded, "+447700901021") as ctx:
        lead_id = _qualified(ctx, LeadKind.CORPORATE, 20)
        send_proposal(ctx, ProposalArgs(lead_id=lead_id))
        close_lead(ctx, CloseLeadArgs(lead_id=lead_id, outcome="won"))
        property_id = ctx.property_id
    with seeded.tenant(property_id) as session:
        send_due(session, property_id, NOW + timedelta(days=30))
        outcomes = session.scalars(
            select(LeadFollowUp.outcome).where(LeadFollowUp.lead_id == lead_id)
        ).all()
    assert outcomes == ["skipped: won", "skipped: won"]


# -- upsells ---------------------------------------------------------------------------------


def _book(ctx: ToolContext, check_in: date, rate: str | None = None) -> int:
    args = ReservationArgs(
        check_in=check_in, check_out=check_in + timedelta(days=2), guests=2, room_type="STD",
        rate_plan=rate,
    )  # fmt: skip
    return create_reservation(ctx, args).reservation.id


def test_an_upsell_is_offered_once_per_conversation(seeded: Database) -> None:
    with as_guest(seeded, "+447700901030") as ctx:
        first = offer_upsell(ctx, OfferUpsellArgs(reservation_id=_book(ctx, date(2027, 4, 6))))
        assert first is not None and first.kind is UpsellKind.BREAKFAST
        assert first.price == Decimal("380.00")  # 95 × 2 adults × 2 nights
        assert "380.00 ILS" in first.question
        second = offer_upsell(ctx, OfferUpsellArgs(reservation_id=_book(ctx, date(2027, 5, 6))))
        assert second is None
        with pytest.raises(IntegrityError), ctx.session.begin_nested():
            ctx.session.add(
                UpsellOffer(property_id=ctx.property_id, conversation_id=ctx.conversation_id,
                            kind=UpsellKind.SPA, description="spa", price=Decimal(1),
                            currency="ILS")
            )  # fmt: skip
            ctx.session.flush()


def test_a_taken_upsell_is_applied_to_the_booking(seeded: Database) -> None:
    with as_guest(seeded, "+447700901031") as ctx:
        reservation_id = _book(ctx, date(2027, 4, 13))
        offer = offer_upsell(ctx, OfferUpsellArgs(reservation_id=reservation_id))
        assert offer is not None
        taken = answer_upsell(ctx, UpsellAnswerArgs(offer_id=offer.id, taken=True))
        assert taken.taken is True and "Added breakfast" in taken.message
        again = answer_upsell(ctx, UpsellAnswerArgs(offer_id=offer.id, taken=False))
        assert again.taken is True  # the first answer stands
        requests = ctx.session.execute(
            text("SELECT special_requests FROM room_reservations WHERE id = :r"),
            {"r": reservation_id},
        ).scalar_one()
    assert requests.endswith(
        "Extra: breakfast for 2 every morning of your 2-night stay, 380.00 ILS"
    )


def test_breakfast_included_means_another_upsell(seeded: Database) -> None:
    with as_guest(seeded, "+447700901032") as ctx:
        plans = ctx.session.execute(
            text("SELECT p.code FROM rate_plans p JOIN room_types t ON t.id = p.room_type_id "
                 "WHERE t.code = 'STD' AND p.includes_breakfast AND p.refundable")
        ).scalars().all()  # fmt: skip
        assert plans, "the demo has a standard rate with breakfast"
        reservation_id = _book(ctx, date(2027, 4, 20), plans[0])
        offer = offer_upsell(ctx, OfferUpsellArgs(reservation_id=reservation_id))
    assert offer is not None and offer.kind is UpsellKind.ROOM_UPGRADE
    assert offer.price == Decimal("500.00")  # 250 a night × 2
