"""Hybrid retrieval: vector similarity through the HNSW index plus Postgres full-text search,
fused by reciprocal rank fusion (RRF, k = 60), always within one property.

Each query filters on ``property_id`` explicitly (row-level security filters it too) and on
``embedding_model``, so vectors of different models and dimensions are never compared. The
vector query orders by ``embedding::vector(N) <=> query``: the very expression of the partial
HNSW index for dimension N (migrations 0002 and 0005), with ``embedding_dim = N`` written as a
literal so the planner can prove the index predicate even for a cached generic plan.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
from pgvector.sqlalchemy import Vector
from sqlalchemy import TextClause, bindparam, text
from sqlalchemy.orm import Session

from buffr.db.session import Database
from knowledge.config import KnowledgeSettings, get_knowledge_settings
from knowledge.embedders import Embedder, get_embedder
from knowledge.models import SearchHit

RRF_K = 60
CANDIDATES_PER_LIST = 4  # each list offers k * this many candidates to the fusion (min 20)

_SELECT_HITS = """
    SELECT c.id, c.document_id, c.text, c.metadata, coalesce(d.title, d.source) AS title,
           d.source, hits.value
    FROM hits
    JOIN knowledge_chunks c ON c.id = hits.id
    JOIN knowledge_documents d ON d.id = c.document_id AND d.property_id = c.property_id
