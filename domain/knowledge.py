"""Knowledge documents and their chunks with embeddings (pgvector).

The vector column has no fixed dimension so that the local 384-d model and a 1536-d hosted model
can both be stored; each dimension in use gets its own partial HNSW index (see the migration).
"""

from __future__ import annotations

from datetime import datetime

from pgvector.sqlalchemy import Vector
from sqlalchemy import BigInteger, Computed, Integer, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB, TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from domain.base import Base, JSONDict, created_at, pk, property_fk, same_property_fk, updated_at


class KnowledgeDocument(Base):
    __tablename__ = "knowledge_documents"
    __table_args__ = (
        UniqueConstraint("property_id", "id"),
        UniqueConstraint("property_id", "source"),
    )

    id: Mapped[int] = pk()
    property_id: Mapped[int] = property_fk()
    source: Mapped[str] = mapped_column(Text)  # file path or URL, as given
    title: Mapped[str | None] = mapped_column(Text)
    media_type: Mapped[str] = mapped_column(String(64))
    content_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()


class KnowledgeChunk(Base):
    __tablename__ = "knowledge_chunks"
    __table_args__ = (
        UniqueConstraint("document_id", "ordinal"),
        same_property_fk(["document_id"], "knowledge_documents", ondelete="CASCADE"),
    )

    id: Mapped[int] = pk()
    property_id: Mapped[int] = property_fk()
    document_id: Mapped[int] = mapped_column(BigInteger)
    ordinal: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    embedding_model: Mapped[str] = mapped_column(String(100))
    embedding_dim: Mapped[int] = mapped_column(Integer)
    embedding: Mapped[list[float]] = mapped_column(Vector())
    # Kept by Postgres itself from ``text`` (a generated column, see the migration).
    search_vector: Mapped[str | None] = mapped_column(
        TSVECTOR, Computed("to_tsvector('simple', text)", persisted=True)
    )
    metadata_: Mapped[JSONDict] = mapped_column("metadata", JSONB, default=dict)
