"""``buffr bench``: benchmarks that print figures."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from buffr.bench.reference import interpreter
from buffr.cli.context import CliError, runtime

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
    table = Table(title=f"buffr bench turn ({turns} turns per row)", caption=interpreter())
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


@bench_app.command("load")
def load(
    sessions: int = typer.Option(200, min=1, max=1000, help="Concurrent web chat sessions."),
    messages: int = typer.Option(3, min=1, max=50, help="Messages each session sends."),
    think: str = typer.Option(
        "8-16",
        help="Seconds a guest reads and types before each message: LOW-HIGH (uniform).",
    ),
    model_ms: int = typer.Option(500, min=0, max=60_000, help="The fake model's answer time."),
    ramp: float = typer.Option(5.0, min=0, max=60, help="Seconds over which sessions open."),
    webhook_seconds: float = typer.Option(5.0, min=0.5, max=60, help="Webhook phase length."),
    webhook_concurrency: int = typer.Option(16, min=1, max=128, help="Webhook clients."),
    pool_size: int = typer.Option(
        20, min=1, max=150, help="Each server process's database pool (its concurrent turns)."
    ),
    workers: int = typer.Option(
        2, min=1, max=8, help="Server processes (docker-compose.yml deploys the API with 2)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object instead."),
) -> None:
    """Many guests at once: web chat sessions over WebSocket to a model that takes --model-ms,
    then signed Twilio webhooks, against a separate API server process on 127.0.0.1.

    Runs on a throwaway copy of the demo data. Targets: added latency (reply time less the
    model's) p95 <= 100 ms and no errors at 200 sessions."""
    import json

    from buffr.bench import load as bench

    try:
        low, high = (float(part) for part in think.split("-", 1))
    except ValueError as error:
        raise typer.BadParameter("use LOW-HIGH seconds, e.g. 4-8", param_hint="--think") from error
    if not 0 <= low <= high <= 600:
        raise typer.BadParameter("use 0 <= LOW <= HIGH <= 600", param_hint="--think")
    options = bench.Options(
        sessions=sessions,
        messages=messages,
        think_s=(low, high),
        model_ms=model_ms,
        ramp_s=ramp,
        webhook_seconds=webhook_seconds,
        webhook_concurrency=webhook_concurrency,
        pool_size=pool_size,
        workers=workers,
    )
    rt = runtime()
    progress = (lambda s: None) if as_json else (lambda s: _out.print(f"[dim]{s}[/dim]"))
    try:
        report = bench.run(rt.endpoints, rt.settings.home, options, progress)
    except bench.BenchError as error:
        raise CliError(str(error)) from error
    if as_json:
        print(json.dumps(report.as_dict(), indent=2))
    else:
        for renderable in bench.tables(report):
            _out.print(renderable)
    if not report.passed:
        raise typer.Exit(1)


@bench_app.command("voice")
def voice(
    turns: int = typer.Option(5, min=1, max=50, help="Turns of the one call."),
    llm: str = typer.Option(
        "configured",
        help="configured (the default local model; its time is reported apart) or instant "
        "(a model that answers at once with a real tool call).",
    ),
) -> None:
    """Phone call latency per turn from the end of the caller's speech: to the transcript, the
    reply text and the first audio frame; plus STT and TTS real-time factors.

    Target: first audio at most 600 ms after the end of speech, not counting the model."""
    from buffr.bench import voice as bench

    if llm not in ("configured", "instant"):
        raise typer.BadParameter("use configured or instant", param_hint="--llm")
    rt = runtime()
    try:
        report = bench.run(
            rt.settings,
            rt.endpoints,
            turns,
            instant_llm=llm == "instant",
            progress=lambda s: _out.print(f"[dim]{s}[/dim]"),
        )
    except RuntimeError as error:
        raise CliError(str(error)) from error
    table = Table(title=f"buffr bench voice ({len(report.turns)} turns, model: {report.model})")
    columns = (
        "caller said",
        "endpoint",
        "STT",
        "→ text",
        "LLM",
        "→ reply",
        "TTS 1st",
        "→ audio",
        "voice",
    )
    for column in columns:
        table.add_column(column, justify="left" if column == "caller said" else "right")
    for t in report.turns:
        table.add_row(
            t.transcript,
            *(
                f"{v:.0f}"
                for v in (
                    t.endpoint_ms,
                    t.stt_ms,
                    t.to_transcript_ms,
                    t.llm_ms,
                    t.to_reply_ms,
                    t.tts_first_ms,
                    t.to_first_audio_ms,
                    t.voice_ms,
                )
            ),
        )
    _out.print(table)
    verdict = "PASS" if report.voice_max <= bench.TARGET_VOICE_MS else "FAIL"
    _out.print(
        f"ms from the end of the caller's speech. voice = first audio less the model's time: "
        f"p50 {report.voice_p50:.0f} ms, max {report.voice_max:.0f} ms "
        f"(target <= {bench.TARGET_VOICE_MS:.0f}: {verdict}). "
        f"STT real-time factor {report.stt_rtf:.3f}, TTS {report.tts_rtf:.3f}. Host speed: "
        f"the reference loop took {report.host_ms[0]:.1f} ms before the call and "
        f"{report.host_ms[1]:.1f} ms after (on a quiet host ~2.5 on pyenv's Python, ~2 on "
        f"Debian's: buffr/bench/reference.py). "
        f"{interpreter()}."
    )
