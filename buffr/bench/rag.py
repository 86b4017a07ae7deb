"""``buffr bench rag``: knowledge-base ingestion throughput and retrieval latency and recall.

* embedding: the local int8 ONNX MiniLM on a few thousand generated hotel sentences
  (sentences/s), and the whole ingestion pipeline (read, chunk with llama-index, embed, write
  through row-level security) on Markdown documents made of them (chunks/s);
* bulk load: a synthetic corpus of ``chunks`` rows COPYed in binary, then the partial HNSW
  index rebuilt from its migration's definition and the full-text GIN index (chunks/s);
* retrieval: the vector query through the HNSW index at several ``hnsw.ef_search`` values,
  with recall@10 against exact search (the same query with index scans disabled), and the
  hybrid query (vector + full text, fused), each timed end to end through a tenant session.

The synthetic vectors are a two-level Gaussian mixture on the unit sphere (topics, subtopics
within them, chunks around a subtopic), tuned to the similarities MiniLM gives real text:
~0.64 within a subtopic, ~0.4 within a topic, ~0 across. Uniformly random unit vectors
(``--distribution uniform``) are the hardest case for HNSW recall: in 384 dimensions every
point is nearly equidistant from every other, which real text never is.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import psycopg
from psycopg.types.json import Jsonb
from rich.console import RenderableType
from rich.table import Table
from rich.text import Text
from sqlalchemy import text
from sqlalchemy.orm import Session

from buffr.db.session import Database
from knowledge.embedders import Vectors, local_embedder, normalise
from knowledge.ingest import ingest_documents
from knowledge.search import hybrid_search, vector_search, vector_sql
from knowledge.sources import RawDocument

Distribution = Literal["clustered", "uniform"]
DIMENSION = 384
SYNTHETIC_MODEL = "synthetic-384"
INDEX = "ix_knowledge_chunks_embedding_384"
TEXT_INDEX = "ix_knowledge_chunks_search_vector"
CHUNKS_PER_DOCUMENT = 500
WORDS_PER_CHUNK = 40
EF_SEARCH_SWEEP = (20, 40, 64, 100)


@dataclass(frozen=True)
class Options:
    chunks: int = 100_000
    queries: int = 200
    sentences: int = 3000
    distribution: Distribution = "clustered"
    ef_search: Sequence[int] = EF_SEARCH_SWEEP
    hybrid_ef_search: int = 40
    m: int | None = None  # None: the index as the migration defines it
    ef_construction: int | None = None
    seed: int = 7


@dataclass
class Latency:
    name: str
    samples: list[float]
    recall: float | None = None

    @property
    def p50(self) -> float:
        return statistics.median(self.samples)

    @property
    def p95(self) -> float:
        ordered = sorted(self.samples)
        return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


@dataclass
class Report:
    options: Options
    index_definition: str = ""
    embed_sentences_per_s: float = 0.0
    embed_tokens_per_sentence: float = 0.0
    pipeline_chunks: int = 0
    pipeline_chunks_per_s: float = 0.0
    query_embedding_ms: float = 0.0
    copy_s: float = 0.0
    hnsw_build_s: float = 0.0
    gin_build_s: float = 0.0
    index_used: bool = False
    latencies: list[Latency] = field(default_factory=list)

    @property
    def bulk_chunks_per_s(self) -> float:
        total = self.copy_s + self.hnsw_build_s + self.gin_build_s
        return self.options.chunks / total if total else 0.0


# ------------------------------------------------------------------------- real sentences

_SUBJECTS = (
    "The spa", "Our rooftop bar", "Room service", "The front desk", "Breakfast", "The pool",
    "Late check-out", "The airport shuttle", "The gym", "Valet parking", "Housekeeping",
    "The conference hall", "The kids' club", "Bike rental", "The sauna", "The beach bar",
    "Laundry service", "The wine cellar", "The yoga class", "Afternoon tea",
)  # fmt: skip
_PREDICATES = (
    "is open from {h1}:00 to {h2}:00", "costs {price} ILS per {unit}",
    "can be booked at reception or on WhatsApp", "is closed on {day}",
    "is on the {floor} floor, next to the lifts", "needs a reservation {n} hours ahead",
    "is free for guests of the {room}", "accepts cash and all major cards",
    "is included in the {rate} rate", "has a dress code after {h2}:00",
)  # fmt: skip
_TAILS = (
    "", " on request", " except on public holidays", " for children under {n}",
    " during the summer season", ", weather permitting", " for groups of up to {n} guests",
)  # fmt: skip
_FILL = {
    "unit": ("person", "hour", "day", "visit", "night"),
    "day": ("Mondays", "Fridays", "Saturdays", "Yom Kippur"),
    "floor": ("ground", "first", "second", "top"),
    "room": ("Family Suite", "Sea View Deluxe", "Standard Room", "Penthouse"),
    "rate": ("Bed & Breakfast", "Flexible", "Spa Weekend", "Half Board"),
}


def hotel_sentences(count: int, rng: np.random.Generator) -> list[str]:
    """Plausible sentences of a hotel's documents, varied enough to embed differently."""

    def pick(options: Sequence[str]) -> str:
        return options[int(rng.integers(len(options)))]

    sentences = []
    for _ in range(count):
        values = {key: pick(options) for key, options in _FILL.items()}
        hour = int(rng.integers(6, 12))
        numbers = {
            "h1": hour, "h2": hour + int(rng.integers(6, 12)),
            "price": int(rng.integers(2, 60)) * 10, "n": int(rng.integers(2, 48)),
        }  # fmt: skip
        template = f"{pick(_SUBJECTS)} {pick(_PREDICATES)}{pick(_TAILS)}."
        sentences.append(template.format(**values, **numbers))
    return sentences


