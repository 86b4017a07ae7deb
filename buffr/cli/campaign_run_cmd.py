"""``buffr campaign create | preview | send | report``: running a win-back campaign.

``send`` writes the campaign's messages batch by batch (printing progress) and hands the due
ones to the channel worker (``buffr worker`` sends them through Twilio); quiet hours and rate
limits defer the rest, which the worker's ``release_campaigns`` job sends when their time
comes. Sending again is safe: a guest gets a campaign's message once, however often it runs.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.table import Table

from buffr.cli.context import CliError, load_settings, runtime

if TYPE_CHECKING:
    from api.services import Services
    from tools.base import ToolContext

_out = Console()
_err = Console(stderr=True)
PROPERTY = typer.Option("demo", "--property", "-p", help="The property's slug.")
AS_JSON = typer.Option(False, "--json", help="Print JSON instead of a table.")


@contextmanager
def _context(slug: str) -> Iterator[ToolContext]:
    from tools.base import Actor, ToolContext

    rt = runtime()
    property_id = rt.db.property_id(slug)
    try:
        with rt.db.tenant(property_id) as session:
            yield ToolContext(session, property_id, Actor(kind="system", name="buffr campaign"))
    finally:
        rt.db.dispose()


def _now(value: str | None) -> datetime:
    if not value:
        return datetime.now(UTC)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as error:
        raise CliError(
            f"--now must be a time like 2027-03-01T10:00+02:00, not {value!r}", 2
        ) from error
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def create(
    name: str = typer.Argument(..., help="The campaign's name (unique per property)."),
    segment: str = typer.Option(
        "lapsed",
        "--segment",
        "-s",
        help="lapsed, all, a rule segment or a `campaign segments` one.",
    ),
    offer: str = typer.Option(..., "--offer", help="The offer, in the guest's words."),
    sms: str | None = typer.Option(None, "--sms", help="SMS text; {name}, {property}, {offer}."),
    whatsapp: str | None = typer.Option(None, "--whatsapp", help="WhatsApp text (in window)."),
    template: str = typer.Option(
        "reengage", "--template", help="WhatsApp template outside the 24-hour window."
    ),
    property_slug: str = PROPERTY,
) -> None:
    """Create a campaign (a draft until sent)."""
    from pydantic import ValidationError

    from tools.base import ToolError
    from tools.reactivation.campaigns import CampaignArgs, create_campaign

    try:
        args = CampaignArgs(name=name, segment=segment, offer=offer, sms=sms, whatsapp=whatsapp,
                            whatsapp_template=template)  # fmt: skip
    except ValidationError as error:
        raise CliError("; ".join(e["msg"] for e in error.errors()), code=2) from error
    with _context(property_slug) as ctx:
        try:
            info = create_campaign(ctx, args)
        except ToolError as error:
            raise CliError(str(error)) from error
    _out.print(f"campaign {info.name!r} created (id {info.id}, segment {info.segment}, "
               f"channels {', '.join(info.channels)})")  # fmt: skip


def preview(
    name: str = typer.Argument(...),
    property_slug: str = PROPERTY,
    as_json: bool = AS_JSON,
    now: str | None = typer.Option(None, "--now", help="Pretend it is this time (ISO)."),
) -> None:
    """Who would get the campaign, on which channel, who is excluded and why; samples."""
    from tools.base import ToolError
    from tools.reactivation.campaigns import find_campaign
    from tools.reactivation.report import preview_campaign

    with _context(property_slug) as ctx:
        try:
            found = preview_campaign(ctx, find_campaign(ctx, name), _now(now))
        except ToolError as error:
            raise CliError(str(error)) from error
    if as_json:
        typer.echo(found.model_dump_json(indent=2))
        return
    _out.print(f"{found.campaign}: segment {found.segment!r}, {found.audience} guests")
    if not found.audience:
        _out.print("the segment is empty: nobody would be sent anything")
    for title, counts in (("channel", found.by_channel), ("excluded", found.excluded),
                          ("segment", found.by_segment)):  # fmt: skip
        if counts:
            _out.print(f"  by {title}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    for sample in found.samples:
        _out.print(
            f"  [{sample.channel.value}] guest {sample.guest_id}: {sample.text}", markup=False
        )


def send(
    name: str = typer.Argument(...),
    property_slug: str = PROPERTY,
    batch: int = typer.Option(500, "--batch", min=1, max=5000, help="Guests per batch."),
    background: bool = typer.Option(False, "--background", help="Queue it for the worker."),
    at: str | None = typer.Option(None, "--at", help="Schedule it for this time (ISO)."),
) -> None:
    """Send the campaign, batch by batch with progress; safe to run again."""
    from sqlalchemy import select

    from domain.campaigns import Campaign
    from tools.reactivation import sending

    services = _services()
    try:
        property_id = services.db.property_id(property_slug)
        with services.db.tenant(property_id) as session:
            campaign_id = session.scalar(select(Campaign.id).where(Campaign.name == name))
        if campaign_id is None:
            raise CliError(f"No campaign named {name!r}.")
        if background or at:
            when = _now(at) if at else None
            sending.queue_send(services, property_id, campaign_id, when)
            _out.print(f"queued{f' for {when:%Y-%m-%d %H:%M %Z}' if when else ''}: the worker "
                       "(`buffr worker`) sends it in batches")  # fmt: skip
            return
        after, read, written, deferred, skipped = 0, 0, 0, 0, Counter[str]()
        number = 0
        while True:
            result = sending.send_batch(services, property_id, campaign_id, after, size=batch)
            number += 1
            read += result.audience
            written += result.written
            deferred += result.deferred
            skipped.update(result.skipped)
            _err.print(f"batch {number}: {read} guests of the segment, {written} new messages "
                       f"({deferred} deferred to after quiet hours), {sum(skipped.values())} "
                       "skipped")  # fmt: skip
            if result.read_until is None:
                break
            after = result.read_until
        released = 0
        while ids := sending.release_due(services, property_id):
            sending.deliver(services, property_id, ids)
            released += len(ids)
        sending.schedule_release(services, property_id)
    finally:
        services.db.dispose()
    if not read:
        _out.print("the segment is empty: nothing was sent")
    _out.print(f"{written} messages written, {released} queued for delivery now, "
               f"the rest wait for quiet hours or the rate limit; skipped: "
               + (", ".join(f"{k} {v}" for k, v in sorted(skipped.items())) or "none"))  # fmt: skip


def report(
    name: str = typer.Argument(...), property_slug: str = PROPERTY, as_json: bool = AS_JSON
) -> None:
    """Sent, delivered, replied, converted and revenue, per segment."""
    from tools.base import ToolError
    from tools.reactivation.campaigns import find_campaign
    from tools.reactivation.report import campaign_report

    with _context(property_slug) as ctx:
        try:
            found = campaign_report(ctx, find_campaign(ctx, name))
        except ToolError as error:
            raise CliError(str(error)) from error
    if as_json:
        typer.echo(json.dumps(found.model_dump(mode="json"), indent=2))
        return
    table = Table(title=f"{found.campaign} ({found.status})", title_justify="left")
    columns = ("sent", "delivered", "replied", "converted", "revenue", "waiting", "opted_out")
    table.add_column("segment")
    for column in columns:
        table.add_column(column.replace("_", " "), justify="right")
    for row in [*found.segments, found.total]:
        cells = [f"{getattr(row, c):,.2f}" if c == "revenue" else str(getattr(row, c))
                 for c in columns]  # fmt: skip
        table.add_row(row.segment, *cells)
    _out.print(table)


def _services() -> Services:
    from api.services import build_services
    from buffr.services import ServiceError

    try:
        return build_services(load_settings())
    except ServiceError as error:
        raise CliError(str(error)) from error
