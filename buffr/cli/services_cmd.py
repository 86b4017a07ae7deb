"""``buffr services`` (start/stop the embedded servers) and ``buffr status``."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select, text

from buffr.cli.context import CliError, load_settings, runtime
from buffr.db import migrations
from buffr.services import ServiceError, service_status, stop_services
from domain import Base

services_app = typer.Typer(help="The embedded Postgres and Redis.", no_args_is_help=True)
_out = Console()


@services_app.command("start")
def start() -> None:
    """Start the embedded services (they keep running until `buffr services stop`)."""
    rt = runtime()
    for name, state in service_status(rt.settings).items():
        _out.print(f"{name}: {state}")


@services_app.command("stop")
def stop() -> None:
    """Stop the embedded services cleanly. External servers are never touched."""
    settings = load_settings()
    try:
        stopped = stop_services(settings)
    except ServiceError as error:
        raise CliError(str(error)) from error
    _out.print(f"stopped: {', '.join(stopped)}" if stopped else "nothing was running")


def status() -> None:
    """Services, database and migrations, rows per table, models present."""
    rt = runtime()
    table = Table(title="services", show_header=False)
    for name, state in service_status(rt.settings).items():
        table.add_row(name, state)
    current = migrations.current_revision(rt.endpoints.owner_dsn)
    head = migrations.head_revision(rt.endpoints.owner_dsn)
    verdict = "up to date" if current == head else "run `buffr db upgrade`"
    table.add_row("migrations", f"at {current or 'nothing'}, head {head} ({verdict})")
    _out.print(table)

    if current is not None:
        counts = Table(title="rows per table (all properties)")
        counts.add_column("table")
        counts.add_column("rows", justify="right")
        with rt.db.owner() as session:
            names = [t.name for t in Base.metadata.sorted_tables]
            existing = set(session.scalars(text("SELECT tablename FROM pg_tables")).all())
            for name in sorted(n for n in names if n in existing):
                n = session.scalar(select(func.count()).select_from(Base.metadata.tables[name]))
                counts.add_row(name, str(n))
        _out.print(counts)
    _out.print(_models_table())


def _models_table() -> Table:
    from buffr.modelhub import list_models

    models = Table(title="models")
    for column in ("name", "role", "status"):
        models.add_column(column)
    for entry in list_models(load_settings()):
        models.add_row(entry.spec.name, str(entry.spec.role), str(entry.status))
    return models
