"""The app served by uvicorn in a background thread of this process, on a free local port:
for commands that need the real HTTP and WebSocket stack in-process (``buffr call simulate``,
``buffr bench voice``) and for tests."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from api.app import create_app
from api.services import Services

START_TIMEOUT_S = 30


def free_socket() -> socket.socket:
    """A listening socket on a free port of 127.0.0.1, handed to uvicorn (no race for it)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


@contextmanager
def serving(services: Services) -> Iterator[str]:
    """Serve the app on ``services`` until the block ends; yields its base URL."""
    config = uvicorn.Config(
        create_app(services),
        log_level="warning",
        lifespan="on",
        ws="websockets-sansio",
        timeout_graceful_shutdown=3,  # open sockets must not hold the shutdown
    )
    server = uvicorn.Server(config)
    sock = free_socket()
    port = sock.getsockname()[1]
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT_S
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the in-process server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
