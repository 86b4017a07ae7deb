"""``buffr kb``: a property's knowledge base: ingest documents, list, delete, search.

Bad input (a corrupt PDF, an empty or oversized file, an unsupported type, an unreachable URL)
is one line on stderr and exit code 1, and nothing is written.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn
from rich.table import Table

from buffr.cli.context import CliError, Runtime, runtime
from buffr.db import migrations

if TYPE_CHECKING:
    from knowledge.config import KnowledgeSettings
    from knowledge.models import IngestEvent, IngestReport

kb_app = typer.Typer(
    help="The knowledge base guests' questions are answered from.", no_args_is_help=True
)
_out = Console()
_err = Console(stderr=True)

PropertyOption = typer.Option("demo", "--property", "-p", help="The property's slug.")
_STAGES = {"read": "reading", "parse": "chunking", "embed": "embedding", "save": "saving"}


def _settings() -> KnowledgeSettings:
    from knowledge.config import get_knowledge_settings

    try:
        return get_knowledge_settings()
    except ValidationError as error:
        problems = "; ".join(
            f"BUFFR_{str(e['loc'][0]).upper()}: {e['msg']}" for e in error.errors()
        )
        raise CliError(f"Invalid configuration: {problems}", code=2) from error


def _migrated_runtime() -> Runtime:
    rt = runtime()
    dsn = rt.endpoints.owner_dsn
    if migrations.current_revision(dsn) != migrations.head_revision(dsn):
        raise CliError("The database is not migrated: run `buffr db upgrade` first.")
    return rt


@contextmanager
def _knowledge_errors() -> Iterator[None]:
    """Bad input becomes one line and exit code 1."""
    from knowledge.errors import KnowledgeError

    try:
        yield
    except KnowledgeError as error:
        raise CliError(str(error)) from error


class _ProgressBar:
    """Renders ingestion events as one bar per stage (on stderr, so stdout stays the report)."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.tasks: dict[str, TaskID] = {}

    def __call__(self, event: IngestEvent) -> None:
        task = self.tasks.get(event.stage)
        if task is None:
            task = self.progress.add_task(_STAGES[event.stage], total=event.total or None)
            self.tasks[event.stage] = task
        self.progress.update(task, completed=event.done, total=event.total or None)


@kb_app.command("ingest")
def ingest(
    path: str = typer.Argument(..., help="A file, a folder, or an http(s) URL to fetch."),
    property_slug: str = PropertyOption,
) -> None:
    """Add or update documents (Markdown, text, HTML, PDF); unchanged ones are skipped."""
    settings = _settings()
    rt = _migrated_runtime()
    property_id = rt.db.property_id(property_slug)
    from knowledge.ingest import ingest as run_ingest

    columns = (TextColumn("{task.description:>10}"), BarColumn(), MofNCompleteColumn())
    with _knowledge_errors(), Progress(*columns, console=_err, transient=True) as progress:
        report = run_ingest(
            rt.db, property_id, path, settings=settings, progress=_ProgressBar(progress)
        )
    _print_report(report)


def _print_report(report: IngestReport) -> None:
    table = Table(title_justify="left")
    for column in ("outcome", "chunks", "title", "source"):
        table.add_column(column, justify="right" if column == "chunks" else "left")
    for doc in report.documents:
        table.add_row(doc.outcome, str(doc.chunks), doc.title, doc.source)
    _out.print(table)
    rate = report.chunks_embedded / report.embed_seconds if report.embed_seconds > 0 else 0.0
    _out.print(
        f"{report.count('created')} created, {report.count('updated')} updated, "
        f"{report.count('unchanged')} unchanged; {report.chunks_embedded} chunks embedded with "
        f"{report.embedding_model} ({rate:.0f} chunks/s), {report.seconds:.1f} s in all"
    )
    for skipped in report.skipped:
        _out.print(f"[yellow]skipped[/yellow] {skipped} (not Markdown, text, HTML or PDF)")


@kb_app.command("list")
def list_command(property_slug: str = PropertyOption) -> None:
    """Show the property's documents with their chunk counts."""
    rt = _migrated_runtime()
    from knowledge.ingest import list_documents

    documents = list_documents(rt.db, rt.db.property_id(property_slug))
    if not documents:
        _out.print(f"no documents in {property_slug}'s knowledge base")
        return
    table = Table(title=f"Knowledge base of {property_slug}", title_justify="left")
    for column in ("id", "title", "source", "type", "chunks", "model", "updated"):
        table.add_column(column, justify="right" if column in ("id", "chunks") else "left")
    for doc in documents:
        table.add_row(
            str(doc.id),
            doc.title or "",
            doc.source,
            doc.media_type,
            str(doc.chunks),
            ", ".join(doc.embedding_models),
            doc.updated_at.strftime("%Y-%m-%d %H:%M"),
        )
    _out.print(table)


@kb_app.command("delete")
def delete(
    source_or_id: str = typer.Argument(..., help="A document's id or its source (path or URL)."),
    property_slug: str = PropertyOption,
) -> None:
    """Delete one document and its chunks."""
    rt = _migrated_runtime()
    from knowledge.ingest import delete_document

    with _knowledge_errors():
        info, chunks = delete_document(rt.db, rt.db.property_id(property_slug), source_or_id)
    _out.print(f"deleted document {info.id} ({info.source}) and its {chunks} chunks")


@kb_app.command("search")
def search(
    query: str = typer.Argument(..., help="What a guest would ask, or keywords."),
    k: int = typer.Option(5, "-k", min=1, max=50, help="How many chunks to show."),
    property_slug: str = PropertyOption,
) -> None:
    """Hybrid search (vector + full text, fused): shows scores, ranks and sources."""
    settings = _settings()
    rt = _migrated_runtime()
    from knowledge.search import search as run_search

    with _knowledge_errors():
        hits = run_search(rt.db, rt.db.property_id(property_slug), query, k, settings=settings)
    if not hits:
        _out.print("no matches")
        return
    table = Table(title=f"{query!r} in {property_slug}", title_justify="left")
    for column in ("#", "score", "vector", "text", "source", "chunk"):
        table.add_column(column, justify="right" if column in ("#", "score") else "left")
    for position, hit in enumerate(hits, start=1):
        section = hit.metadata.get("section") or hit.title
        snippet = " ".join(hit.text.split())
        table.add_row(
            str(position),
            f"{hit.score:.4f}",
            _rank(hit.vector_rank, hit.similarity),
            _rank(hit.text_rank, None),
            f"{hit.source}\n[dim]{section}[/dim]",
            snippet[:160] + ("…" if len(snippet) > 160 else ""),
        )
    _out.print(table)


def _rank(rank: int | None, similarity: float | None) -> str:
    if rank is None:
        return "-"
    return f"#{rank} ({similarity:.2f})" if similarity is not None else f"#{rank}"
