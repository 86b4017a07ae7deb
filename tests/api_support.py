"""Building the API on a test's own database, with a chat model of the test's choosing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import anyio
from fastapi.testclient import TestClient
from langchain_core.language_models import BaseChatModel
from redis import Redis

from agents.runtime import AgentRuntime
from api.app import create_app
from api.services import Services
from buffr.db.session import Database
from buffr.settings import Settings
from domain.seed.demo import DEMO_PASSWORD

TEST_JWT_SECRET = "test-secret-that-is-long-enough-for-hs256-0123456789"
MANAGER = "yossi.cohen@seaside-hotel.example"  # the demo hotel's manager
OWNER = "dana.levi@seaside-hotel.example"
STAFF = "noa.mizrahi@seaside-hotel.example"


def api_services(
    db: Database,
    chat_model: Callable[[], BaseChatModel] | None = None,
    **settings: Any,
) -> Services:
    """Services on ``db`` (and the test session's Redis), without starting anything."""
    settings.setdefault("voice_warm_on_start", False)  # voice tests load the models themselves
    config = Settings(jwt_secret=TEST_JWT_SECRET, **settings)
    return Services(
        settings=config,
        endpoints=db.endpoints,
        db=db,
        redis=Redis.from_url(db.endpoints.redis_url),
        runtime=AgentRuntime(db, chat_model=chat_model),
        jwt_secret=TEST_JWT_SECRET,
        turn_slots=anyio.CapacityLimiter(config.db_pool_size),
    )


def api_client(services: Services) -> TestClient:
    return TestClient(create_app(services), raise_server_exceptions=False)


def login(client: TestClient, email: str = MANAGER, property_slug: str = "demo") -> dict[str, str]:
    """Authorization headers of a logged-in demo staff member."""
    response = client.post(
        "/api/v1/auth/login",
        json={"property": property_slug, "email": email, "password": DEMO_PASSWORD},
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}