def measure_embedding(
    db: Database, property_id: int, options: Options, report: Report, say: Callable[[str], None]
) -> None:
    rng = np.random.default_rng(options.seed)
    embedder = local_embedder()
    sentences = hotel_sentences(options.sentences, rng)
    embedder.embed(sentences[:64])  # warm the session
    say(f"embedding {len(sentences)} sentences with {embedder.name}")
    started = time.perf_counter()
    embedder.embed(sentences)
    report.embed_sentences_per_s = len(sentences) / (time.perf_counter() - started)
    report.embed_tokens_per_sentence = statistics.fmean(
        len(embedder.tokenize(s)) + 2 for s in sentences
    )
    one = []
    for sentence in sentences[:50]:
        began = time.perf_counter()
        embedder.embed([sentence])
        one.append((time.perf_counter() - began) * 1000)
    report.query_embedding_ms = statistics.median(one)

    # The same sentences as Markdown documents: sections of eight sentences, 25 per document.
    per_section, per_document = 8, 25
    sections = [
        " ".join(sentences[i : i + per_section]) for i in range(0, len(sentences), per_section)
    ]
    documents = []
    for number, start in enumerate(range(0, len(sections), per_document)):
        body = "\n\n".join(
            f"## Topic {start + i}\n{section}"
            for i, section in enumerate(sections[start : start + per_document])
        )
        data = f"# Bench handbook {number}\n\n{body}\n".encode()
        documents.append(RawDocument(f"bench/handbook-{number}.md", "text/markdown", data, ""))
    say(f"ingesting {len(documents)} documents through the full pipeline")
    result = ingest_documents(db, property_id, documents, embedder=embedder)
    report.pipeline_chunks = result.chunks_written
    report.pipeline_chunks_per_s = result.chunks_written / result.seconds


# ----------------------------------------------------------------------- synthetic corpus


def _sphere(rng: np.random.Generator, rows: int) -> Vectors:
    return normalise(rng.standard_normal((rows, DIMENSION), dtype=np.float32))


def _around(rng: np.random.Generator, centres: Vectors, cosine: float) -> Vectors:
    """Points around each row of ``centres`` at about ``cosine`` similarity to it."""
    sigma = np.sqrt((1 / cosine**2 - 1) / DIMENSION)
    noise = rng.standard_normal(centres.shape, dtype=np.float32) * sigma
    return normalise(centres + noise)


