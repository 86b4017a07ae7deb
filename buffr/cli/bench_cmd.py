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


@bench_app.command("rag")
def rag(
    chunks: int = typer.Option(100_000, min=100, help="Synthetic chunks in the corpus."),
    queries: int = typer.Option(200, min=5, help="Queries per measurement."),
    sentences: int = typer.Option(
        3000, min=10, help="Real sentences for the embedding and ingestion throughput."
    ),
    distribution: str = typer.Option(
        "clustered", help="clustered (like text embeddings) or uniform (the hardest case)."
    ),
    ef_search: list[int] = typer.Option(
        [20, 40, 64, 100], "--ef-search", help="hnsw.ef_search values to measure (repeat)."
    ),
    m: int | None = typer.Option(None, help="HNSW m (default: as the migration builds it)."),
    ef_construction: int | None = typer.Option(None, help="HNSW ef_construction (likewise)."),
) -> None:
    """Knowledge base: ingestion throughput, retrieval p50/p95 and recall@10 of the HNSW index.

    Runs on a throwaway database. Targets: p95 <= 20 ms and recall@10 >= 0.95 at 100,000
    chunks."""
    from buffr.bench import rag as bench
    from buffr.bench.scratch import scratch_database
    from knowledge.config import get_knowledge_settings

    if distribution not in ("clustered", "uniform"):
        raise typer.BadParameter("use clustered or uniform", param_hint="--distribution")
    options = bench.Options(
        chunks=chunks,
        queries=queries,
        sentences=sentences,
        distribution="uniform" if distribution == "uniform" else "clustered",
        ef_search=tuple(ef_search),
        hybrid_ef_search=get_knowledge_settings().kb_ef_search,
        m=m,
        ef_construction=ef_construction,
    )
    rt = runtime()
    with scratch_database(rt.endpoints) as db:
        report = bench.run(
            db, db.property_id("demo"), options, progress=lambda s: _out.print(f"[dim]{s}[/dim]")
        )
    for renderable in bench.tables(report):
        _out.print(renderable)
