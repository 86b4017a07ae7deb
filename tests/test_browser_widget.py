"""The chat widget in a real browser (headless Chromium) on the demo hotel's page, talking to
the app in a live server over its WebSocket; the receptionist's model is scripted with the
real tool calls it would make."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Locator, Page, ViewportSize, WebSocketRoute, expect
from sqlalchemy import text

from agents.llm.fake import scripted_call as call
from buffr.db.session import Database
from tests.browser_support import (
    DESKTOP,
    PHONE,
    LiveServer,
    chromium,
    live_server,
    page_errors,
    record_frames,
    screenshot,
)

CHECK_IN = call("ask_hotel", question="What time is check-in?")


pytestmark = pytest.mark.demo_data()


@pytest.fixture(scope="module")
def server(db: Database) -> Iterator[LiveServer]:
    with live_server(db) as live:
        yield live


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def _page(browser: Browser, server: LiveServer, viewport: ViewportSize) -> Iterator[Page]:
    """A fresh browser profile (so a new visitor) on the live server."""
    context = browser.new_context(viewport=viewport, base_url=server.url)
    context.set_default_timeout(15_000)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def page(browser: Browser, server: LiveServer) -> Iterator[Page]:
    yield from _page(browser, server, DESKTOP)


@pytest.fixture
def phone(browser: Browser, server: LiveServer) -> Iterator[Page]:
    yield from _page(browser, server, PHONE)


def _launcher(page: Page) -> Locator:
    return page.locator("#buffr-chat-widget .launcher")


def _open(page: Page) -> Locator:
    """Open the chat panel with a click; the message box, which takes the focus."""
    _launcher(page).click()
    box = page.get_by_label("Your message")
    expect(box).to_be_focused()
    return box


def _say(page: Page, message: str) -> None:
    box = page.get_by_label("Your message")
    box.fill(message)
    box.press("Enter")


def _last_reply(page: Page) -> Locator:
    return page.locator("#buffr-chat-widget .msg.agent[data-state=done]").last


def _frames_until_reply(page: Page, frames: list[dict[str, Any]]) -> list[str]:
    """The frame types received once the reply frame is among them (Playwright's events
    reach Python while it waits on the browser)."""
    deadline = time.monotonic() + 10
    while not any(f["type"] == "reply" for f in frames):
        assert time.monotonic() < deadline, frames
        page.wait_for_timeout(50)
    return [f["type"] for f in frames]


def test_a_question_streams_its_answer_and_the_chat_survives_a_reload(
    page: Page, server: LiveServer
) -> None:
    server.script.play(CHECK_IN)
    frames = record_frames(page)
    errors = page_errors(page)
    page.goto("/demo")
    _open(page)
    _say(page, "What time is check-in?")
    expect(_last_reply(page)).to_contain_text("15:00")

    kinds = _frames_until_reply(page, frames)
    assert kinds[0] == "session" and "typing" in kinds
    deltas = [f for f in frames if f["type"] == "delta"]
    reply = next(f for f in frames if f["type"] == "reply")
    assert len(deltas) >= 2 and kinds.index("delta") < kinds.index("reply")  # it streamed
    assert "".join(d["text"] for d in deltas) == reply["text"]
    assert reply["agent"] == "receptionist"
    bubble = _last_reply(page)
    assert bubble.get_attribute("data-deltas") == str(len(deltas))  # the bubble grew per piece
    assert bubble.inner_text().strip() == reply["text"].strip()
    screenshot(page, "widget-desktop")

    visitor = page.evaluate("localStorage.getItem('buffr:visitor:demo')")
    assert visitor and visitor == frames[0]["visitor"]
    page.reload()  # the panel reopens as it was left, with the conversation from the server
    guest = page.locator("#buffr-chat-widget .msg.guest")
    expect(guest).to_have_text(["What time is check-in?"])
    expect(page.locator("#buffr-chat-widget .msg.agent")).to_contain_text(["15:00"])
    assert page.evaluate("localStorage.getItem('buffr:visitor:demo')") == visitor
    assert server.script.model.remaining == 0  # the reload ran no turn
    assert errors == []


def test_a_table_is_booked_through_the_widget_on_yes(
    page: Page, server: LiveServer, db: Database
) -> None:
    server.script.play(call("book_table", date="Friday", time="8pm", party_size=3))
    page.goto("/demo")
    _open(page)
    _say(page, "a table for 3 on Friday at 8pm")
    expect(_last_reply(page)).to_contain_text("Shall I reserve")
    visitor = page.evaluate("localStorage.getItem('buffr:visitor:demo')")
    assert _tables(db, visitor) == []  # nothing is written before the guest's yes
    _say(page, "yes")
    expect(_last_reply(page)).to_contain_text("Reserved: a table for 3")
    assert _tables(db, visitor) == [(3, "booked", 20)]


def _tables(db: Database, visitor: str) -> list[tuple[int, str, int]]:
    """(party, status, hour) of the web visitor's table reservations."""
    with db.owner() as session:
        rows = session.execute(
            text(
                "SELECT t.party_size, t.status::text, "
                "extract(hour FROM t.starts_at AT TIME ZONE p.timezone)::int "
                "FROM table_reservations t JOIN guests g ON g.id = t.guest_id "
                "JOIN properties p ON p.id = t.property_id WHERE g.web_visitor = :visitor"
            ),
            {"visitor": visitor},
        ).all()
    return [(r[0], r[1], r[2]) for r in rows]


