"""Browser tests' plumbing: the app in a live uvicorn server (a background thread on a free
port of 127.0.0.1) on the test module's database, with a chat model the test scripts, and
Debian's headless Chromium driven by Playwright's sync API.

Each test module builds its fixtures from :func:`live_server` and :func:`chromium`, so the
fixtures stay typed and no module imports another's fixture functions.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from langchain_core.language_models import BaseChatModel
from playwright.sync_api import Browser, Page, ViewportSize, WebSocket, sync_playwright

from agents.llm.fake import ScriptedChatModel, ScriptItem
from api.local_server import serving
from api.services import Services
from buffr.db.session import Database
from tests.api_support import api_services

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SCREENSHOTS = Path(__file__).resolve().parent.parent / "reports" / "screenshots"
PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1280, "height": 800}


@dataclass
class Script:
    """The chat model the live server uses, swapped by each test: ``script.play(...)``."""

    model: ScriptedChatModel = field(default_factory=ScriptedChatModel)

    def play(self, *responses: ScriptItem) -> ScriptedChatModel:
        self.model = ScriptedChatModel(list(responses))
        return self.model

    def __call__(self) -> BaseChatModel:
        return self.model


@dataclass
class LiveServer:
    url: str
    services: Services
    script: Script


@contextmanager
def live_server(db: Database, **settings: Any) -> Iterator[LiveServer]:
    """The app on ``db`` served by uvicorn in a thread until the block ends."""
    script = Script()
    services = api_services(db, chat_model=script, **settings)
    try:
        with serving(services) as url:
            yield LiveServer(url, services, script)
    finally:
        services.redis.close()


@contextmanager
def chromium() -> Iterator[Browser]:
    """Debian's Chromium, headless; the test is skipped where it is not installed."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium to run browser tests")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def screenshot(page: Page, name: str) -> Path:
    """Keep a picture of the page under reports/screenshots (for people, not assertions)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


def record_frames(page: Page) -> list[dict[str, Any]]:
    """Every JSON frame the page receives over its WebSockets, in order (filled as they come)."""
    frames: list[dict[str, Any]] = []

    def on_socket(ws: WebSocket) -> None:
        def on_frame(payload: str | bytes) -> None:
            with suppress(ValueError):
                frames.append(json.loads(payload))

        ws.on("framereceived", on_frame)

    page.on("websocket", on_socket)
    return frames


def page_errors(page: Page) -> list[str]:
    """Uncaught script errors and console errors of the page (a CSP violation is one)."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(f"{error.name}: {error.message}"))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    return errors
