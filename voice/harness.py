"""Placing simulated calls against the service: in-process (the app served from this process
with simulator Twilio credentials) or against a running one, and reading back what the server
recorded about each turn. Used by ``buffr call simulate``, ``buffr bench voice`` and tests."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from pydantic import SecretStr

from api.local_server import serving
from api.services import ChatModelFactory, Services, build_services
from buffr.db.session import Database
from buffr.services import Endpoints
from buffr.settings import Settings
from voice.calls import call_turns
from voice.simulator import CallResult, Step, simulate_call

SIMULATOR_ACCOUNT = "AC" + "5" * 32
RECORD_TIMEOUT_S = 15.0
REFUSED = 1008  # the socket's close code for a stream without a valid token


@dataclass
class SimulatedCall:
    result: CallResult
    end_reason: str | None
    turns: list[dict[str, Any]]


def simulator_settings(settings: Settings) -> Settings:
    """``settings`` with Twilio credentials the simulator signs with (never real ones) and no
    public URL, so signatures are checked against the local address."""
    return settings.model_copy(
        update={
            "twilio_account_sid": SIMULATOR_ACCOUNT,
            "twilio_auth_token": SecretStr(secrets.token_hex(16)),
            "public_url": None,
            "voice_warm_on_start": False,
        }
    )


@contextmanager
def local_service(
    settings: Settings, endpoints: Endpoints, chat_model: ChatModelFactory | None = None
) -> Iterator[tuple[str, Services]]:
    """The app on ``endpoints`` served in this process; yields (base URL, services)."""
    services = build_services(simulator_settings(settings), chat_model, endpoints)
    try:
        with serving(services) as url:
            yield url, services
    finally:
        services.redis.close()
        services.db.dispose()


def place_call(
    base_url: str,
    db: Database,
    settings: Settings,
    slug: str,
    steps: list[Step],
    *,
    caller: str,
    speed: float = 1.0,
    **options: Any,
) -> SimulatedCall:
    """Play ``steps`` as ``caller``, then read the call's turns as the server recorded them."""
    token = settings.twilio_auth_token
    if token is None:
        raise ValueError("BUFFR_TWILIO_AUTH_TOKEN is needed to sign the simulated webhook.")
    result = asyncio.run(
        simulate_call(
            base_url,
            slug,
            steps,
            caller=caller,
            auth_token=token.get_secret_value(),
            account_sid=settings.twilio_account_sid or SIMULATOR_ACCOUNT,
            speed=speed,
            **options,
        )
    )
    if result.close_code == REFUSED:
        return SimulatedCall(result, None, [])  # the stream was refused: no call to read
    end_reason, turns = recorded_turns(db, slug, result.call_sid)
    return SimulatedCall(result, end_reason, turns)


def recorded_turns(
    db: Database, slug: str, call_sid: str, timeout_s: float = RECORD_TIMEOUT_S
) -> tuple[str | None, list[dict[str, Any]]]:
    """The call's end reason and turns once the server has closed it (it does so right after
    the socket ends, finishing any turn still running first)."""
    property_id = db.property_id(slug)
    deadline = time.monotonic() + timeout_s
    while True:
        end_reason, turns = call_turns(db, property_id, call_sid)
        if end_reason is not None or time.monotonic() > deadline:
            return end_reason, turns
        time.sleep(0.1)