"""


@dataclass(frozen=True)
class Candidate:
    """A chunk found by one of the two searches; ``value`` is its cosine distance (vector) or
    its ts_rank (text)."""

    chunk_id: int
    document_id: int
    text: str
    metadata: dict[str, Any]
    title: str
    source: str
    value: float


def _dimension(dimension: int) -> int:
    if not isinstance(dimension, int) or not 0 < dimension <= 16000:
        raise ValueError(f"not an embedding dimension: {dimension!r}")
    return dimension  # safe to write into SQL as a literal


def vector_sql(dimension: int, *, explain: bool = False) -> TextClause:
    """The ``:limit`` chunks nearest to ``:query`` by cosine distance, through the HNSW index
    when the planner may use it (see ``exact_scan``). ``explain`` returns the plan instead."""
    n = _dimension(dimension)
    distance = f"embedding::vector({n}) <=> CAST(:query AS vector({n}))"
    sql = f"""
        {"EXPLAIN" if explain else ""}
        WITH hits AS (
            SELECT id, {distance} AS value
            FROM knowledge_chunks
            WHERE property_id = :property_id AND embedding_model = :model
              AND embedding_dim = {n}
            ORDER BY {distance}
            LIMIT :limit
        )
        {_SELECT_HITS}
        ORDER BY hits.value, c.id
    """
    return text(sql).bindparams(bindparam("query", type_=Vector(n)))


@contextmanager
def exact_scan(session: Session) -> Iterator[None]:
    """Within the block, the planner may not use index scans: the vector query then reads
    every row of the property (a bitmap scan of the property index or a sequential scan; HNSW
    offers no bitmap scan) and sorts by distance. Exact: the ground truth for recall, and the
    fallback when the filtered index scan returns too few rows."""
    previous = session.execute(
        text(
            "SELECT current_setting('enable_indexscan'),"
            " set_config('enable_indexscan', 'off', true)"
        )
    ).scalar_one()
    try:
        yield
    finally:
        session.execute(
            text("SELECT set_config('enable_indexscan', :value, true)"), {"value": previous}
        )


# The matching runs in knowledge_text_hits (migration 0005): under row-level security the
# full-text match could not use its GIN index; the function applies the tenant rule itself.
TEXT_SQL = text(
    f"""
    WITH hits AS (
        SELECT id, rank AS value
        FROM knowledge_text_hits(
            CAST(:property_id AS bigint), CAST(:query AS text), CAST(:model AS text),
            CAST(:limit AS integer)
        )
    )
    {_SELECT_HITS}
    ORDER BY hits.value DESC, c.id
    """
)


def _candidates(session: Session, sql: TextClause, params: dict[str, Any]) -> list[Candidate]:
    return [
        Candidate(int(r[0]), int(r[1]), r[2], dict(r[3] or {}), r[4], r[5], float(r[6]))
        for r in session.execute(sql, params)
    ]


def set_ef_search(session: Session, ef_search: int) -> None:
    """How many candidates the HNSW scan keeps (recall against speed), for this transaction."""
    session.execute(
        text("SELECT set_config('hnsw.ef_search', :value, true)"), {"value": str(ef_search)}
    )


def vector_search(
    session: Session,
    property_id: int,
    query_vector: np.ndarray[Any, Any] | Sequence[float],
    *,
    model: str,
    limit: int,
    ef_search: int,
    exact: bool = False,
) -> list[Candidate]:
    """The ``limit`` chunks nearest to ``query_vector`` among the property's chunks of
    ``model``, nearest first."""
    vector = np.asarray(query_vector, dtype=np.float32)
    sql = vector_sql(len(vector))
    params = {"query": vector, "property_id": property_id, "model": model, "limit": limit}
    if not exact:
        # The scan yields at most ef_search rows, before the property and model filters.
        set_ef_search(session, max(ef_search, limit))
        found = _candidates(session, sql, params)
        if len(found) == limit:
            return found
        # Either the property has fewer chunks, or the filters discarded what the index
        # offered (other properties' or models' vectors nearby): an exact scan settles it.
    with exact_scan(session):
        return _candidates(session, sql, params)


def text_search(
    session: Session, property_id: int, query: str, *, model: str, limit: int
) -> list[Candidate]:
    """Chunks matching ``query`` (web-search syntax: words, "phrases", or, -exclusions) by
    full-text search, best ts_rank first."""
    params = {"query": query, "property_id": property_id, "model": model, "limit": limit}
    return _candidates(session, TEXT_SQL, params)


def reciprocal_rank_fusion(rankings: Sequence[Sequence[int]], k: int = RRF_K) -> dict[int, float]:
    """Score each id by the sum over rankings of 1 / (k + rank), ranks counted from 1."""
    scores: dict[int, float] = defaultdict(float)
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            scores[item] += 1.0 / (k + rank)
    return dict(scores)


def hybrid_search(
    session: Session,
    property_id: int,
    query: str,
    embedder: Embedder,
    *,
    k: int = 5,
    ef_search: int = 64,
) -> list[SearchHit]:
    """The ``k`` best chunks for ``query`` in a session bound to ``property_id``."""
    query = query.strip()
    if not query or k < 1:
        return []
    limit = max(k * CANDIDATES_PER_LIST, 20)
    by_vector = vector_search(
        session,
        property_id,
        embedder.embed([query])[0],
        model=embedder.name,
        limit=limit,
        ef_search=ef_search,
    )
    by_text = text_search(session, property_id, query, model=embedder.name, limit=limit)
    scores = reciprocal_rank_fusion(
        [[c.chunk_id for c in by_vector], [c.chunk_id for c in by_text]]
    )
    vector_rank = {c.chunk_id: rank for rank, c in enumerate(by_vector, start=1)}
    text_rank = {c.chunk_id: rank for rank, c in enumerate(by_text, start=1)}
    found = {c.chunk_id: c for c in (*by_text, *by_vector)}
    similarity = {c.chunk_id: 1.0 - c.value for c in by_vector}
    best = sorted(scores, key=lambda chunk_id: (-scores[chunk_id], chunk_id))[:k]
    return [
        SearchHit(
            chunk_id=chunk_id,
            document_id=found[chunk_id].document_id,
            text=found[chunk_id].text,
            title=found[chunk_id].title,
            source=found[chunk_id].source,
            score=scores[chunk_id],
            vector_rank=vector_rank.get(chunk_id),
            text_rank=text_rank.get(chunk_id),
            similarity=similarity.get(chunk_id),
            metadata=found[chunk_id].metadata,
        )
        for chunk_id in best
    ]


def search(
    db: Database,
    property_id: int,
    query: str,
    k: int = 5,
    *,
    embedder: Embedder | None = None,
    settings: KnowledgeSettings | None = None,
) -> list[SearchHit]:
    """The ``k`` chunks of the property that best answer ``query`` (hybrid, fused)."""
    settings = settings or get_knowledge_settings()
    embedder = embedder or get_embedder(settings)
    with db.tenant(property_id) as session:
        return hybrid_search(
            session, property_id, query, embedder, k=k, ef_search=settings.kb_ef_search
        )
