"""The demo hotel's documents (house rules, FAQ, spa, restaurant) into its knowledge base."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from buffr.db.session import Database
from knowledge.config import get_knowledge_settings
from knowledge.embedders import Embedder
from knowledge.ingest import ingest_documents
from knowledge.models import IngestEvent, IngestReport
from knowledge.sources import files_in, read_file

DEMO_SOURCE_PREFIX = "demo/"  # stable sources: the same wherever the code is installed


def demo_docs_dir() -> Path:
    from domain.seed import DEMO_DOCS_DIR  # import here: domain.seed calls into this module

    return DEMO_DOCS_DIR


def ingest_demo_docs(
    db: Database,
    property_id: int,
    *,
    progress: Callable[[str], None] | None = None,
    embedder: Embedder | None = None,
    docs_dir: Path | None = None,
) -> IngestReport:
    """Ingest the demo documents as ``demo/<file name>`` (idempotent: unchanged documents are
    skipped without embedding)."""
    say = progress or (lambda _: None)
    folder = docs_dir or demo_docs_dir()
    limit = get_knowledge_settings().max_document_bytes
    paths, _ = files_in(str(folder))
    raws = [read_file(p, limit, source=DEMO_SOURCE_PREFIX + p.name) for p in paths]

    def on_event(event: IngestEvent) -> None:
        if event.stage == "embed" and event.done == 0 and event.total:
            say(f"knowledge base: embedding {event.total} chunks of the demo documents")

    report = ingest_documents(db, property_id, raws, embedder=embedder, progress=on_event)
    written = [d for d in report.documents if d.outcome != "unchanged"]
    if written:
        say(
            f"knowledge base: {len(written)} documents, {report.chunks_written} chunks "
            f"({report.embedding_model}, {report.seconds:.1f} s)"
        )
    return report
