"""The knowledge tables, always through a session bound to one property (row-level security
applies). Every function takes that session; the caller owns the transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.orm import Session

from domain.knowledge import KnowledgeChunk, KnowledgeDocument
from knowledge.chunking import Chunk
from knowledge.embedders import Vectors
from knowledge.errors import DocumentNotFound
from knowledge.models import DocumentInfo
from knowledge.sources import MediaType

_UPSERT = text(
    """
    INSERT INTO knowledge_documents (property_id, source, title, media_type, content_sha256)
    VALUES (:property_id, :source, :title, :media_type, :sha256)
    ON CONFLICT (property_id, source) DO UPDATE
       SET title = excluded.title,
           media_type = excluded.media_type,
           content_sha256 = excluded.content_sha256,
           updated_at = now()
    RETURNING id, (xmax = 0) AS inserted
    """
)


@dataclass(frozen=True)
class StoredState:
    """What is stored for a source: unchanged means same bytes, embedded by the same model."""

    document_id: int
    title: str | None
    sha256: str
    embedding_models: frozenset[str]

    def is_current(self, sha256: str, embedding_model: str) -> bool:
        return self.sha256 == sha256 and self.embedding_models == {embedding_model}


def stored_states(session: Session, sources: Sequence[str]) -> dict[str, StoredState]:
    """The stored state of each of ``sources`` that exists."""
    rows = session.execute(
        select(
            KnowledgeDocument.source,
            KnowledgeDocument.id,
            KnowledgeDocument.title,
            KnowledgeDocument.content_sha256,
            func.array_remove(func.array_agg(KnowledgeChunk.embedding_model.distinct()), None),
        )
        .outerjoin(KnowledgeChunk, KnowledgeChunk.document_id == KnowledgeDocument.id)
        .where(KnowledgeDocument.source.in_(list(sources)))
        .group_by(KnowledgeDocument.id)
    ).all()
    return {
        source: StoredState(doc_id, title, sha, frozenset(models or ()))
        for source, doc_id, title, sha, models in rows
    }


def replace_document(
    session: Session,
    property_id: int,
    *,
    source: str,
    title: str,
    media_type: MediaType,
    sha256: str,
    chunks: Sequence[Chunk],
    vectors: Vectors,
    embedding_model: str,
) -> tuple[int, bool]:
    """Insert or update the document and replace all its chunks. Returns (id, created)."""
    doc_id, created = session.execute(
        _UPSERT,
        {
            "property_id": property_id,
            "source": source,
            "title": title,
            "media_type": media_type,
            "sha256": sha256,
        },
    ).one()
    session.execute(delete(KnowledgeChunk).where(KnowledgeChunk.document_id == doc_id))
    if chunks:
        session.execute(
            insert(KnowledgeChunk),
            [
                {
                    "property_id": property_id,
                    "document_id": doc_id,
                    "ordinal": ordinal,
                    "text": chunk.text,
                    "embedding_model": embedding_model,
                    "embedding_dim": int(vector.shape[0]),
                    "embedding": vector,
                    "metadata_": chunk.metadata,
                }
                for ordinal, (chunk, vector) in enumerate(zip(chunks, vectors, strict=True))
            ],
        )
    return int(doc_id), bool(created)


def list_documents(session: Session) -> list[DocumentInfo]:
    """Every document of the session's property, newest first."""
    rows = session.execute(
        select(
            KnowledgeDocument,
            func.count(KnowledgeChunk.id),
            func.array_remove(func.array_agg(KnowledgeChunk.embedding_model.distinct()), None),
        )
        .outerjoin(KnowledgeChunk, KnowledgeChunk.document_id == KnowledgeDocument.id)
        .group_by(KnowledgeDocument.id)
        .order_by(KnowledgeDocument.updated_at.desc(), KnowledgeDocument.id.desc())
    ).all()
    return [
        DocumentInfo(
            id=doc.id,
            source=doc.source,
            title=doc.title,
            media_type=doc.media_type,
            content_sha256=doc.content_sha256,
            chunks=count,
            embedding_models=sorted(models or []),
            updated_at=doc.updated_at,
        )
        for doc, count, models in rows
    ]


def find_document(session: Session, source_or_id: str) -> KnowledgeDocument:
    """The document with this id (all digits) or this exact source; else DocumentNotFound."""
    wanted = source_or_id.strip()
    query = select(KnowledgeDocument)
    if wanted.isdigit():
        query = query.where(
            (KnowledgeDocument.id == int(wanted)) | (KnowledgeDocument.source == wanted)
        )
    else:
        query = query.where(KnowledgeDocument.source == wanted)
    found = session.scalars(query.order_by(KnowledgeDocument.id).limit(1)).first()
    if found is None:
        raise DocumentNotFound(f"No document has the id or source {wanted!r}.")
    return found


def delete_document(session: Session, document: KnowledgeDocument) -> int:
    """Delete the document and its chunks; returns how many chunks went with it."""
    chunks = session.scalar(select(func.count()).where(KnowledgeChunk.document_id == document.id))
    session.execute(delete(KnowledgeDocument).where(KnowledgeDocument.id == document.id))
    return int(chunks or 0)
