"""What the knowledge base hands back: typed results of ingestion, listing and search."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

Outcome = Literal["created", "updated", "unchanged"]


class DocumentOutcome(BaseModel):
    """What ingestion did with one document."""

    source: str
    title: str
    outcome: Outcome
    chunks: int
    document_id: int | None = None


class IngestReport(BaseModel):
    """One ingestion: a row per document, files of a folder that were skipped, and timings."""

    property_id: int
    embedding_model: str
    documents: list[DocumentOutcome] = Field(default_factory=list)
    skipped: list[str] = Field(default_factory=list)  # unsupported files found in a folder
    chunks_embedded: int = 0
    embed_seconds: float = 0.0
    seconds: float = 0.0

    def count(self, outcome: Outcome) -> int:
        return sum(1 for d in self.documents if d.outcome == outcome)

    @property
    def chunks_written(self) -> int:
        return sum(d.chunks for d in self.documents if d.outcome != "unchanged")


class DocumentInfo(BaseModel):
    """A stored document, as ``buffr kb list`` shows it."""

    id: int
    source: str
    title: str | None
    media_type: str
    content_sha256: str
    chunks: int
    embedding_models: list[str]
    updated_at: datetime


class SearchHit(BaseModel):
    """One retrieved chunk. ``score`` is its reciprocal-rank-fusion score; the ranks say where
    it stood in each list (None: not in that list)."""

    chunk_id: int
    document_id: int
    text: str
    title: str
    source: str
    score: float
    vector_rank: int | None = None
    text_rank: int | None = None
    similarity: float | None = None  # cosine similarity to the query, when it was computed
    metadata: dict[str, Any] = Field(default_factory=dict)


@dataclass(frozen=True)
class IngestEvent:
    """Progress of long work: ``done`` of ``total`` in ``stage``."""

    stage: Literal["read", "parse", "embed", "save"]  # parse: extract the text and chunk it
    done: int
    total: int
    detail: str = ""


IngestProgress = Callable[[IngestEvent], None]
