"""The knowledge base: a property's documents (Markdown, plain text, HTML, PDF; a file, a
folder or a URL) chunked with llama-index, embedded (local ONNX MiniLM by default, OpenAI by
configuration) into pgvector, and retrieved by hybrid search (HNSW vector similarity and
Postgres full-text search, fused by reciprocal rank fusion), always within one property.

    report = ingest(db, property_id, "docs/")            # idempotent per document
    hits = search(db, property_id, "when is breakfast?")  # SearchHit: text, title, source, score

Importing this package is cheap: llama-index, onnxruntime and the model load on first use.
"""

from knowledge.config import KnowledgeSettings, get_knowledge_settings
from knowledge.demo import ingest_demo_docs
from knowledge.embedders import Embedder, HashingEmbedder, get_embedder, local_embedder
from knowledge.errors import (
    CorruptDocument,
    DocumentNotFound,
    DocumentTooLarge,
    EmbeddingError,
    EmptyDocument,
    KnowledgeError,
    SourceUnreachable,
    UnsupportedDocument,
)
from knowledge.ingest import delete_document, ingest, ingest_documents, list_documents
from knowledge.models import (
    DocumentInfo,
    DocumentOutcome,
    IngestEvent,
    IngestProgress,
    IngestReport,
    SearchHit,
)
from knowledge.search import hybrid_search, reciprocal_rank_fusion, search

__all__ = [
    "CorruptDocument",
    "DocumentInfo",
    "DocumentNotFound",
    "DocumentOutcome",
    "DocumentTooLarge",
    "Embedder",
    "EmbeddingError",
    "EmptyDocument",
    "HashingEmbedder",
    "IngestEvent",
    "IngestProgress",
    "IngestReport",
    "KnowledgeError",
    "KnowledgeSettings",
    "SearchHit",
    "SourceUnreachable",
    "UnsupportedDocument",
    "delete_document",
    "get_embedder",
    "get_knowledge_settings",
    "hybrid_search",
    "ingest",
    "ingest_demo_docs",
    "ingest_documents",
    "list_documents",
    "local_embedder",
    "reciprocal_rank_fusion",
    "search",
]
