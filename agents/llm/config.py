"""Which chat model the agents talk to, from the environment (prefix ``BUFFR_LLM_``).

A class of its own rather than fields on ``buffr.settings.Settings``: the model is the one
external system people swap most (a local GGUF, an OpenAI-compatible endpoint, Ollama, the fake
in tests), and keeping its knobs together keeps the main settings readable. Like the main
settings it is validated at start-up and built by a function, never at import time.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

Provider = Literal["local", "openai", "ollama", "fake"]
PROVIDERS: tuple[str, ...] = ("local", "openai", "ollama", "fake")


class LLMConfigError(ValueError):
    """A model configuration that cannot work; the message says which variable to change."""


class LLMSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="BUFFR_LLM_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    provider: Provider = Field(
        default="local",
        description="local (llama.cpp on a GGUF), openai (any OpenAI-compatible endpoint), "
        "ollama, or fake (an instant canned reply, for demos and overhead measurements).",
    )
    local_model: str = Field(
        default="qwen2.5-coder-1.5b",
        description="A model name from `buffr models list` (qwen2.5-coder-1.5b, "
        "qwen2.5-coder-0.5b) or a filesystem path to any chat GGUF.",
    )
    n_threads: int | None = Field(
        default=None, ge=1, description="llama.cpp threads. Unset: every CPU core."
    )
    n_ctx: int = Field(default=4096, ge=512, description="Context window in tokens.")
    temperature: float = Field(default=0.0, ge=0.0, le=2.0)
    max_tokens: int = Field(default=512, ge=1, description="Most tokens in one reply.")
    prompt_cache_mb: int = Field(
        default=1024, ge=0, description="RAM for the local model's prompt states (0: none)."
    )
    prompt_disk_mb: int = Field(
        default=2048,
        ge=0,
        description="Disk for the agents' prompt states, kept for the next process under "
        "<cache dir>/prompt-states (0: none).",
    )

    openai_base_url: str | None = Field(
        default=None, description="An OpenAI-compatible endpoint. Unset: api.openai.com."
    )
    openai_api_key: SecretStr | None = None
    openai_model: str = "gpt-4o-mini"

    fake_latency_ms: int = Field(
        default=0,
        ge=0,
        le=60000,
        description="Provider fake: milliseconds it takes to answer (load benchmarks).",
    )

    ollama_host: str = "http://localhost:11434"
    ollama_model: str = "qwen2.5-coder:1.5b"

    @field_validator("provider", mode="before")
    @classmethod
    def _known_provider(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip().lower()
            if value not in PROVIDERS:
                raise ValueError(
                    f"unknown LLM provider {value!r}; set BUFFR_LLM_PROVIDER to one of "
                    + ", ".join(PROVIDERS)
                )
        return value

    @field_validator("openai_base_url", mode="after")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("must look like http://host:8000/v1")
        return value.rstrip("/")

    def local_model_file(self) -> Path | None:
        """``local_model`` as a path when it names a file rather than a catalogue entry."""
        value = self.local_model
        if value.endswith(".gguf") or "/" in value or value.startswith(("~", ".")):
            return Path(value).expanduser().resolve()
        return None


@lru_cache(maxsize=1)
def get_llm_settings() -> LLMSettings:
    """Build and validate the LLM settings once per process."""
    return LLMSettings()
