"""What a run of a suite produced: per-scenario results, the summary numbers, the JSON report
and the rich tables ``buffr eval`` prints."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from rich.console import Console
from rich.markup import escape
from rich.table import Table

Status = Literal["passed", "failed", "error"]
REPORT_VERSION = 1


@dataclass
class TurnRecord:
    user: str
    reply: str = ""
    agent: str = ""
    llm_called: bool = False
    latency_ms: float = 0.0  # without the one-off model load, which model_load_ms tells
    pending_question: bool = False
    tools: list[str] = field(default_factory=list)  # the tools the turn called, in order
    failures: list[str] = field(default_factory=list)
    model_load_ms: float | None = None  # this turn loaded the model


@dataclass
class ScenarioResult:
    id: str
    file: str = ""
    description: str = ""
    tags: list[str] = field(default_factory=list)
    status: Status = "passed"
    failures: list[str] = field(default_factory=list)  # every reason, turn by turn, then end
    turns: list[TurnRecord] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    @property
    def llm_calls(self) -> int:
        return sum(t.llm_called for t in self.turns)


@dataclass
class SuiteReport:
    suite: str
    path: str
    model: str
    started_at: str  # UTC, ISO 8601
    seconds: float = 0.0
    template_seconds: float = 0.0  # migrating and seeding the template database
    model_load_ms: float | None = None
    results: list[ScenarioResult] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.results)

    def summary(self) -> dict[str, Any]:
        turns = [t for r in self.results for t in r.turns]
        llm = [t.latency_ms for t in turns if t.llm_called]
        fast = [t.latency_ms for t in turns if not t.llm_called]
        passed = sum(r.passed for r in self.results)
        tags = sorted({tag for r in self.results for tag in r.tags})
        return {
            "scenarios": len(self.results),
            "passed": passed,
            "failed": sum(r.status == "failed" for r in self.results),
            "errors": sum(r.status == "error" for r in self.results),
            "pass_rate": round(passed / len(self.results), 4) if self.results else 0.0,
            "turns": len(turns),
            "llm_calls": len(llm),
            "latency_ms": _stats([t.latency_ms for t in turns]),
            "latency_ms_llm": _stats(llm),
            "latency_ms_fast_path": _stats(fast),
            "by_tag": {tag: _tag_summary(self.results, tag) for tag in [*tags, "untagged"]},
            "model_load_ms": _round(self.model_load_ms),
            "template_seconds": round(self.template_seconds, 2),
            "seconds": round(self.seconds, 2),
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "version": REPORT_VERSION,
            "suite": self.suite,
            "path": self.path,
            "model": self.model,
            "started_at": self.started_at,
            "summary": self.summary(),
            "scenarios": [
                {**asdict(r), "passed": r.passed, "llm_calls": r.llm_calls} for r in self.results
            ],
        }

    def write_json(self, file: Path) -> None:
        file.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(self.to_json(), ensure_ascii=False, indent=2)
        file.write_text(text + "\n", encoding="utf-8")


def percentile(values: list[float], pct: float) -> float | None:
    """Linear interpolation between closest ranks (numpy's default); None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * pct / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def _stats(values: list[float]) -> dict[str, Any]:
    return {
        "count": len(values),
        "p50": _round(percentile(values, 50)),
        "p95": _round(percentile(values, 95)),
        "max": _round(max(values) if values else None),
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _tag_summary(results: list[ScenarioResult], tag: str) -> dict[str, int]:
    chosen = [r for r in results if (tag in r.tags if tag != "untagged" else not r.tags)]
    return {"scenarios": len(chosen), "passed": sum(r.passed for r in chosen)}


# -- console ----------------------------------------------------------------------------------

_MARK = {"passed": "[green]✓[/green]", "failed": "[red]✗[/red]", "error": "[red]![/red]"}


def progress_line(result: ScenarioResult, index: int, total: int) -> str:
    """One line for a scenario that just finished (rich markup)."""
    llm = f", {result.llm_calls} LLM" if result.llm_calls else ""
    line = (
        f"{_MARK[result.status]} [{index}/{total}] {escape(result.id)} "
        f"[dim]({_plural(len(result.turns), 'turn')}{llm}, {result.seconds:.1f} s)[/dim]"
    )
    if result.failures:
        line += f" [red]{escape(result.failures[0])}[/red]"
    return line


def render(report: SuiteReport, console: Console) -> None:
    """The per-scenario table, the failures with their replies, and the summary."""
    table = Table(title=f"eval {report.suite} · model {report.model}", title_justify="left")
    for column in ("", "scenario", "turns", "LLM", "ms p50", "tags", "first failure"):
        table.add_column(column, overflow="fold")
    for r in report.results:
        latencies = [t.latency_ms for t in r.turns]
        p50 = percentile(latencies, 50)
        table.add_row(
            _MARK[r.status],
            escape(r.id),
            str(len(r.turns)),
            str(r.llm_calls),
            f"{p50:.0f}" if p50 is not None else "-",
            escape(",".join(r.tags)),
            escape(r.failures[0]) if r.failures else "",
        )
    console.print(table)
    for r in report.results:
        if not r.passed:
            _render_failure(r, console)
    _render_summary(report, console)


def _render_failure(result: ScenarioResult, console: Console) -> None:
    console.print(
        f"\n[bold red]{result.status.upper()}[/bold red] [bold]{escape(result.id)}[/bold]"
    )
    for number, turn in enumerate(result.turns, start=1):
        via = "LLM" if turn.llm_called else "fast path"
        console.print(f"  [cyan]{number}. user:[/cyan] {escape(turn.user)}", highlight=False)
        reply = escape(turn.reply).replace("\n", "\n     ")
        console.print(f"     [dim]({via})[/dim] {reply}", highlight=False)
    for failure in result.failures:
        console.print(f"  [red]- {escape(failure)}[/red]", highlight=False)


def _render_summary(report: SuiteReport, console: Console) -> None:
    s = report.summary()
    colour = "green" if report.passed else "red"
    console.print(
        f"\n[bold {colour}]{s['passed']}/{s['scenarios']} passed "
        f"({s['pass_rate']:.0%})[/bold {colour}]"
        + (f", {s['errors']} errors" if s["errors"] else "")
        + f" · {_plural(s['turns'], 'turn')} · {_plural(s['llm_calls'], 'LLM call')}"
    )
    for label, key in (
        ("all turns", "latency_ms"),
        ("LLM turns", "latency_ms_llm"),
        ("fast path", "latency_ms_fast_path"),
    ):
        stats = s[key]
        if stats["count"]:
            console.print(
                f"  latency {label:<9} p50 {stats['p50']:.0f} ms · p95 {stats['p95']:.0f} ms"
                f" · max {stats['max']:.0f} ms ({_plural(stats['count'], 'turn')})"
            )
    for tag, counts in s["by_tag"].items():
        if counts["scenarios"]:
            console.print(f"  tag {tag}: {counts['passed']}/{counts['scenarios']} passed")
    load = f", model load {s['model_load_ms'] / 1000:.1f} s" if s["model_load_ms"] else ""
    console.print(
        f"  {s['seconds']:.1f} s in all (template database {s['template_seconds']:.1f} s{load})"
    )


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")
