"""The FastAPI application: health, readiness, metrics, staff auth, the REST resources, chat
over HTTP and WebSocket, the Twilio webhooks, the widget, its demo page and the staff console.

``create_app(services)`` takes ready services (tests hand in their own database and a scripted
chat model); without them the app builds its own from the environment when it starts.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import anyio
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import text

from agents.llm.warmup import bind_tools_in_background, warm_prompts_in_background
from api import metrics
from api.errors import BodyLimit, install_error_handlers
from api.services import Services, build_services
from buffr.settings import Settings, get_settings
from voice.warmup import warm_voice_in_background

API_TITLE = "Buffr Host agents"


def create_app(services: Services | None = None, settings: Settings | None = None) -> FastAPI:
    settings = services.settings if services else (settings or get_settings())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = services is None
        app.state.services = services or await anyio.to_thread.run_sync(build_services, settings)
        if settings.voice_warm_on_start:
            warm_voice_in_background(settings, app.state.services.db)
        chat_model = app.state.services.runtime.chat_model
        if owned and chat_model and settings.llm_warm_on_start:
            # Not for services a caller made (tests): their chat model may be scripted.
            if _local_llm():
                warm_prompts_in_background(chat_model)
            else:
                bind_tools_in_background(chat_model)
        try:
            yield
        finally:
            if owned:
                app.state.services.db.dispose()

    app = FastAPI(
        title=API_TITLE,
        version="0.1.0",
        description="Chat, channels and staff API of a hotel, restaurant or bar.",
        lifespan=lifespan,
    )
    if services is not None:
        app.state.services = services  # usable before the lifespan runs (test clients)
    install_error_handlers(app)
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    app.middleware("http")(_count_requests)
    _include_routers(app)
    return app


def _include_routers(app: FastAPI) -> None:
    from api.pages import router as pages
    from api.routes import REST_ROUTERS
    from api.routes.auth import router as auth
    from api.routes.chat import router as chat
    from channels.webhooks import router as twilio
    from voice.stream import router as voice

    app.get("/healthz", tags=["health"], summary="The process is up")(_health)
    app.get("/readyz", tags=["health"], summary="Postgres and Redis answer")(_ready)
    app.get("/metrics", tags=["health"], summary="Prometheus metrics")(_metrics)
    app.include_router(auth)
    app.include_router(chat)
    for router in REST_ROUTERS:
        app.include_router(router)
    app.include_router(twilio)
    app.include_router(voice)
    app.include_router(pages)


async def _health() -> dict[str, str]:
    return {"status": "ok"}


async def _ready(request: Request) -> JSONResponse:
    services: Services = request.app.state.services

    def check() -> dict[str, str]:
        problems = {}
        try:
            with services.db.app_engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception as error:  # readiness reports any failure, it does not raise
            problems["postgres"] = type(error).__name__
        try:
            services.redis.ping()
        except Exception as error:
            problems["redis"] = type(error).__name__
        return problems

    problems = await anyio.to_thread.run_sync(check)
    if problems:
        return JSONResponse({"status": "unavailable", "problems": problems}, status_code=503)
    return JSONResponse({"status": "ready"})


async def _metrics() -> Response:
    body, content_type = metrics.render()
    return Response(body, media_type=content_type)


async def _count_requests(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    response = await call_next(request)
    route = request.scope.get("route")
    path = getattr(route, "path", "unmatched")
    metrics.REQUESTS.labels(request.method, path, str(response.status_code)).inc()
    return response


def _local_llm() -> bool:
    from agents.llm.config import get_llm_settings

    return get_llm_settings().provider == "local"
