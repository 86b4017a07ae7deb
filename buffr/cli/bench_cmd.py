"""``buffr bench``: benchmarks that print figures."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from buffr.cli.context import runtime

bench_app = typer.Typer(help="Benchmarks (they print figures; targets are in the docs).")
_out = Console()


@bench_app.command("turn")
def turn(turns: int = typer.Option(300, min=20, help="Turns per measurement.")) -> None:
    """Per-turn latency: the fast path and the overhead around an LLM call.

    Runs on a throwaway copy of the demo data on the configured (embedded) services.
    Targets: fast path p50 <= 30 ms; overhead around the LLM p50 <= 10 ms."""
    from buffr.bench import turn as bench
    from buffr.bench.scratch import scratch_database

    rt = runtime()
    with scratch_database(rt.endpoints) as db:
        figures = bench.run(db, turns, progress=lambda s: _out.print(f"[dim]{s}[/dim]"))
    table = Table(title=f"buffr bench turn ({turns} turns per row)")
    for column in ("measurement", "p50 ms", "p95 ms", "mean ms"):
        table.add_column(column, justify="left" if column == "measurement" else "right")
    for f in figures:
        table.add_row(f.name, f"{f.p50:.1f}", f"{f.p95:.1f}", f"{f.mean:.1f}")
    _out.print(table)
