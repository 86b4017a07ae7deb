"""The staff console in a real browser against the live app: a guest's new conversation and a
low-stock alert show up, and a manager takes a conversation over and replies to the guest,
whose open chat widget shows the reply (pushed over its WebSocket through Redis)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from decimal import Decimal

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlalchemy import text

from agents.llm.fake import scripted_call as call
from buffr.db.session import Database
from domain.inventory import MovementKind
from domain.ops import DeadLetter
from domain.seed.demo import DEMO_PASSWORD
from tests.api_support import MANAGER
from tests.browser_support import (
    DESKTOP,
    PHONE,
    LiveServer,
    chromium,
    live_server,
    page_errors,
    screenshot,
)
from tools.base import Actor, ToolContext
from tools.inventory import MovementArgs, record_movement

CHECK_IN = call("ask_hotel", question="What time is check-in?")
WIDGET = "#buffr-chat-widget"


pytestmark = pytest.mark.demo_data()


@pytest.fixture(scope="module")
def server(db: Database) -> Iterator[LiveServer]:
    with live_server(db) as live:
        yield live


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def context(browser: Browser, server: LiveServer) -> Iterator[BrowserContext]:
    """The guest's and the manager's pages share a browser profile here, as they may."""
    ctx = browser.new_context(viewport=DESKTOP, base_url=server.url)
    ctx.set_default_timeout(15_000)
    yield ctx
    ctx.close()


def _guest_asks(context: BrowserContext, server: LiveServer, question: str) -> Page:
    """A guest on the demo page who asked ``question`` and got the scripted answer."""
    server.script.play(CHECK_IN)
    page = context.new_page()
    page.goto("/demo")
    page.locator(f"{WIDGET} .launcher").click()
    box = page.get_by_label("Your message")
    box.fill(question)
    box.press("Enter")
    expect(page.locator(f"{WIDGET} .msg.agent[data-state=done]")).to_contain_text("15:00")
    return page


def _conversation_of(page: Page, db: Database) -> int:
    visitor = page.evaluate("localStorage.getItem('buffr:visitor:demo')")
    with db.owner() as session:
        found = session.execute(
            text(
                "SELECT c.id FROM conversations c JOIN guests g ON g.id = c.guest_id "
                "WHERE g.web_visitor = :visitor"
            ),
            {"visitor": visitor},
        ).scalar_one()
    return int(found)


def _console(context: BrowserContext, email: str = MANAGER) -> Page:
    page = context.new_page()
    page.goto("/console")
    page.get_by_label("Property").fill("demo")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("tab", name="Conversations")).to_have_attribute("aria-selected", "true")
    return page


def _drop_below_minimum(db: Database) -> str:
    """Count a product that is at or above its minimum down to zero, as staff would (the
    inventory tool raises the low-stock alert); its name."""
    property_id = db.property_id("demo")
    with db.tenant(property_id) as session:
        product_id, name = session.execute(
            text(
                "SELECT p.id, p.name FROM products p JOIN stock s ON s.product_id = p.id "
                "WHERE p.active AND p.min_stock > 0 AND s.quantity >= p.min_stock "
                "ORDER BY p.name LIMIT 1"
            )
        ).one()
        ctx = ToolContext(session, property_id, Actor(kind="staff", name="browser test"))
        result = record_movement(
            ctx,
            MovementArgs(
                product_id=product_id, kind=MovementKind.ADJUST, counted_quantity=Decimal(0)
            ),
        )
    assert result.low_stock_alert
    return str(name)


def _dead_letter(db: Database) -> None:
    property_id = db.property_id("demo")
    with db.tenant(property_id) as session:
        session.add(
            DeadLetter(
                property_id=property_id,
                job="deliver_message",
                job_key="deliver_message:browser-test",
                payload={"message_id": 1},
                error="Twilio said no <21610>",
                attempts=5,
            )
        )


def test_the_console_shows_a_new_conversation_and_a_low_stock_alert(
    context: BrowserContext, server: LiveServer, db: Database
) -> None:
    guest = _guest_asks(context, server, "What time is check-in?")
    conversation = _conversation_of(guest, db)
    product = _drop_below_minimum(db)

    console = _console(context)
    errors = page_errors(console)
    item = console.locator(f"#conversation-list li[data-id='{conversation}']")
    expect(item).to_contain_text("Web visitor")
    expect(item).to_contain_text("web")
    expect(item).to_contain_text("Check-in")  # the last message's preview
    item.click()
    expect(console.locator("#message-list li.guest")).to_have_text(
        [re.compile("What time is check-in\\?")]
    )
    expect(console.locator("#message-list li.agent")).to_contain_text(["15:00"])
    screenshot(console, "console-conversations")

    expect(console.locator("#unread")).to_be_visible()
    console.get_by_role("tab", name=re.compile("Notifications")).click()
    alert = console.locator("#notification-list li[data-kind=low_stock]").filter(
        has_text=f"Low stock: {product}"
    )
    expect(alert).to_have_class(re.compile("unread"))
    alert.get_by_role("button", name="Mark read").click()
    expect(alert).not_to_have_class(re.compile("unread"))
    expect(alert.get_by_role("button", name="Mark read")).to_have_count(0)
    screenshot(console, "console-notifications")

    console.get_by_role("tab", name="Stock").click()
    row = console.locator("#stock-rows tr").filter(has_text=product)
    expect(row).to_have_class(re.compile(r"\blow\b"))
    expect(row.locator(".state")).to_have_text("Low")
    # The chart of the last 30 days has today's count among its bars.
    expect(console.locator("#chart svg rect").first).to_be_attached()
    assert console.locator("#chart svg rect").count() >= 1
    screenshot(console, "console-stock")

    _dead_letter(db)
    console.get_by_role("tab", name="Dead letters").click()
    letter = console.locator("#dead-letter-list li").filter(has_text="deliver_message")
    expect(letter).to_contain_text("Twilio said no <21610>")  # as text, not markup
    letter.get_by_role("button", name="Resolve").click()
    expect(letter.locator(".pill")).to_have_text("resolved")
    console.set_viewport_size(PHONE)
    console.get_by_role("tab", name="Conversations").click()
    expect(item).to_be_visible()
    screenshot(console, "console-phone")
    assert errors == []  # no script error, no blocked resource (the console has a strict CSP)


def test_a_manager_takes_over_and_the_guest_sees_the_reply(
    context: BrowserContext, server: LiveServer, db: Database
) -> None:
    # Guest text is untrusted: it shows as typed, never as markup, in widget and console.
    guest = _guest_asks(context, server, "Can I bring my <b>dog</b>?")
    expect(guest.locator(f"{WIDGET} .msg.guest")).to_have_text(["Can I bring my <b>dog</b>?"])
    assert guest.locator(f"{WIDGET} .msg b").count() == 0
    conversation = _conversation_of(guest, db)
    console = _console(context)
    console.locator(f"#conversation-list li[data-id='{conversation}']").click()
    expect(console.locator("#message-list li.guest")).to_have_text([re.compile("my <b>dog</b>")])
    assert console.locator("#message-list b, #conversation-list b").count() == 0

    console.get_by_role("button", name="Take over").click()
    expect(console.locator("#conversation-status-badge")).to_have_text("with staff")
    console.get_by_label("Reply to the guest").fill("Hi, Yossi here: small dogs are welcome.")
    console.get_by_role("button", name="Reply", exact=True).click()

    staff = guest.locator(f"{WIDGET} .msg.staff")
    expect(staff).to_contain_text("small dogs are welcome")  # pushed, no reload
    expect(staff.locator(".who")).not_to_be_empty()
    expect(console.locator("#message-list li.staff")).to_contain_text(["small dogs are welcome"])

    # While staff have it, the agent stays silent: the guest's next message gets no answer
    # (the script is empty: a model call would fail the turn).
    server.script.play()
    agent_bubbles = guest.locator(f"{WIDGET} .msg.agent").count()
    box = guest.get_by_label("Your message")
    box.fill("Great, thank you!")
    box.press("Enter")
    expect(console.locator("#message-list li.guest")).to_contain_text(["thank you"])
    guest.wait_for_timeout(300)
    expect(guest.locator(f"{WIDGET} .msg.agent")).to_have_count(agent_bubbles)
    expect(guest.locator(f"{WIDGET} .msg.error")).to_have_count(0)

    # With the chat closed, the next reply puts a dot on the chat button.
    guest.keyboard.press("Escape")
    launcher = guest.locator(f"{WIDGET} .launcher")
    expect(launcher).to_have_attribute("aria-expanded", "false")
    console.get_by_label("Reply to the guest").fill("We have dog beds too.")
    console.get_by_role("button", name="Reply", exact=True).click()
    expect(launcher).to_have_class(re.compile("unread"))
    expect(launcher).to_have_attribute("aria-label", re.compile("new message"))
    launcher.click()
    expect(launcher).not_to_have_class(re.compile("unread"))
    expect(staff).to_have_count(2)

    console.get_by_role("button", name="Release to the agent").click()
    expect(console.locator("#conversation-status-badge")).to_have_text("open")
    screenshot(guest, "widget-staff-reply")


def test_a_spoilt_access_token_is_refreshed_and_logging_out_revokes_the_session(
    context: BrowserContext, server: LiveServer
) -> None:
    page = context.new_page()
    page.goto("/console")
    page.get_by_label("E-mail").fill(MANAGER)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#login-error")).to_be_visible()
    page.close()

    console = _console(context)
    refreshes: list[str] = []
    console.on("request", lambda r: refreshes.append(r.url) if "/auth/refresh" in r.url else None)
    console.evaluate(
        """() => {
          const auth = JSON.parse(sessionStorage.getItem("buffr:console:auth"));
          sessionStorage.setItem("buffr:console:auth",
            JSON.stringify({...auth, access_token: "spoilt"}));
        }"""
    )
    console.reload()  # every first call gets 401; one shared refresh, then they retry
    # Polled from here: wait_for_function evaluates its predicate with eval inside the page,
    # which the console's Content-Security-Policy rightly forbids.
    token_now = "() => JSON.parse(sessionStorage.getItem('buffr:console:auth')).access_token"
    deadline = time.monotonic() + 15
    while console.evaluate(token_now) == "spoilt" and time.monotonic() < deadline:
        console.wait_for_timeout(100)
    assert console.evaluate(token_now) != "spoilt", "the spoilt token was refreshed"
    expect(console.locator("#conversation-list li").first).to_be_visible()
    expect(console.locator("#banner")).to_be_hidden()
    assert len(refreshes) == 1, refreshes

    refresh_token = console.evaluate(
        "JSON.parse(sessionStorage.getItem('buffr:console:auth')).refresh_token"
    )
    console.get_by_role("button", name="Log out").click()
    expect(console.get_by_role("button", name="Log in")).to_be_visible()
    assert console.evaluate("sessionStorage.getItem('buffr:console:auth')") is None
    revoked = context.request.post("/api/v1/auth/refresh", data={"refresh_token": refresh_token})
    assert revoked.status == 401
