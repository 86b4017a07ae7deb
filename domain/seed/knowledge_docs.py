"""The demo hotel's knowledge base: its Markdown documents (``DEMO_DOCS_DIR``), chunked and
embedded by the knowledge package.

This runs after the seed's owner transaction has committed, because ingestion writes as the
application role under row-level security, like any other tenant write. It is idempotent on its
own: unchanged documents are skipped without being embedded, so a second seed writes nothing,
and a database seeded before the knowledge base existed gets its documents on the next run.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from buffr.db.session import Database

if TYPE_CHECKING:
    from domain.seed.demo import SeedReport


def seed_knowledge_base(
    db: Database, slug: str, report: SeedReport, say: Callable[[str], None]
) -> None:
    """Ingest the demo documents into ``slug``'s knowledge base; count what was written."""
    from knowledge.demo import ingest_demo_docs  # llama-index and the model load only here

    result = ingest_demo_docs(db, db.property_id(slug), progress=say)
    written = [d for d in result.documents if d.outcome != "unchanged"]
    if not written:
        return
    counts = {"knowledge_documents": len(written), "knowledge_chunks": result.chunks_written}
    report.by_property.setdefault(slug, {}).update(counts)
    for table, rows in counts.items():
        report.counts[table] = report.counts.get(table, 0) + rows
