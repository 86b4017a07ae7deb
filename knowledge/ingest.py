"""Ingestion: documents in, chunks with embeddings out, per property.

Every document is read, extracted and chunked before anything is written, so bad input (a
corrupt PDF, an empty or oversized file, an unsupported type, an unreachable URL) raises a
``KnowledgeError`` and writes nothing. Unchanged documents (same sha256 of their bytes, same
embedding model) are skipped without being embedded; the others are embedded outside any
transaction and then written in one transaction, each replacing its previous chunks.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from buffr.db.session import Database
from knowledge import store
from knowledge.chunking import Chunk, chunk_document
from knowledge.config import KnowledgeSettings, get_knowledge_settings
from knowledge.embedders import Embedder, get_embedder
from knowledge.errors import DocumentNotFound, EmptyDocument
from knowledge.extract import extract
from knowledge.models import (
    DocumentInfo,
    DocumentOutcome,
    IngestEvent,
    IngestProgress,
    IngestReport,
)
from knowledge.sources import RawDocument, fetch_url, files_in, is_url, read_file


@dataclass(frozen=True)
class PreparedDocument:
    """A document read, extracted and chunked: everything but its embeddings."""

    raw: RawDocument
    title: str
    chunks: list[Chunk]

    @property
    def source(self) -> str:
        return self.raw.source


def _quiet(event: IngestEvent) -> None:
    """The default progress callback: says nothing."""


def prepare(raw: RawDocument, embedder: Embedder) -> PreparedDocument:
    """Extract and chunk one document (raises on bad input)."""
    extracted = extract(raw)
    chunks = chunk_document(extracted, embedder.tokenize, embedder.chunk_tokens)
    if not chunks:
        raise EmptyDocument(f"{raw.source} has no text to index.")
    return PreparedDocument(raw, extracted.title, chunks)


def ingest(
    db: Database,
    property_id: int,
    target: str | Path,
    *,
    embedder: Embedder | None = None,
    settings: KnowledgeSettings | None = None,
    progress: IngestProgress | None = None,
) -> IngestReport:
    """Ingest a file, every supported file under a folder, or an http(s) URL."""
    settings = settings or get_knowledge_settings()
    report_progress = progress or _quiet
    target = str(target)
    if is_url(target):
        report_progress(IngestEvent("read", 0, 1, target))
        raws: list[RawDocument] = [
            fetch_url(target, settings.max_document_bytes, settings.kb_url_timeout_s)
        ]
        report_progress(IngestEvent("read", 1, 1, target))
        skipped: list[str] = []
    else:
        paths, skipped_paths = files_in(target)
        skipped = [str(p) for p in skipped_paths]
        raws = _read_all(paths, settings.max_document_bytes, report_progress)
    report = ingest_documents(
        db, property_id, raws, embedder=embedder, settings=settings, progress=progress
    )
    report.skipped = skipped
    return report


def _read_all(paths: Sequence[Path], max_bytes: int, progress: IngestProgress) -> list[RawDocument]:
    raws = []
    for done, path in enumerate(paths):
        progress(IngestEvent("read", done, len(paths), str(path)))
        raws.append(read_file(path, max_bytes))
    progress(IngestEvent("read", len(paths), len(paths)))
    return raws


def ingest_documents(
    db: Database,
    property_id: int,
    raws: Iterable[RawDocument],
    *,
    embedder: Embedder | None = None,
    settings: KnowledgeSettings | None = None,
    progress: IngestProgress | None = None,
) -> IngestReport:
    """Ingest documents already in memory (the seed and the benchmark name their own sources)."""
    started = time.perf_counter()
    embedder = embedder or get_embedder(settings)
    report_progress = progress or _quiet
    raws = list(raws)
    report = IngestReport(property_id=property_id, embedding_model=embedder.name)
    with db.tenant(property_id) as session:
        states = store.stored_states(session, [r.source for r in raws])

    todo: list[PreparedDocument] = []
    for done, raw in enumerate(raws):
        report_progress(IngestEvent("parse", done, len(raws), raw.source))
        state = states.get(raw.source)
        if state is not None and state.is_current(raw.sha256, embedder.name):
            report.documents.append(
                DocumentOutcome(
                    source=raw.source,
                    title=state.title or raw.name,
                    outcome="unchanged",
                    chunks=0,
                    document_id=state.document_id,
                )
            )
            continue
        todo.append(prepare(raw, embedder))
    report_progress(IngestEvent("parse", len(raws), len(raws)))

    texts = [chunk.embed_text for doc in todo for chunk in doc.chunks]
    embed_started = time.perf_counter()
    if texts:
        report_progress(IngestEvent("embed", 0, len(texts), embedder.name))
    vectors = embedder.embed(
        texts, lambda done, total: report_progress(IngestEvent("embed", done, total))
    )
    report.embed_seconds = time.perf_counter() - embed_started
    report.chunks_embedded = len(texts)

    if todo:
        report_progress(IngestEvent("save", 0, len(todo)))
        offset = 0
        with db.tenant(property_id) as session:
            for done, doc in enumerate(todo):
                doc_vectors = vectors[offset : offset + len(doc.chunks)]
                offset += len(doc.chunks)
                doc_id, created = store.replace_document(
                    session,
                    property_id,
                    source=doc.source,
                    title=doc.title,
                    media_type=doc.raw.media_type,
                    sha256=doc.raw.sha256,
                    chunks=doc.chunks,
                    vectors=doc_vectors,
                    embedding_model=embedder.name,
                )
                report.documents.append(
                    DocumentOutcome(
                        source=doc.source,
                        title=doc.title,
                        outcome="created" if created else "updated",
                        chunks=len(doc.chunks),
                        document_id=doc_id,
                    )
                )
                report_progress(IngestEvent("save", done + 1, len(todo), doc.source))
    position = {raw.source: i for i, raw in enumerate(raws)}
    report.documents.sort(key=lambda d: position[d.source])
    report.seconds = time.perf_counter() - started
    return report


def list_documents(db: Database, property_id: int) -> list[DocumentInfo]:
    """The property's documents, newest first."""
    with db.tenant(property_id) as session:
        return store.list_documents(session)


def delete_document(db: Database, property_id: int, source_or_id: str) -> tuple[DocumentInfo, int]:
    """Delete one document (by id, by source as stored, or by a path that resolves to its
    source) with its chunks. Returns what was deleted and how many chunks went."""
    candidates = [source_or_id]
    if not is_url(source_or_id) and Path(source_or_id).expanduser().exists():
        candidates.append(str(Path(source_or_id).expanduser().resolve()))
    with db.tenant(property_id) as session:
        for candidate in candidates:
            try:
                document = store.find_document(session, candidate)
            except DocumentNotFound:
                continue
            info = next(d for d in store.list_documents(session) if d.id == document.id)
            chunks = store.delete_document(session, document)
            return info, chunks
    raise DocumentNotFound(f"No document has the id or source {source_or_id!r}.")
