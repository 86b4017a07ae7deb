"""A local stand-in for Arcade's API: answers the calls ``arcadepy`` makes, records them, and
lets a test decide what Arcade says (a user authorizes, declines, a tool fails, a 5xx).

The calls and their JSON, as arcadepy 1.x sends and reads them:

- ``POST /v1/tools/authorize`` ``{"tool_name", "user_id"}`` -> an authorization
  ``{"id", "status": "pending" | "completed" | "failed", "url", "user_id", ...}``
- ``GET /v1/auth/status?id=...`` -> the same authorization, as it stands now
- ``POST /v1/tools/execute`` ``{"tool_name", "input", "user_id"}`` -> ``{"id", "execution_id",
  "status", "success", "output": {"value" | "error" | "authorization"}}``

Every request carries the API key as its ``Authorization`` header; a wrong one gets a 401.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tools.arcade import ArcadeGateway

API_KEY = "arc_test_0123456789"
AUTHORIZE = "/v1/tools/authorize"
STATUS = "/v1/auth/status"
EXECUTE = "/v1/tools/execute"


@dataclass
class Call:
    method: str
    path: str
    query: dict[str, str]
    body: dict[str, Any]
    api_key: str | None


@dataclass
class FakeArcade:
    api_key: str = API_KEY
    calls: list[Call] = field(default_factory=list)
    authorizations: dict[str, dict[str, Any]] = field(default_factory=dict)
    granted: set[tuple[str, str]] = field(default_factory=set)  # (user_id, tool_name)
    tool_errors: dict[str, dict[str, Any]] = field(default_factory=dict)  # tool -> output.error
    _failures: dict[str, list[tuple[int, dict[str, Any]]]] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    # What a test makes Arcade do.
    def grant(self, user_id: str, tool_name: str) -> None:
        """The user has already authorized the tool."""
        with self._lock:
            self.granted.add((user_id, tool_name))

    def complete(self, authorization_id: str) -> None:
        """The user opened the link and authorized."""
        with self._lock:
            auth = self.authorizations[authorization_id]
            auth["status"] = "completed"
            self.granted.add((auth["user_id"], auth["_tool"]))

    def decline(self, authorization_id: str) -> None:
        with self._lock:
            self.authorizations[authorization_id]["status"] = "failed"

    def fail_next(self, path: str, status: int, body: dict[str, Any] | None = None) -> None:
        """The next call to ``path`` answers ``status`` with ``body``."""
        with self._lock:
            self._failures.setdefault(path, []).append((status, body or {"message": "boom"}))

    def calls_to(self, path: str) -> list[Call]:
        with self._lock:
            return [call for call in self.calls if call.path == path]

    # The server.
    @property
    def url(self) -> str:
        assert self._server is not None, "start() first"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> FakeArcade:
        arcade = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                arcade._handle(self, "GET")

            def do_POST(self) -> None:
                arcade._handle(self, "POST")

            def log_message(self, format: str, *args: Any) -> None:
                pass  # quiet tests

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def _handle(self, request: BaseHTTPRequestHandler, method: str) -> None:
        parts = urlsplit(request.path)
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length) if length else b""
        body = json.loads(raw) if raw else {}
        query = {name: values[0] for name, values in parse_qs(parts.query).items()}
        call = Call(method, parts.path, query, body, request.headers.get("Authorization"))
        with self._lock:
            self.calls.append(call)
            status, answer = self._answer(call)
        data = json.dumps(answer).encode()
        request.send_response(status)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(data)))
        request.end_headers()
        request.wfile.write(data)

    def _answer(self, call: Call) -> tuple[int, dict[str, Any]]:
        if call.api_key != self.api_key:
            return 401, {"name": "unauthorized", "message": "invalid API key"}
        failures = self._failures.get(call.path)
        if failures:
            return failures.pop(0)
        if (call.method, call.path) == ("POST", AUTHORIZE):
            return 200, self._authorize(call.body["user_id"], call.body["tool_name"])
        if (call.method, call.path) == ("GET", STATUS):
            auth = self.authorizations.get(call.query.get("id", ""))
            if auth is None:
                return 404, {"name": "not_found", "message": "authorization not found"}
            return 200, _public(auth)
        if (call.method, call.path) == ("POST", EXECUTE):
            return 200, self._execute(call.body)
        return 404, {"name": "not_found", "message": f"no route {call.method} {call.path}"}

    def _authorize(self, user_id: str, tool_name: str) -> dict[str, Any]:
        n = next(self._ids)
        if (user_id, tool_name) in self.granted:
            return {"id": f"ac_{n}", "status": "completed", "user_id": user_id,
                    "provider_id": "google", "scopes": []}  # fmt: skip
        auth: dict[str, Any] = {
            "id": f"auth_{n}",
            "status": "pending",
            "url": f"https://accounts.example.test/o/oauth2/auth?state=auth_{n}",
            "user_id": user_id,
            "provider_id": "google",
            "scopes": ["https://www.googleapis.com/auth/gmail.send"],
            "_tool": tool_name,
        }
        self.authorizations[auth["id"]] = auth
        return _public(auth)

    def _execute(self, body: dict[str, Any]) -> dict[str, Any]:
        n = next(self._ids)
        tool_name, user_id = body["tool_name"], body.get("user_id", "")
        head = {"id": f"te_{n}", "execution_id": f"ex_{n}", "execution_type": "immediate",
                "finished_at": "2030-01-01T00:00:00Z", "duration": 12.5}  # fmt: skip
        if (user_id, tool_name) not in self.granted:
            auth = self._authorize(user_id, tool_name)
            return {**head, "status": "failed", "success": False,
                    "output": {"authorization": auth}}  # fmt: skip
        error = self.tool_errors.get(tool_name)
        if error is not None:
            return {**head, "status": "failed", "success": False, "output": {"error": error}}
        value = {"id": f"result_{n}", "tool": tool_name, "input": body.get("input", {})}
        return {**head, "status": "success", "success": True, "output": {"value": value}}


def _public(auth: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in auth.items() if not key.startswith("_")}


@pytest.fixture
def arcade() -> Iterator[FakeArcade]:
    """A local Arcade for one test."""
    server = FakeArcade().start()
    yield server
    server.stop()


@pytest.fixture
def gateway(arcade: FakeArcade) -> Iterator[ArcadeGateway]:
    """The real arcadepy client on the local Arcade. No SDK retries: a test's 5xx answer is
    seen once, and no backoff sleeps."""
    gw = ArcadeGateway(API_KEY, arcade.url, sdk_retries=0)
    yield gw
    gw.close()
