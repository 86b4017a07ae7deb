"""A stand-in for Twilio's REST API: a local HTTP server in a thread that records every
message request and answers like Twilio (201 with a JSON body carrying an "SM..." SID).

Point ``Settings.twilio_api_base`` at ``recorder.url``. ``fail_with`` makes it answer that
status instead (500: Twilio is down; 400: Twilio refuses), to exercise retries.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs


@dataclass
class Recorded:
    path: str
    form: dict[str, str]
    user: str
    password: str
    status: int
    sid: str | None = None

    @property
    def to(self) -> str:
        return self.form.get("To", "")

    @property
    def body(self) -> str | None:
        return self.form.get("Body")


@dataclass
class TwilioRecorder:
    host: str = "127.0.0.1"
    port: int = 0
    fail_with: int | None = None
    requests: list[Recorded] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> TwilioRecorder:
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode()
                form = {k: v[-1] for k, v in parse_qs(raw, keep_blank_values=True).items()}
                user, password = _basic_auth(self.headers.get("Authorization", ""))
                status = recorder.fail_with or 201
                sid = f"SM{uuid.uuid4().hex}" if status == 201 else None
                with recorder._lock:
                    recorder.requests.append(Recorded(self.path, form, user, password, status, sid))
                if sid is not None:
                    answer: dict[str, Any] = {
                        "sid": sid,
                        "status": "queued",
                        "to": form.get("To"),
                        "from": form.get("From"),
                        "body": form.get("Body"),
                    }
                else:
                    answer = {"code": 20500 if status >= 500 else 21211, "status": status,
                              "message": "Recorder told to fail"}  # fmt: skip
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer((self.host, self.port), Handler)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def sent(self, to: str | None = None) -> list[Recorded]:
        """The requests Twilio accepted (201), to ``to`` if given."""
        with self._lock:
            return [r for r in self.requests if r.status == 201 and (to is None or r.to == to)]

    def all(self, to: str | None = None) -> list[Recorded]:
        with self._lock:
            return [r for r in self.requests if to is None or r.to == to]

    def wait_for(self, count: int, to: str | None = None, timeout: float = 20.0) -> list[Recorded]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.sent(to)
            if len(found) >= count:
                return found
            time.sleep(0.05)
        return self.sent(to)


def _basic_auth(header: str) -> tuple[str, str]:
    if not header.startswith("Basic "):
        return "", ""
    user, _, password = base64.b64decode(header[6:]).decode().partition(":")
    return user, password


@contextmanager
def twilio_recorder() -> Iterator[TwilioRecorder]:
    recorder = TwilioRecorder().start()
    try:
        yield recorder
    finally:
        recorder.stop()
