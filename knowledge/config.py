"""Knowledge settings, from the environment (prefix ``BUFFR_``): which embedding model, and the
limits and knobs of ingestion and retrieval.

A class of its own, like the LLM's (``agents.llm.config``): the embedding provider is an external
system people swap, and its knobs belong together. Built by a function, never at import time.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

EmbedProvider = Literal["local", "openai"]

LOCAL_DEFAULT_MODEL = "minilm-l6-int8"
OPENAI_DEFAULT_MODEL = "text-embedding-3-small"
# The dimension each indexed model gives; the migrations hold one partial HNSW index per value.
OPENAI_DIMENSIONS = {
    "text-embedding-3-small": 1536,
    "text-embedding-3-large": 3072,
    "text-embedding-ada-002": 1536,
}
INDEXED_DIMENSIONS = (384, 1536)


class KnowledgeSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="BUFFR_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    embed_provider: EmbedProvider = Field(
        default="local",
        description="local (all-MiniLM-L6-v2 int8 ONNX, 384-d, no network) or openai.",
    )
    embed_model: str | None = Field(
        default=None,
        description="Unset: minilm-l6-int8 (local) or text-embedding-3-small (openai).",
    )
    embed_dimensions: int | None = Field(
        default=None,
        ge=1,
        description="OpenAI text-embedding-3 models only: ask for this many dimensions "
        "(1536 matches the second HNSW index). Unset: the model's own size.",
    )
    embed_batch_size: int = Field(default=32, ge=1, le=2048)
    embed_openai_api_key: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("BUFFR_EMBED_OPENAI_API_KEY", "OPENAI_API_KEY"),
    )
    embed_openai_base_url: str | None = Field(
        default=None, description="An OpenAI-compatible endpoint. Unset: api.openai.com."
    )

    kb_max_document_mb: float = Field(
        default=20.0, gt=0, description="Largest document accepted, in megabytes (file or URL)."
    )
    kb_url_timeout_s: float = Field(default=20.0, gt=0)
    # Measured by `buffr bench rag` at 100,000 chunks (clustered vectors, m = 16,
    # ef_construction = 64): recall@10 0.91 at 40, 0.97 at 64, 0.99 at 100, with p95 8-9 ms
    # for each. 64 is the smallest value that keeps recall@10 above 0.95.
    kb_ef_search: int = Field(default=64, ge=10, le=1000)

    @field_validator("embed_provider", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("embed_openai_base_url", mode="after")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("must look like https://host/v1")
        return value.rstrip("/")

    @property
    def model_name(self) -> str:
        """The configured model, with the provider's default filled in."""
        if self.embed_model:
            return self.embed_model
        return LOCAL_DEFAULT_MODEL if self.embed_provider == "local" else OPENAI_DEFAULT_MODEL

    @property
    def max_document_bytes(self) -> int:
        return int(self.kb_max_document_mb * 1024 * 1024)


@lru_cache(maxsize=1)
def get_knowledge_settings() -> KnowledgeSettings:
    """Build and validate the knowledge settings once per process."""
    return KnowledgeSettings()
