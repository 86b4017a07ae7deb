"""Hybrid retrieval on a real Postgres: vector and full-text lists fused by reciprocal rank,
the HNSW indexes in the plans, embedding models kept apart, and properties isolated."""

from __future__ import annotations

import json
from pathlib import Path

import httpx2
import numpy as np
import pytest
from openai import OpenAI
from sqlalchemy import text

from buffr.db.session import Database
from knowledge import (
    HashingEmbedder,
    SearchHit,
    ingest,
    ingest_demo_docs,
    local_embedder,
    reciprocal_rank_fusion,
    search,
)
from knowledge.embedders import LocalOnnxEmbedder, OpenAIEmbedder
from knowledge.search import (
    RRF_K,
    exact_scan,
    hybrid_search,
    text_search,
    vector_search,
    vector_sql,
)
from tests.factories import make_property

LOCKER_DOC = """# Left luggage

Bags are kept in the storeroom behind reception. Each bag gets a tag with a code such as
QX-4471, which you show to collect it.
"""


@pytest.fixture(scope="module")
def embedder() -> LocalOnnxEmbedder:
    return local_embedder()


@pytest.fixture(scope="module")
def hotels(
    db: Database, embedder: LocalOnnxEmbedder, tmp_path_factory: pytest.TempPathFactory
) -> tuple[int, int]:
    """Two properties with the demo documents; each also has the same left-luggage text."""
    with db.owner() as session:
        a, b = make_property(session, "kb-search-a").id, make_property(session, "kb-search-b").id
    folder = tmp_path_factory.mktemp("docs")
    (folder / "luggage.md").write_text(LOCKER_DOC)
    for property_id in (a, b):
        ingest_demo_docs(db, property_id, embedder=embedder)
        ingest(db, property_id, folder / "luggage.md", embedder=embedder)
    return a, b


def chunk_ids(db: Database, property_id: int) -> set[int]:
    with db.owner() as session:
        rows = session.execute(
            text("SELECT id FROM knowledge_chunks WHERE property_id = :p"), {"p": property_id}
        )
        return {int(r[0]) for r in rows}


def run(db: Database, property_id: int, query: str, k: int = 5) -> list[SearchHit]:
    return search(db, property_id, query, k, embedder=local_embedder())


def test_reciprocal_rank_fusion() -> None:
    scores = reciprocal_rank_fusion([[10, 20, 30], [30, 10, 40]], k=60)
    assert scores[10] == pytest.approx(1 / 61 + 1 / 62)
    assert scores[30] == pytest.approx(1 / 63 + 1 / 61)
    assert scores[20] == pytest.approx(1 / 62) and scores[40] == pytest.approx(1 / 63)
    # Found by both lists beats first in one; agreement near the top beats agreement below.
    assert sorted(scores, key=lambda i: -scores[i]) == [10, 30, 20, 40]


def test_a_question_finds_its_answer(db: Database, hotels: tuple[int, int]) -> None:
    hits = run(db, hotels[0], "What time is check-in?")
    assert hits[0].source in {"demo/faq.md", "demo/house-rules.md"}
    assert "15:00" in hits[0].text
    assert hits[0].title.startswith("Seaside Hotel")
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_keyword_only_match_surfaces(db: Database, hotels: tuple[int, int]) -> None:
    """A code the embedding model knows nothing about is found by full-text search."""
    hits = run(db, hotels[0], "QX-4471")
    luggage = next(h for h in hits if "QX-4471" in h.text)
    assert luggage.text_rank == 1
    assert luggage is hits[0]


def test_semantic_only_match_surfaces(db: Database, hotels: tuple[int, int]) -> None:
    """No chunk holds all these words, so full text finds nothing; the vectors still do."""
    hits = run(db, hotels[0], "Can I bring my puppy along?")
    assert all(h.text_rank is None for h in hits)
    assert "dogs under 15 kg" in hits[0].text
    assert hits[0].vector_rank == 1 and hits[0].similarity is not None


def test_fused_order_rewards_agreement(db: Database, hotels: tuple[int, int]) -> None:
    hits = run(db, hotels[0], "breakfast buffet", k=8)
    for hit in hits:
        expected = sum(1 / (RRF_K + r) for r in (hit.vector_rank, hit.text_rank) if r)
        assert hit.score == pytest.approx(expected)
    assert hits[0].vector_rank is not None and hits[0].text_rank is not None
    assert "buffet" in hits[0].text.lower()
    in_both = [h.score for h in hits if h.vector_rank and h.text_rank]
    in_one = [h.score for h in hits if not (h.vector_rank and h.text_rank)]
    assert in_both and (not in_one or min(in_both) > min(in_one))