def test_the_keyboard_opens_sends_and_closes(page: Page, server: LiveServer) -> None:
    server.script.play(CHECK_IN)
    page.goto("/demo")
    launcher = _launcher(page)
    for _ in range(20):  # Tab through the page's links to the chat button
        page.keyboard.press("Tab")
        if launcher.evaluate("b => b.getRootNode().activeElement === b"):
            break
    else:
        pytest.fail("Tab never reached the chat button")
    assert launcher.get_attribute("aria-expanded") == "false"
    page.keyboard.press("Enter")
    box = page.get_by_label("Your message")
    expect(box).to_be_focused()
    assert launcher.get_attribute("aria-expanded") == "true"
    page.keyboard.type("What time is check-in?")
    page.keyboard.press("Enter")
    expect(page.locator("#buffr-chat-widget .msg.guest")).to_have_text(["What time is check-in?"])
    expect(_last_reply(page)).to_contain_text("15:00")
    # The reply was announced to screen readers through the polite live region.
    expect(page.locator("#buffr-chat-widget [aria-live=polite]")).to_contain_text("15:00")
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_be_hidden()
    assert launcher.evaluate("b => b.getRootNode().activeElement === b")  # focus came back


def test_the_panel_fills_a_phone_screen(phone: Page, server: LiveServer) -> None:
    phone.goto("/demo")
    _open(phone)
    box = phone.locator("#buffr-chat-widget .panel").bounding_box()
    assert box is not None
    viewport = phone.viewport_size
    assert viewport is not None
    width, height = viewport["width"], viewport["height"]
    assert box["x"] >= 0 and box["y"] >= 0
    assert box["x"] + box["width"] <= width and box["y"] + box["height"] <= height
    assert box["width"] >= width - 1 and box["height"] >= height - 1  # full screen
    send = phone.get_by_role("button", name="Send")
    send_box = send.bounding_box()
    assert send_box is not None and send_box["y"] + send_box["height"] <= height
    screenshot(phone, "widget-phone")


def test_a_dropped_connection_reconnects(page: Page, server: LiveServer) -> None:
    """The socket goes through a route the test can cut; the widget says it is reconnecting,
    comes back by itself and shows the conversation again."""
    server.script.play(CHECK_IN)
    routes: list[WebSocketRoute] = []

    def through(ws: WebSocketRoute) -> None:
        ws.connect_to_server()
        routes.append(ws)

    page.route_web_socket(re.compile(r".*/chat/ws.*"), through)
    page.goto("/demo")
    _open(page)
    _say(page, "What time is check-in?")
    expect(_last_reply(page)).to_contain_text("15:00")
    routes[-1].close(code=1011, reason="test drop")
    status = page.locator("#buffr-chat-widget .status")
    expect(status).to_have_text(re.compile("Reconnecting"))
    expect(status).to_be_hidden()  # back within the first backoff step
    assert len(routes) == 2
    expect(page.locator("#buffr-chat-widget .msg.guest")).to_have_text(["What time is check-in?"])
    expect(page.locator("#buffr-chat-widget .msg.agent")).to_contain_text(["15:00"])


def test_the_widget_works_embedded_on_another_site(page: Page, server: LiveServer) -> None:
    """The API is wherever the script came from, not the page's own origin."""
    server.script.play(CHECK_IN)
    site = (
        "<!doctype html><title>Another site</title><h1>Some hotel's own site</h1>"
        f'<script src="{server.url}/widget.js" data-property="demo" '
        'data-title="Ask the Seaside" defer></script>'
    ).encode()
    with _other_site(site) as url:
        page.goto(url)
        box = _open(page)
        expect(page.get_by_role("dialog", name="Ask the Seaside")).to_be_visible()
        box.fill("What time is check-in?")
        box.press("Enter")
        expect(_last_reply(page)).to_contain_text("15:00")


@contextmanager
def _other_site(body: bytes) -> Iterator[str]:
    """A page on a server of its own (another origin). It listens on the loopback too:
    Chromium keeps a public page from reaching a loopback address (local network access)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    site = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=site.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://localhost:{site.server_address[1]}/"
    finally:
        site.shutdown()
        site.server_close()


def test_the_pages_and_their_assets_are_served(server: LiveServer) -> None:
    with httpx.Client(base_url=server.url) as http:
        widget = http.get("/widget.js")
        assert widget.status_code == 200
        assert widget.headers["content-type"].startswith("text/javascript")
        demo = http.get("/demo")
        assert '<script src="/widget.js" data-property="demo" defer></script>' in demo.text
        console = http.get("/console")
        assert console.status_code == 200 and 'id="login-form"' in console.text
        assert "script-src 'self'" in console.headers["content-security-policy"]
        assert console.headers["x-frame-options"] == "DENY"
        for name, kind in [
            ("console.js", "text/javascript"),
            ("chart.js", "text/javascript"),
            ("console.css", "text/css"),
        ]:
            asset = http.get(f"/console/assets/{name}")
            assert asset.status_code == 200 and asset.headers["content-type"].startswith(kind)
        assert http.get("/console/assets/index.js").status_code == 404
        assert http.get("/console/assets/..%2F..%2Fpages.py").status_code in (404, 422)
