"""Knowledge retrieval: a partial HNSW index for 1536-d embeddings, and full-text search that
can use its GIN index under row-level security.

* ``knowledge_chunks.embedding`` has no fixed dimension, so each dimension in use gets its own
  partial expression index: 384 (the local MiniLM, from 0002) and now 1536 (OpenAI's
  text-embedding-3-small and ada-002). Queries order by ``embedding::vector(N) <=> :query``
  with ``embedding_dim = N`` to use them. Build parameters are pgvector's defaults (m = 16,
  ef_construction = 64), as for the 384-d index: at 100,000 chunks `buffr bench rag` measures
  recall@10 0.97 and p95 8 ms with hnsw.ef_search = 64, so there is nothing to buy with a
  slower build.
* Under row-level security Postgres evaluates the policy before any operator that is not
  LEAKPROOF, and the full-text match ``@@`` is not, so the application role's full-text query
  could never use the GIN index: it read every chunk of the table. ``knowledge_text_hits``
  runs that one query as the owner (SECURITY DEFINER, like ``property_id_for_slug``) and
  applies the tenant rule itself: rows of the transaction's property only, and of the property
  the caller names (both must agree).

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "buffr_app"


def upgrade() -> None:
    op.execute(
        "CREATE INDEX IF NOT EXISTS ix_knowledge_chunks_embedding_1536 ON knowledge_chunks "
        "USING hnsw ((embedding::vector(1536)) vector_cosine_ops) "
        "WITH (m = 16, ef_construction = 64) WHERE embedding_dim = 1536"
    )
    op.execute(
        """
        CREATE FUNCTION knowledge_text_hits(
            p_property_id bigint, p_query text, p_model text, p_limit integer
        ) RETURNS TABLE (id bigint, rank real)
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS
        $$
            SELECT k.id, ts_rank(k.search_vector, q.query) AS rank
              FROM knowledge_chunks k, websearch_to_tsquery('simple', p_query) AS q(query)
             WHERE k.property_id = app_current_property()
               AND k.property_id = p_property_id
               AND k.embedding_model = p_model
               AND k.search_vector @@ q.query
             ORDER BY rank DESC, k.id
             LIMIT p_limit
        $$;
        """
    )
    op.execute(
        "REVOKE ALL ON FUNCTION knowledge_text_hits(bigint, text, text, integer) FROM PUBLIC"
    )
    op.execute(
        f"GRANT EXECUTE ON FUNCTION knowledge_text_hits(bigint, text, text, integer) TO {APP_ROLE}"
    )


def downgrade() -> None:
    op.execute("DROP FUNCTION IF EXISTS knowledge_text_hits(bigint, text, text, integer)")
    op.execute("DROP INDEX IF EXISTS ix_knowledge_chunks_embedding_1536")
