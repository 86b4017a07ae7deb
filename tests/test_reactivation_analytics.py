"""The reactivation analytics on the seeded demo: guest features by SQL (right for a hand-made
guest, no leakage past the as-of date, one property only), segments (deterministic, unique
names, every guest once, edge cases), the win-back model (trained on the demo history, held-out
AUC, clear errors on too little data) and `buffr campaign segments`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from buffr.cli import campaign_cmd
from buffr.cli.main import app
from buffr.db.session import Database
from domain.conversations import Author, Channel, Conversation, Direction, Message
from domain.dining import Order, OrderKind, OrderStatus, TableReservation, TableReservationStatus
from domain.guests import Guest
from domain.rooms import ReservationStatus, RoomReservation
from tools.reactivation import (
    GuestFeatures,
    NotEnoughHistory,
    guest_features,
    segment_guests,
    train_winback,
)
from tools.reactivation.propensity import fit_winback, lapsed, winback_examples

TODAY = date(2027, 3, 1)
TZ = ZoneInfo("Asia/Jerusalem")


def _at(day: date, hour: int = 19) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=TZ)


pytestmark = pytest.mark.demo_data(today=TODAY)


@pytest.fixture(scope="module")
def seeded(db: Database) -> Iterator[Database]:
    yield db


@pytest.fixture(scope="module")
def handmade(seeded: Database) -> int:
    """A guest of the demo hotel with a known history; returns their id.

    Stays (one adult, weekday nights only): 2026-06-07..10 (3 nights, 3000) and 2026-11-10..12
    (2 nights, 2000), both checked out, plus a cancelled one (ignored). Dinners: one during the
    first stay (part of the stay), completed visits on 2026-11-25 and 2027-01-20 and a no-show
    (ignored). Orders: 250 delivered, 999 cancelled (ignored). Messages: two inbound SMS and one
    inbound WhatsApp in January 2027, three outbound WhatsApp (ignored)."""
    pid = seeded.property_id("demo")
    with seeded.owner() as s:
        room_id, other_room = s.execute(
            text("SELECT id FROM rooms WHERE property_id = :p ORDER BY id LIMIT 2"), {"p": pid}
        ).scalars()
        table_id = s.execute(
            text("SELECT id FROM dining_tables WHERE property_id = :p ORDER BY id LIMIT 1"),
            {"p": pid},
        ).scalar_one()
        guest = Guest(
            property_id=pid, name="Hand Made", phone="+447700900111",
            marketing_consent=True, consent_at=_at(date(2024, 1, 1)),
            created_at=_at(date(2024, 1, 1)),
        )  # fmt: skip
        s.add(guest)
        s.flush()

        def stay(code: str, room: int, start: date, end: date, amount: int, status: str) -> None:
            s.add(
                RoomReservation(
                    property_id=pid,
                    code=code,
                    room_id=room,
                    guest_id=guest.id,
                    check_in=start,
                    check_out=end,
                    adults=1,
                    children=0,
                    status=ReservationStatus(status),
                    total_amount=Decimal(amount),
                    currency="ILS",
                )
            )

        stay("HMTEST1", room_id, date(2026, 6, 7), date(2026, 6, 10), 3000, "checked_out")
        stay("HMTEST2", room_id, date(2026, 11, 10), date(2026, 11, 12), 2000, "checked_out")
        stay("HMTEST3", other_room, date(2026, 12, 1), date(2026, 12, 3), 1800, "cancelled")
        for day, status in (
            (date(2026, 6, 8), "completed"),
            (date(2026, 11, 25), "completed"),
            (date(2027, 1, 20), "completed"),
            (date(2027, 2, 1), "no_show"),
        ):
            s.add(
                TableReservation(
                    property_id=pid,
                    table_id=table_id,
                    guest_id=guest.id,
                    starts_at=_at(day, 4),
                    ends_at=_at(day, 5),
                    party_size=1,
                    status=TableReservationStatus(status),
                )
            )
        for amount, status in ((250, OrderStatus.DELIVERED), (999, OrderStatus.CANCELLED)):
            s.add(
                Order(
                    property_id=pid,
                    kind=OrderKind.TABLE,
                    guest_id=guest.id,
                    table_id=table_id,
                    status=status,
                    total_amount=Decimal(amount),
                    currency="ILS",
                    placed_at=_at(date(2027, 1, 20)),
                )
            )
        conv = Conversation(
            property_id=pid, thread_key="guest:handmade", guest_id=guest.id,
            last_channel=Channel.SMS,
        )  # fmt: skip
        s.add(conv)
        s.flush()
        for channel, direction in (
            (Channel.SMS, Direction.INBOUND), (Channel.SMS, Direction.INBOUND),
            (Channel.WHATSAPP, Direction.INBOUND), (Channel.WHATSAPP, Direction.OUTBOUND),
            (Channel.WHATSAPP, Direction.OUTBOUND), (Channel.WHATSAPP, Direction.OUTBOUND),
        ):  # fmt: skip
            s.add(
                Message(
                    property_id=pid,
                    conversation_id=conv.id,
                    channel=channel,
                    direction=direction,
                    author=Author.GUEST if direction == Direction.INBOUND else Author.AGENT,
                    body="hi",
                    created_at=_at(date(2027, 1, 15)),
                )
            )
        return guest.id


def _features(db: Database, slug: str, as_of: date = TODAY) -> list[GuestFeatures]:
    with db.tenant(db.property_id(slug)) as session:
        return guest_features(session, as_of)


def _by_id(features: list[GuestFeatures]) -> dict[int, GuestFeatures]:
    return {f.guest_id: f for f in features}


# -- features ----------------------------------------------------------------------------------


def test_features_of_a_hand_made_guest(seeded: Database, handmade: int) -> None:
    f = _by_id(_features(seeded, "demo"))[handmade]
    assert f.recency_days == (TODAY - date(2027, 1, 20)).days == 40
    assert (f.stays, f.dining_visits, f.frequency) == (2, 2, 4)
    assert f.spend == 3000 + 2000 + 250
    assert f.preferred_channel == "sms"
    assert f.stay_type == "business"
    assert (f.peak_month, f.season) == (11, "autumn")
    assert f.has_consent and not f.opted_out


def test_features_as_of_an_earlier_date_ignore_what_came_after(
    seeded: Database, handmade: int
) -> None:
    f = _by_id(_features(seeded, "demo", date(2026, 11, 1)))[handmade]
    assert f.recency_days == (date(2026, 11, 1) - date(2026, 6, 10)).days
    assert (f.stays, f.dining_visits, f.frequency, f.spend) == (1, 0, 1, 3000)
    assert f.preferred_channel == "whatsapp"  # no message yet: the phone number's channel
    assert (f.peak_month, f.season) == (6, "summer")


def test_a_stay_in_progress_counts_its_nights_so_far(seeded: Database, handmade: int) -> None:
    f = _by_id(_features(seeded, "demo", date(2026, 6, 9)))[handmade]
    assert f.recency_days == 0
    assert f.stays == 1 and f.spend == 2000  # 2 of the 3 nights of a 3000 stay


def test_new_activity_after_as_of_changes_nothing(seeded: Database, handmade: int) -> None:
    as_of = date(2026, 11, 1)
    pid = seeded.property_id("demo")
    with seeded.tenant(pid) as session:
        before = guest_features(session, as_of)
        room_id = session.execute(text("SELECT min(id) FROM rooms")).scalar_one()
        session.add(
            RoomReservation(
                property_id=pid,
                code="HMLEAK1",
                room_id=room_id,
                guest_id=handmade,
                check_in=as_of,
                check_out=date(2026, 11, 3),
                adults=1,
                children=0,
                status=ReservationStatus.CHECKED_OUT,
                total_amount=Decimal(9999),
                currency="ILS",
            )
        )
        session.flush()
        after = guest_features(session, as_of)
        moved = guest_features(session, date(2026, 11, 4))
        session.rollback()
    assert after == before
    assert _by_id(moved)[handmade].recency_days == 1  # and it does count once it is past


def test_stay_counts_match_an_independent_query(seeded: Database) -> None:
    features = _features(seeded, "demo")
    with seeded.owner() as s:
        rows = s.execute(
            text(
                "SELECT g.id, count(r.id) FILTER (WHERE r.status IN ('checked_out', 'checked_in')"
                " AND r.check_in < :today) FROM guests g JOIN properties p ON p.id = g.property_id"
                " LEFT JOIN room_reservations r ON r.guest_id = g.id"
                # Created before the property's local midnight that starts TODAY (the seed
                # puts some guests within hours of it, by the wall clock's time of day).
                " WHERE p.slug = 'demo' AND g.created_at < CAST(:today AS timestamp) AT TIME ZONE"
                " p.timezone GROUP BY g.id"
            ),
            {"today": TODAY},
        ).all()
    assert {gid: n for gid, n in rows} == {f.guest_id: f.stays for f in features}
    assert len(features) > 150
    assert {f.stay_type for f in features} >= {"family", "leisure", "diner-only"}


def test_features_never_include_another_property(seeded: Database) -> None:
    demo, bar = _features(seeded, "demo"), _features(seeded, "city-bar")
    with seeded.owner() as s:
        owned: dict[int, str] = dict(
            s.execute(
                text("SELECT g.id, p.slug FROM guests g JOIN properties p ON p.id = g.property_id")
            ).all()
        )
    assert demo and bar
    assert {owned[f.guest_id] for f in demo} == {"demo"}
    assert {owned[f.guest_id] for f in bar} == {"city-bar"}
    with seeded.owner() as s, pytest.raises(ValueError, match="bound to one property"):
        guest_features(s, TODAY)


# -- segments ----------------------------------------------------------------------------------


def test_segments_of_the_demo(seeded: Database) -> None:
    features = _features(seeded, "demo")
    first = segment_guests(features, seed=0)
    assert first == segment_guests(features, seed=0)
    assert 3 <= first.k <= 6 and first.silhouette is not None
    names = [s.name for s in first.segments]
    assert len(set(names)) == len(names)
    ids = [gid for s in first.segments for gid in s.guest_ids]
    assert sorted(ids) == sorted(f.guest_id for f in features)
    assert sum(s.size for s in first.segments) == len(features)
    assert all(0 <= s.consent_share <= 1 for s in first.segments)
    # The busiest, most recent segment is listed first and is the loyal one.
    assert first.segments[0].name == "Loyal regulars"
    assert first.segments[0].mean_frequency > max(s.mean_frequency for s in first.segments[1:])
    five = segment_guests(features, k=5, seed=0)
    assert five.k == 5 and len({s.name for s in five.segments}) == 5


def _guest(gid: int, recency: int | None, frequency: int, spend: float) -> GuestFeatures:
    return GuestFeatures(
        guest_id=gid, recency_days=recency, frequency=frequency, stays=frequency,
        dining_visits=0, spend=spend, preferred_channel="sms", stay_type="leisure",
        peak_month=None, season=None, has_consent=gid % 2 == 0, opted_out=False,
    )  # fmt: skip


def test_segment_edge_cases() -> None:
    assert segment_guests([]).segments == []
    same = [_guest(i, 30, 2, 100.0) for i in range(10)]  # every feature constant
    one = segment_guests(same)
    assert one.k == 1 and one.segments[0].size == 10
    three = [_guest(1, 10, 5, 9000.0), _guest(2, 400, 1, 50.0), _guest(3, None, 0, 0.0)]
    for k in (None, 5):  # fewer guests than clusters: one cluster per guest
        result = segment_guests(three, k=k)
        assert result.k == 3 and sorted(s.size for s in result.segments) == [1, 1, 1]
        assert len({s.name for s in result.segments}) == 3
    assert segment_guests(three[:1]).k == 1
    with pytest.raises(ValueError):
        segment_guests(three, k=0)


# -- win-back model ----------------------------------------------------------------------------


def test_winback_model_on_the_demo_history(seeded: Database) -> None:
    with seeded.tenant(seeded.property_id("demo")) as session:
        snapshot, examples, labels = winback_examples(session, TODAY)
        model = train_winback(session, TODAY, seed=0)
        again = train_winback(session, TODAY, seed=0)
        today = guest_features(session, TODAY)
    assert model.snapshot == snapshot and all((f.recency_days or 0) >= 90 for f in examples)
    assert model.n_train + model.n_test == len(examples) and model.n_positive == sum(labels)
    assert 0 < model.base_rate < 1 and 0 <= model.precision_at_top <= 1
    assert 0 <= model.auc <= 1
    # The demo's loyal and regular guests come back and its lapsed ones do not, so the history
    # has a real signal: the held-out AUC beats chance (measured 0.68-0.86 over seeds 0-4,
    # 0.68 for seed 0, on 27 held-out guests).
    assert model.auc > 0.6
    assert again.auc == model.auc
    scores = model.score(lapsed(today))
    assert scores and all(0 <= p <= 1 for p in scores.values())


def test_winback_needs_both_outcomes() -> None:
    guests = [_guest(i, 100 + i, 1 + i % 3, 100.0 * i) for i in range(40)]
    with pytest.raises(NotEnoughHistory, match="came back"):
        fit_winback(guests, [i < 3 for i in range(40)])
    with pytest.raises(NotEnoughHistory):
        fit_winback(guests, [False] * 40)
    model = fit_winback(guests, [i % 2 == 0 for i in range(40)])
    assert model.n_train + model.n_test == 40


def test_winback_without_history_is_a_clear_error(seeded: Database) -> None:
    with seeded.tenant(seeded.property_id("demo")) as session, pytest.raises(NotEnoughHistory):
        train_winback(session, date(2025, 6, 1))


# -- CLI ---------------------------------------------------------------------------------------


def test_cli_prints_segments_and_the_model(
    seeded: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(campaign_cmd, "runtime", lambda: SimpleNamespace(db=seeded))
    runner = CliRunner()
    shown = runner.invoke(
        app, ["campaign", "segments", "--property", "demo", "--today", TODAY.isoformat()],
        env={"COLUMNS": "200"},
    )  # fmt: skip
    assert shown.exit_code == 0, shown.output
    # The table wraps to the console's width (set when the module was imported, so not by
    # COLUMNS here): words, not phrases; the names themselves are checked in the JSON below.
    assert "Loyal" in shown.output and "regulars" in shown.output and "AUC" in shown.output
    as_json = runner.invoke(
        app, ["campaign", "segments", "-p", "demo", "--k", "4", "--json", "--today", "2027-03-01"]
    )
    assert as_json.exit_code == 0, as_json.output
    report = json.loads(as_json.output)
    assert report["k"] == 4 and len(report["segments"]) == 4
    assert sum(s["size"] for s in report["segments"]) == report["guests"]
    assert 0 <= report["winback"]["auc"] <= 1
    bar = runner.invoke(
        app, ["campaign", "segments", "-p", "city-bar", "--json", "--today", "2027-03-01"]
    )
    assert bar.exit_code == 0, bar.output
    bar_report = json.loads(bar.output)
    assert bar_report["winback"] is None and "Not enough history" in bar_report["winback_error"]
