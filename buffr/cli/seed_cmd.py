"""``buffr seed``: the demo properties."""

from __future__ import annotations

import typer
from rich.console import Console

from buffr.cli.context import CliError, runtime
from buffr.db import migrations

seed_app = typer.Typer(help="Seed data.", no_args_is_help=True)
_out = Console()


@seed_app.command("demo")
def demo(
    reset: bool = typer.Option(False, "--reset", help="Delete the demo properties and rebuild."),
) -> None:
    """Create the demo seaside hotel and the city bar (idempotent)."""
    rt = runtime()
    if migrations.current_revision(rt.endpoints.owner_dsn) != migrations.head_revision(
        rt.endpoints.owner_dsn
    ):
        raise CliError("The database is not migrated: run `buffr db upgrade` first.")
    from domain.seed import seed_demo  # the seed data is large; load it only when asked

    report = seed_demo(rt.db, reset=reset, progress=lambda step: _out.print(f"  {step}"))
    if report.created:
        _out.print("demo data created: " + ", ".join(f"{k} {v}" for k, v in report.counts.items()))
    else:
        _out.print("demo data already present: nothing to do (use --reset to rebuild)")
