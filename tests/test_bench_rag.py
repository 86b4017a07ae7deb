"""`buffr bench rag` on a tiny corpus: every figure is produced, the HNSW index is rebuilt as
the migration defines it and used, and recall is measured against exact search."""

from __future__ import annotations

import numpy as np
from rich.console import Console
from sqlalchemy import text

from buffr.bench import rag
from buffr.db.session import Database
from tests.factories import make_property


def _index_definition(db: Database) -> str:
    with db.owner() as session:
        return str(
            session.execute(
                text("SELECT indexdef FROM pg_indexes WHERE indexname = :n"), {"n": rag.INDEX}
            ).scalar_one()
        )


def test_synthetic_vectors_cluster_like_text() -> None:
    clustered = rag.synthetic_corpus(rag.Options(chunks=3000, queries=20))
    uniform = rag.synthetic_corpus(rag.Options(chunks=3000, queries=20, distribution="uniform"))
    for corpus in (clustered, uniform):
        assert corpus.vectors.shape == (3000, rag.DIMENSION)
        assert np.allclose(np.linalg.norm(corpus.vectors, axis=1), 1.0, atol=1e-5)
        assert len(corpus.texts) == 3000 and len(corpus.query_texts) == 20

    def nearest(corpus: rag.Corpus) -> float:
        return float(np.median((corpus.query_vectors @ corpus.vectors.T).max(axis=1)))

    assert nearest(clustered) > 0.5 > 0.3 > nearest(uniform)
    # A query's words are its subtopic's, so full text finds chunks of the same cluster.
    words = clustered.query_texts[0].split()
    assert any(all(w in t.split() for w in words) for t in clustered.texts)


def test_tiny_bench_produces_every_figure(db: Database) -> None:
    with db.owner() as session:
        property_id = make_property(session, "bench-rag").id
    before = _index_definition(db)
    steps: list[str] = []
    options = rag.Options(chunks=3000, queries=20, sentences=80, ef_search=(10, 100))
    report = rag.run(db, property_id, options, steps.append)

    assert report.index_used
    assert _index_definition(db) == before == report.index_definition
    assert report.embed_sentences_per_s > 0 and report.query_embedding_ms > 0
    assert report.pipeline_chunks >= 80 // 8 and report.pipeline_chunks_per_s > 0
    assert report.copy_s > 0 and report.hnsw_build_s > 0 and report.bulk_chunks_per_s > 0
    names = [row.name for row in report.latencies]
    assert names[:2] == ["vector top 10, ef_search=10", "vector top 10, ef_search=100"]
    assert names[2].startswith("hybrid top 5")
    low, high = report.latencies[0].recall, report.latencies[1].recall
    assert low is not None and high is not None
    assert high >= 0.95 and high >= low
    assert all(len(row.samples) == 20 and 0 < row.p50 <= row.p95 for row in report.latencies)
    assert any("COPY 3000 chunks" in s for s in steps)

    console = Console(record=True, width=200)
    for renderable in rag.tables(report):
        console.print(renderable)
    printed = console.export_text()
    assert "recall@10" in printed and "chunks/s" in printed and "sentences/s" in printed


def test_build_parameters_can_be_overridden() -> None:
    definition = (
        "CREATE INDEX ix ON public.knowledge_chunks USING hnsw "
        "(((embedding)::vector(384)) vector_cosine_ops) WHERE (embedding_dim = 384)"
    )
    assert rag._with_build_parameters(definition, rag.Options()) == definition
    tuned = rag._with_build_parameters(definition, rag.Options(m=24, ef_construction=100))
    assert "WITH (m = 24, ef_construction = 100) WHERE (embedding_dim = 384)" in tuned
