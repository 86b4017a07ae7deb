"""``buffr eval``: run scenario files against the agents and grade them (see :mod:`evals`)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import typer
from rich.console import Console

from buffr.cli.context import CliError, load_settings

_out = Console()


def eval_command(
    path: Path = typer.Argument(..., help="A scenario YAML file, or a folder of them."),
    model: str | None = typer.Option(
        None,
        "--model",
        help="Local model name or GGUF path (default: BUFFR_LLM_LOCAL_MODEL); "
        "'none' for no model: the deterministic fast path only.",
    ),
    report: Path | None = typer.Option(
        None,
        "--report",
        help="Where to write the JSON report (default: reports/eval-SUITE-TIMESTAMP.json).",
    ),
    tag: str | None = typer.Option(None, "--tag", help="Only the scenarios with this tag."),
    only: str | None = typer.Option(
        None, "--only", help="Only the scenarios whose id contains this text."
    ),
) -> None:
    """Run eval scenarios (a user's messages; the expected stock, movements and reply facts)
    on fresh copies of the seeded demo database. Exit code 0 when every scenario passes."""
    from buffr.services import ensure_services
    from evals.grading import ScenarioError, load_scenarios
    from evals.report import progress_line, render
    from evals.runner import ModelUnavailable, run_suite

    try:
        load_scenarios(path)  # every problem in the files is reported before anything starts
    except ScenarioError as error:
        raise CliError(str(error), code=2) from error
    endpoints = ensure_services(load_settings())
    try:
        suite = run_suite(
            path,
            model,
            endpoints=endpoints,
            tag=tag,
            only=only,
            progress=lambda step: _out.print(f"[dim]{step}[/dim]"),
            on_result=lambda result, index, total: _out.print(
                progress_line(result, index, total), highlight=False
            ),
        )
    except ModelUnavailable as error:
        raise CliError(str(error)) from error
    if not suite.results:
        raise CliError("No scenario matches --tag/--only.", code=2)
    _out.print()
    render(suite, _out)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = report or Path("reports") / f"eval-{suite.suite}-{stamp}.json"
    suite.write_json(target)
    _out.print(f"report: {target}")
    raise typer.Exit(0 if suite.passed else 1)