def test_properties_are_isolated(db: Database, hotels: tuple[int, int]) -> None:
    a, b = hotels
    a_ids, b_ids = chunk_ids(db, a), chunk_ids(db, b)
    assert a_ids and b_ids and not a_ids & b_ids
    for query in ("QX-4471", "Can I bring my puppy along?", "spa opening hours"):
        assert {h.chunk_id for h in run(db, a, query, k=20)} <= a_ids
        assert {h.chunk_id for h in run(db, b, query, k=20)} <= b_ids
    # Asking for B's chunks from a session bound to A finds nothing: row-level security on the
    # vector query, and the tenant rule inside knowledge_text_hits on the full-text query.
    embedder = local_embedder()
    vector = embedder.embed(["left luggage"])[0]
    with db.tenant(a) as session:
        assert (
            vector_search(
                session, b, vector, model=embedder.name, limit=5, ef_search=40, exact=True
            )
            == []
        )
        assert text_search(session, b, "QX-4471", model=embedder.name, limit=5) == []
        assert len(text_search(session, a, "QX-4471", model=embedder.name, limit=5)) == 1
    with db.tenant(b) as session:
        assert len(text_search(session, b, "QX-4471", model=embedder.name, limit=5)) == 1


def test_empty_query_finds_nothing(db: Database, hotels: tuple[int, int]) -> None:
    assert run(db, hotels[0], "   ") == []


def test_index_path_agrees_with_exact_search(db: Database, hotels: tuple[int, int]) -> None:
    embedder = local_embedder()
    for query in ("pool hours", "late checkout price", "massage"):
        vector = embedder.embed([query])[0]
        with db.tenant(hotels[0]) as session:
            approx = vector_search(
                session, hotels[0], vector, model=embedder.name, limit=10, ef_search=64
            )
            exact = vector_search(
                session, hotels[0], vector, model=embedder.name, limit=10, ef_search=64, exact=True
            )
            assert [c.chunk_id for c in approx] == [c.chunk_id for c in exact]
            assert len(approx) == 10


def _plan(db: Database, property_id: int, dimension: int, exact: bool = False) -> str:
    sql = vector_sql(dimension, explain=True)
    params = {
        "query": np.full(dimension, 1 / np.sqrt(dimension), dtype=np.float32),
        "property_id": property_id,
        "model": "any",
        "limit": 5,
    }
    with db.tenant(property_id) as session:
        # A few dozen rows are cheaper to sort than to look up: make the planner show whether
        # it *can* use the index (the expression and the partial predicate must match).
        session.execute(text("SET LOCAL enable_seqscan = off"))
        if not exact:
            # Nor sort them another way (a btree on property_id and a sort also fit): only an
            # index that yields the order itself is left, and that is the HNSW index.
            session.execute(text("SET LOCAL enable_sort = off"))
            return "\n".join(str(r[0]) for r in session.execute(sql, params))
        with exact_scan(session):
            return "\n".join(str(r[0]) for r in session.execute(sql, params))


@pytest.mark.parametrize("dimension", [384, 1536])
def test_vector_query_uses_the_partial_hnsw_index(
    db: Database, hotels: tuple[int, int], dimension: int
) -> None:
    assert f"ix_knowledge_chunks_embedding_{dimension}" in _plan(db, hotels[0], dimension)
    assert "ix_knowledge_chunks_embedding" not in _plan(db, hotels[0], dimension, exact=True)


def _fake_openai(requests: list[dict[str, object]]) -> OpenAI:
    """An OpenAI client whose HTTP transport answers embeddings from a hashing fake."""
    fake = HashingEmbedder(1536)

    def answer(request: httpx2.Request) -> httpx2.Response:
        body = json.loads(request.content)
        requests.append(body)
        vectors = fake.embed(body["input"])
        data = [
            {"object": "embedding", "index": i, "embedding": v.tolist()}
            for i, v in enumerate(vectors)
        ]
        usage = {"prompt_tokens": 1, "total_tokens": 1}
        return httpx2.Response(
            200, json={"object": "list", "data": data, "model": body["model"], "usage": usage}
        )

    transport = httpx2.MockTransport(answer)
    return OpenAI(
        api_key="test",
        base_url="http://openai.test/v1",
        http_client=httpx2.Client(transport=transport),
    )


def test_openai_embeddings_are_stored_and_searched_apart(
    db: Database, hotels: tuple[int, int], tmp_path: Path
) -> None:
    a = hotels[0]
    requests: list[dict[str, object]] = []
    openai_embedder = OpenAIEmbedder(
        "text-embedding-3-small", dimensions=1536, client=_fake_openai(requests)
    )
    doc = tmp_path / "terrace.md"
    doc.write_text("# Terrace\nThe rooftop terrace hosts sunset yoga on Fridays.\n")
    report = ingest(db, a, doc, embedder=openai_embedder)
    assert report.embedding_model == "openai:text-embedding-3-small:1536"
    assert requests[0]["model"] == "text-embedding-3-small" and requests[0]["dimensions"] == 1536
    with db.tenant(a) as session:
        dims = session.execute(
            text(
                "SELECT DISTINCT embedding_dim, vector_dims(embedding) FROM knowledge_chunks"
                " WHERE embedding_model = :m"
            ),
            {"m": openai_embedder.name},
        ).all()
    assert [tuple(r) for r in dims] == [(1536, 1536)]

    with db.tenant(a) as session:
        found = hybrid_search(session, a, "sunset yoga", openai_embedder, k=5)
    assert [h.source for h in found] == [str(doc.resolve())]  # only this model's chunks
    local_hits = run(db, a, "sunset yoga on the rooftop terrace", k=20)
    assert all(h.source != str(doc.resolve()) for h in local_hits)
