"""The one settings class, validated at start-up and built by `get_settings()`.

Every value comes from the environment (prefix ``BUFFR_``) or a ``.env`` file. The two service
URLs also answer to their conventional unprefixed names, ``DATABASE_URL`` and ``REDIS_URL``:
when they are unset, the embedded Postgres and Redis are used.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="BUFFR_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        env_ignore_empty=True,  # VAR= (e.g. an unset compose variable) means "not set"
    )

    home: Path = Field(
        default=Path.home() / ".buffr",
        description="Where embedded services keep their data, sockets and logs.",
    )
    cache_dir: Path = Field(
        default=Path.home() / ".cache" / "buffr",
        description="Where downloaded and assembled model files are cached.",
    )

    database_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("DATABASE_URL", "BUFFR_DATABASE_URL"),
        description="Owner DSN (runs migrations). Unset: the embedded Postgres.",
    )
    database_app_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("DATABASE_APP_URL", "BUFFR_DATABASE_APP_URL"),
        description="DSN of the application role. Unset: derived from the owner DSN.",
    )
    db_app_password: SecretStr | None = Field(
        default=None,
        description="Password given to the application role on external servers.",
    )
    redis_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("REDIS_URL", "BUFFR_REDIS_URL"),
        description="Redis URL. Unset: the embedded Redis.",
    )
    pg_tcp_port: int | None = Field(
        default=None,
        ge=1,
        le=65535,
        description="Also listen on 127.0.0.1:PORT (embedded Postgres; sockets only if unset).",
    )

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "WARNING"

    # The API service (`buffr serve`).
    jwt_secret: SecretStr | None = Field(
        default=None,
        description="Signs staff tokens. Unset: a random one kept in BUFFR_HOME/jwt-secret.",
    )
    access_token_minutes: int = Field(default=15, ge=1, le=24 * 60)
    refresh_token_days: int = Field(default=14, ge=1, le=365)
    public_url: str | None = Field(
        default=None,
        description="The https://host the service is reached at (behind a proxy): Twilio signs "
        "its requests with this URL. Unset: the URL of the request as received.",
    )
    max_body_bytes: int = Field(default=64 * 1024, ge=1024)
    sender_rate_limit: int = Field(
        default=20, ge=1, description="Messages one sender may send a minute."
    )
    property_rate_limit: int = Field(
        default=600, ge=1, description="Messages a property may receive a minute."
    )
    db_pool_size: int = Field(default=10, ge=1, le=500)

    # Twilio (SMS and WhatsApp). Without credentials inbound webhooks are refused.
    twilio_account_sid: str | None = None
    twilio_auth_token: SecretStr | None = None
    twilio_api_base: str = Field(
        default="https://api.twilio.com",
        description="Twilio's REST base URL; tests point it at a local recording server.",
    )
    twilio_sms_from: str | None = Field(default=None, description="Default SMS sender number.")
    twilio_whatsapp_from: str | None = Field(
        default=None, description="Default WhatsApp sender, e.g. whatsapp:+14155238886."
    )

    # Arcade (arcade.dev): the sales agent's authenticated actions on behalf of a staff member
    # (e-mail a proposal from their Gmail, put a site visit in their Google Calendar). Without a
    # key those tools are absent.
    arcade_api_key: SecretStr | None = Field(
        default=None, description="Arcade API key. Unset: no Arcade tools."
    )
    arcade_base_url: str = Field(
        default="https://api.arcade.dev",
        description="Arcade's API base URL (without /v1); tests point it at a local server.",
    )

    # Voice (the phone receptionist): model names from the catalogue (`buffr models list`).
    voice_stt_model: str = Field(
        default="whisper-base", description="Speech-to-text model (faster-whisper directory)."
    )
    voice_tts_voice: str = Field(default="piper-joe", description="Piper voice the agent speaks.")
    voice_vad_model: str = Field(
        default="silero-vad", description="Voice activity model that detects the end of a turn."
    )
    voice_language: str | None = Field(
        default="en",
        description="Language callers speak (a whisper code such as en, he), or auto: whisper "
        "detects it on every utterance, which costs time and misfires on short ones.",
    )
    voice_stt_compute_type: str = Field(
        default="int8",
        description="CTranslate2 compute type for speech-to-text (int8, int8_float32, float32).",
    )
    voice_warm_on_start: bool = Field(
        default=True,
        description="Load and warm the speech models in the background when the server starts, "
        "so the first call is answered quickly.",
    )
    llm_warm_on_start: bool = Field(
        default=True,
        description="Evaluate the agents' prompts with the local model in the background when "
        "the server starts, so the first turn that needs the model is quick.",
    )

    @field_validator("home", "cache_dir", mode="after")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    @field_validator("voice_language", mode="after")
    @classmethod
    def _auto_language(cls, value: str | None) -> str | None:
        """An environment variable cannot be None; ``auto`` stands for it."""
        return None if value is None or value.lower() == "auto" else value

    @field_validator("database_url", "database_app_url", mode="after")
    @classmethod
    def _postgres_scheme(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        scheme = value.split("://", 1)[0] if "://" in value else ""
        if scheme not in {"postgres", "postgresql", "postgresql+psycopg"}:
            raise ValueError(
                "must look like postgresql://user:password@host:5432/dbname "
                f"(got a URL with scheme {scheme or 'missing'!r})"
            )
        return value

    @field_validator("redis_url", mode="after")
    @classmethod
    def _redis_scheme(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must look like redis://host:6379/0 or unix:///path/to/redis.sock")
        return value


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Build and validate the settings once per process."""
    return Settings()
