"""Send a win-back campaign to a large segment and measure it: wall time, and whether memory
stays flat (tracemalloc's peak per batch and the process's RSS) while the audience streams.

    .venv/bin/python scripts/bench_campaign.py --guests 100000

It builds a throwaway database on the embedded Postgres (dropped at the end): one hotel, the
guests (all with marketing consent and a phone; one in ten opted out), and one checked-out stay
each, 200 to 700 days ago, across 1,000 rooms. Then ``send_batch`` runs page by page, as
``buffr campaign send`` does, and ``release_due`` turns every message into a queued outbound
message (the rate limit is raised for the bench). The Twilio sends themselves are the worker's
``deliver_message`` jobs and are not run here.
"""

from __future__ import annotations

import argparse
import resource
import time
import tracemalloc
import uuid
from datetime import UTC, datetime

import psycopg
from psycopg import sql

from api.services import build_services
from buffr.db import migrations
from buffr.services import ensure_services
from buffr.services.resolve import for_database, with_database
from buffr.settings import get_settings
from tools.base import Actor, ToolContext
from tools.reactivation.campaigns import CampaignArgs, create_campaign
from tools.reactivation.sending import release_due, send_batch

ROOMS = 1000
FAST = {"quiet_hours": {"start": "00:00", "end": "00:00"},
        "rate_per_minute": {"sms": 10_000_000, "whatsapp": 10_000_000}}  # fmt: skip

_FILL = """
INSERT INTO properties (slug, name, type, timezone, currency, languages, policies,
                        check_in_time, check_out_time, cancellation_window_hours,
                        tax_rate_percent)
VALUES ('bench', 'Bench Hotel', 'hotel', 'Asia/Jerusalem', 'ILS', '{en}',
        jsonb_build_object('campaigns', %(policies)s::jsonb), '15:00', '11:00', 48, 17);
INSERT INTO room_types (property_id, code, name, max_occupancy)
SELECT id, 'STD', 'Standard', 2 FROM properties;
INSERT INTO rooms (property_id, room_type_id, number, in_service)
SELECT t.property_id, t.id, 'R' || n, true FROM room_types t, generate_series(1, %(rooms)s) n;
INSERT INTO guests (property_id, name, phone, language, marketing_consent, consent_at,
                    opted_out_at, loyalty_points, preferences)
SELECT p.id, 'Guest ' || n, '+4477' || lpad(n::text, 8, '0'), 'en', n %% 10 <> 0,
       now() - interval '2 years', CASE WHEN n %% 10 = 0 THEN now() END, 0, '[]'
FROM properties p, generate_series(1, %(guests)s) n;
INSERT INTO room_reservations (property_id, code, room_id, guest_id, check_in, check_out,
                               adults, children, status, total_amount, currency)
SELECT g.property_id, 'B' || g.rn, r.id, g.id,
       current_date - 700 + (g.rn / %(rooms)s)::int * 3,
       current_date - 698 + (g.rn / %(rooms)s)::int * 3,
       2, 0, 'checked_out', 500 + (g.rn %% 7) * 100, 'ILS'
FROM (SELECT id, property_id, row_number() OVER (ORDER BY id) - 1 AS rn FROM guests) g
JOIN rooms r ON r.number = 'R' || (g.rn %% %(rooms)s + 1);
"""


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--guests", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=500)
    args = parser.parse_args()
    settings = get_settings()
    endpoints = ensure_services(settings)
    name = f"buffr_bench_campaign_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(endpoints.owner_dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        owner = with_database(endpoints.owner_dsn, name)
        migrations.upgrade(owner)
        started = time.perf_counter()
        with psycopg.connect(owner, autocommit=True) as conn:
            import json

            values = {"guests": args.guests, "rooms": ROOMS, "policies": json.dumps(FAST)}
            for statement in filter(str.strip, _FILL.split(";\n")):
                conn.execute(statement, values)
            conn.execute("ANALYZE")
        print(f"filled {args.guests:,} guests and stays in {time.perf_counter() - started:.1f} s")
        services = build_services(settings, endpoints=for_database(endpoints, name))
        property_id = services.db.property_id("bench")
        with services.db.tenant(property_id) as session:
            ctx = ToolContext(session, property_id, Actor(kind="system"))
            spec = CampaignArgs(name="bench", segment="lapsed", offer="15% off", sms="Hi {name}!")
            campaign = create_campaign(ctx, spec)
        tracemalloc.start()
        started, after, number, written = time.perf_counter(), 0, 0, 0
        peaks: list[int] = []
        now = datetime.now(UTC)
        while True:
            tracemalloc.reset_peak()
            result = send_batch(services, property_id, campaign.id, after, now=now,
                                size=args.batch)  # fmt: skip
            peaks.append(tracemalloc.get_traced_memory()[1])
            number += 1
            written += result.written
            if number % 40 == 0 or result.read_until is None:
                print(f"  batch {number}: {written:,} written, peak traced "
                      f"{peaks[-1] / 1e6:.1f} MB, max RSS {_rss_mb():.0f} MB")  # fmt: skip
            if result.read_until is None:
                break
            after = result.read_until
        send_s = time.perf_counter() - started
        started, released = time.perf_counter(), 0
        while ids := release_due(services, property_id, now=now):
            released += len(ids)
        release_s = time.perf_counter() - started
        tracemalloc.stop()
        first, last = peaks[: len(peaks) // 2], peaks[len(peaks) // 2 :]
        print(f"send: {written:,} campaign messages in {number} batches, {send_s:.1f} s "
              f"({written / send_s:,.0f}/s)")  # fmt: skip
        print(f"release: {released:,} outbound messages written in {release_s:.1f} s")
        print(f"peak traced memory per batch: first half max {max(first) / 1e6:.1f} MB, "
              f"second half max {max(last) / 1e6:.1f} MB; max RSS {_rss_mb():.0f} MB")  # fmt: skip
        services.db.dispose()
    finally:
        with psycopg.connect(endpoints.owner_dsn, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(name)))  # fmt: skip


if __name__ == "__main__":
    main()
