"""``buffr worker``: run the background jobs of the channels (inbound turns, Twilio sends,
staff notifications) until Ctrl-C or SIGTERM."""

from __future__ import annotations

import logging

import typer
from rich.console import Console

from buffr.cli.context import CliError, load_settings
from buffr.db import migrations
from buffr.services import ServiceError

_err = Console(stderr=True)


def worker(
    threads: int = typer.Option(4, "--threads", "-t", min=1, max=64, help="Worker threads."),
) -> None:
    """Run the channel worker (dramatiq on Redis): turns for SMS/WhatsApp messages, replies
    and staff notifications through Twilio, retried with backoff, dead letters at the end."""
    from api.services import build_services
    from channels.worker import run_worker

    settings = load_settings()
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        services = build_services(settings)
    except ServiceError as error:
        raise CliError(str(error)) from error
    dsn = services.endpoints.owner_dsn
    if migrations.current_revision(dsn) != migrations.head_revision(dsn):
        services.db.dispose()
        raise CliError("The database is not migrated: run `buffr db upgrade` first.")
    if not settings.twilio_account_sid or settings.twilio_auth_token is None:
        _err.print(
            "[yellow]warning:[/yellow] Twilio is not configured (BUFFR_TWILIO_ACCOUNT_SID, "
            "BUFFR_TWILIO_AUTH_TOKEN): SMS and WhatsApp jobs will end in the dead letters."
        )
    _err.print(f"channel worker: {threads} threads, Ctrl-C to stop")
    try:
        run_worker(services, threads)
    finally:
        services.db.dispose()