@dataclass
class Corpus:
    vectors: Vectors
    texts: list[str]
    query_vectors: Vectors
    query_texts: list[str]


def synthetic_corpus(options: Options) -> Corpus:
    """Vectors and texts; the texts share words within a subtopic, so keyword queries match a
    subtopic's chunks the way the vectors cluster them."""
    rng = np.random.default_rng(options.seed)
    total = options.chunks + options.queries
    topics = max(1, min(400, total // 250))
    subtopics = topics * 8
    topic_centres = _sphere(rng, topics)
    sub_centres = _around(rng, topic_centres[np.arange(subtopics) // 8], 0.8)
    # Subtopics of uneven size, as documents of uneven length give.
    weights = rng.pareto(1.5, subtopics) + 1
    owner = rng.choice(subtopics, size=total, p=weights / weights.sum())
    if options.distribution == "uniform":
        vectors = _sphere(rng, total)
    else:
        vectors = _around(rng, sub_centres[owner], 0.8)
    vocabulary = _words(rng, 6000 + subtopics * 3)
    common = np.arange(6000)
    zipf = 1 / np.arange(1, len(common) + 1)
    common_words = rng.choice(common, size=(total, WORDS_PER_CHUNK - 6), p=zipf / zipf.sum())
    sub_words = 6000 + owner[:, None] * 3 + rng.integers(0, 3, size=(total, 6))
    texts = [
        " ".join(vocabulary[i] for i in np.concatenate([common_words[row], sub_words[row]]))
        for row in range(total)
    ]
    queries = [
        f"{vocabulary[6000 + owner[row] * 3]} {vocabulary[6000 + owner[row] * 3 + 1]}"
        for row in range(options.chunks, total)
    ]
    return Corpus(
        vectors[: options.chunks], texts[: options.chunks], vectors[options.chunks :], queries
    )


def _words(rng: np.random.Generator, count: int) -> list[str]:
    syllables = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]
    found: dict[str, None] = {}
    while len(found) < count:
        parts = rng.integers(0, len(syllables), size=int(rng.integers(2, 5)))
        found["".join(syllables[p] for p in parts)] = None
    return list(found)


def bulk_load(
    db: Database, property_id: int, corpus: Corpus, options: Options, report: Report,
    say: Callable[[str], None],
) -> None:  # fmt: skip
    """COPY the corpus in binary with the indexes dropped, then build them (as the owner)."""
    with psycopg.connect(db.endpoints.owner_dsn, autocommit=True) as conn:
        from pgvector.psycopg import register_vector

        register_vector(conn)
        definitions: dict[str, str] = dict(
            conn.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE indexname = ANY(%s)",
                [[INDEX, TEXT_INDEX]],
            ).fetchall()
        )
        hnsw = _with_build_parameters(definitions[INDEX], options)
        report.index_definition = hnsw
        conn.execute(f"DROP INDEX {INDEX}")
        conn.execute(f"DROP INDEX {TEXT_INDEX}")
        documents = [
            int(row[0])
            for row in conn.execute(
                "INSERT INTO knowledge_documents"
                " (property_id, source, title, media_type, content_sha256)"
                " SELECT %s, 'bench/synthetic-' || n, 'Synthetic ' || n, 'text/plain', md5(n::text)"
                " FROM generate_series(0, %s) AS n RETURNING id",
                [property_id, (len(corpus.texts) - 1) // CHUNKS_PER_DOCUMENT],
            )
        ]
        say(f"COPY {len(corpus.texts)} chunks ({options.distribution} vectors)")
        started = time.perf_counter()
        columns = (
            "property_id, document_id, ordinal, text, embedding_model, embedding_dim,"
            " embedding, metadata"
        )
        with conn.cursor().copy(
            f"COPY knowledge_chunks ({columns}) FROM STDIN (FORMAT BINARY)"
        ) as copy:
            copy.set_types(["int8", "int8", "int4", "text", "text", "int4", "vector", "jsonb"])
            empty = Jsonb({})
            for row, (vector, body) in enumerate(zip(corpus.vectors, corpus.texts, strict=True)):
                copy.write_row((
                    property_id, documents[row // CHUNKS_PER_DOCUMENT], row % CHUNKS_PER_DOCUMENT,
                    body, SYNTHETIC_MODEL, DIMENSION, vector, empty,
                ))  # fmt: skip
        report.copy_s = time.perf_counter() - started
        # Room for the whole graph in memory: HNSW builds far faster when it fits.
        conn.execute("SET maintenance_work_mem = '2GB'")
        say(f"building the HNSW index: {hnsw.split(' USING ', 1)[1]}")
        started = time.perf_counter()
        conn.execute(hnsw)
        report.hnsw_build_s = time.perf_counter() - started
        say("building the full-text index")
        started = time.perf_counter()
        conn.execute(definitions[TEXT_INDEX])
        report.gin_build_s = time.perf_counter() - started
        conn.execute("ANALYZE knowledge_chunks")


def _with_build_parameters(definition: str, options: Options) -> str:
    """The migration's index definition, with other build parameters if asked for."""
    if options.m is None and options.ef_construction is None:
        return definition
    head, predicate = definition.split(" WHERE ", 1)
    head = head.split(" WITH (", 1)[0]
    m = options.m or 16
    ef_construction = options.ef_construction or 64
    return f"{head} WITH (m = {m}, ef_construction = {ef_construction}) WHERE {predicate}"


# -------------------------------------------------------------------------------- queries


class _GivenVectors:
    """An embedder that answers each benchmark query with its synthetic vector, so the hybrid
    query runs through the product's own code path."""

    name = SYNTHETIC_MODEL
    dimension = DIMENSION
    chunk_tokens = 192

    def __init__(self, corpus: Corpus) -> None:
        self._vectors = dict(zip(corpus.query_texts, corpus.query_vectors, strict=True))

    def tokenize(self, text: str) -> list[str]:
        return text.split()

    def embed(self, texts: Sequence[str], progress: object = None) -> Vectors:
        return np.stack([self._vectors[t] for t in texts])


def _nearest(
    session: Session, property_id: int, vector: Vectors, ef_search: int, exact: bool = False
) -> list[int]:
    found = vector_search(
        session, property_id, vector, model=SYNTHETIC_MODEL, limit=10, ef_search=ef_search,
        exact=exact,
    )  # fmt: skip
    return [c.chunk_id for c in found]


def _timed_nearest(
    db: Database, property_id: int, vector: Vectors, ef_search: int
) -> tuple[float, list[int]]:
    """One vector retrieval end to end (begin, bind the property, query, commit), in ms."""
    started = time.perf_counter()
    with db.tenant(property_id) as session:
        found = _nearest(session, property_id, vector, ef_search)
    return (time.perf_counter() - started) * 1000, found


def _timed_hybrid(
    db: Database, property_id: int, query: str, embedder: _GivenVectors, ef_search: int
) -> float:
    """One hybrid retrieval end to end, in ms."""
    started = time.perf_counter()
    with db.tenant(property_id) as session:
        hybrid_search(session, property_id, query, embedder, k=5, ef_search=ef_search)
    return (time.perf_counter() - started) * 1000


def _uses_index(db: Database, property_id: int, vector: Vectors) -> bool:
    params = {"query": vector, "property_id": property_id, "model": SYNTHETIC_MODEL, "limit": 10}
    with db.tenant(property_id) as session:
        plan = session.execute(vector_sql(DIMENSION, explain=True), params).scalars().all()
    return any(INDEX in line for line in plan)


def measure_queries(
    db: Database, property_id: int, corpus: Corpus, options: Options, report: Report,
    say: Callable[[str], None],
) -> None:  # fmt: skip
    queries = list(corpus.query_vectors)
    report.index_used = _uses_index(db, property_id, queries[0])
    say(f"exact top 10 of {len(queries)} queries (index scans disabled)")
    exact: list[set[int]] = []
    for vector in queries:
        with db.tenant(property_id) as session:
            exact.append(set(_nearest(session, property_id, vector, 10, exact=True)))

    for ef_search in options.ef_search:
        say(f"vector queries, hnsw.ef_search = {ef_search}")
        for warm in (True, False):  # the first pass brings the index's pages into memory
            samples: list[float] = []
            hits = 0
            for vector, truth in zip(queries, exact, strict=True):
                elapsed, found = _timed_nearest(db, property_id, vector, ef_search)
                samples.append(elapsed)
                hits += len(truth & set(found))
            if not warm:
                recall = hits / (10 * len(queries))
                name = f"vector top 10, ef_search={ef_search}"
                report.latencies.append(Latency(name, samples, recall))

    ef_search = options.hybrid_ef_search
    say(f"hybrid queries (vector + full text, RRF), ef_search = {ef_search}")
    embedder = _GivenVectors(corpus)
    for warm in (True, False):
        samples = [
            _timed_hybrid(db, property_id, query, embedder, ef_search)
            for query in corpus.query_texts
        ]
        if not warm:
            name = f"hybrid top 5 (20 + 20 candidates), ef_search={ef_search}"
            report.latencies.append(Latency(name, samples))


def run(
    db: Database, property_id: int, options: Options, progress: Callable[[str], None]
) -> Report:
    """Every measurement on ``db`` (a throwaway database: the corpus stays in it)."""
    report = Report(options)
    measure_embedding(db, property_id, options, report, progress)
    progress(f"generating {options.chunks} synthetic chunks")
    corpus = synthetic_corpus(options)
    bulk_load(db, property_id, corpus, options, report, progress)
    measure_queries(db, property_id, corpus, options, report, progress)
    with db.owner() as session:
        count = session.execute(
            text("SELECT count(*) FROM knowledge_chunks WHERE embedding_model = :m"),
            {"m": SYNTHETIC_MODEL},
        ).scalar_one()
    if count != options.chunks:
        raise RuntimeError(f"loaded {count} synthetic chunks, expected {options.chunks}")
    return report


def tables(report: Report) -> list[RenderableType]:
    """What ``buffr bench rag`` prints."""
    o = report.options
    used = "yes" if report.index_used else "NO"
    header = Text(f"index: {report.index_definition}\nthe vector query uses it: {used}")
    ingestion = Table(title="ingestion", title_justify="left")
    ingestion.add_column("measurement")
    ingestion.add_column("throughput", justify="right")
    ingestion.add_row(
        f"MiniLM int8 ONNX embedding ({o.sentences} sentences, "
        f"{report.embed_tokens_per_sentence:.0f} tokens each)",
        f"{report.embed_sentences_per_s:.0f} sentences/s",
    )
    ingestion.add_row(
        f"full pipeline: chunk, embed, write ({report.pipeline_chunks} chunks)",
        f"{report.pipeline_chunks_per_s:.0f} chunks/s",
    )
    ingestion.add_row(
        f"bulk load of {o.chunks} synthetic chunks: COPY {report.copy_s:.1f} s, "
        f"HNSW {report.hnsw_build_s:.1f} s, GIN {report.gin_build_s:.1f} s",
        f"{report.bulk_chunks_per_s:.0f} chunks/s",
    )
    retrieval = Table(
        title=f"retrieval over {o.chunks} chunks ({o.distribution}), {o.queries} queries, "
        "end to end through a tenant session",
        title_justify="left",
    )
    for column in ("measurement", "p50 ms", "p95 ms", "recall@10"):
        retrieval.add_column(column, justify="left" if column == "measurement" else "right")
    for row in report.latencies:
        recall = f"{row.recall:.3f}" if row.recall is not None else "-"
        retrieval.add_row(row.name, f"{row.p50:.2f}", f"{row.p95:.2f}", recall)
    retrieval.add_row(
        "query embedding (MiniLM, one sentence)", f"{report.query_embedding_ms:.2f}", "", ""
    )
    return [header, ingestion, retrieval]
