"""What every request needs, built once per process: settings, the database, Redis, the agent
runtime, the key that signs staff tokens.

Built by :func:`build_services` (not at import) and kept on ``app.state``; routes reach it
through the ``get_services`` dependency, so a test can hand the app services of its own (its
throwaway database, a scripted chat model).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import anyio
from fastapi import Request
from langchain_core.language_models import BaseChatModel
from redis import Redis

from agents.runtime import AgentRuntime
from buffr.db.session import Database
from buffr.services import Endpoints, ensure_services
from buffr.settings import Settings
from tools.arcade.gateway import build_gateway
from voice.config import CallConfig

ChatModelFactory = Callable[[], BaseChatModel]


@dataclass
class Services:
    settings: Settings
    endpoints: Endpoints
    db: Database
    redis: Redis
    runtime: AgentRuntime
    jwt_secret: str
    # Turns run in worker threads (the runtime is synchronous); each holds a pooled database
    # connection for its whole transaction, so no more may run at once than the pool holds.
    turn_slots: anyio.CapacityLimiter
    voice_config: CallConfig = field(default_factory=CallConfig)


def build_services(
    settings: Settings,
    chat_model: ChatModelFactory | None = None,
    endpoints: Endpoints | None = None,
) -> Services:
    """Start (or reach) Postgres and Redis and wire the runtime. ``chat_model`` defaults to
    the configured model (``BUFFR_LLM_*``), loaded on first use."""
    endpoints = endpoints or ensure_services(settings)
    db = Database(endpoints, app_pool_size=settings.db_pool_size)
    return Services(
        settings=settings,
        endpoints=endpoints,
        db=db,
        redis=Redis.from_url(endpoints.redis_url),
        runtime=AgentRuntime(
            db, chat_model=chat_model or configured_chat_model(), arcade=build_gateway(settings)
        ),
        jwt_secret=jwt_secret(settings),
        turn_slots=anyio.CapacityLimiter(settings.db_pool_size),
    )


def configured_chat_model() -> ChatModelFactory:
    """The chat model of ``BUFFR_LLM_*``, built on first use (a fast-path turn never needs it)."""

    @lru_cache(maxsize=1)
    def factory() -> BaseChatModel:
        from agents.llm.config import get_llm_settings
        from agents.llm.factory import build_chat_model

        return build_chat_model(get_llm_settings())

    return factory


def jwt_secret(settings: Settings) -> str:
    """BUFFR_JWT_SECRET, else a random key kept in BUFFR_HOME (mode 0600) so that every worker
    process of this machine, and the next start, accept the same tokens."""
    if settings.jwt_secret is not None:
        return settings.jwt_secret.get_secret_value()
    path: Path = settings.home / "jwt-secret"
    if not path.exists():
        settings.home.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another worker process wrote it first
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services
