"""The webhook half of ``buffr bench load``: Twilio's inbound SMS webhook as fast as a few
clients can post it, each request signed as Twilio signs it (so the server checks every
signature), with a MessageSid and a sender of its own (so none is a retry or rate-limited)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

import httpx

from buffr.bench.load_ws import BenchError
from channels.signature import SIGNATURE_HEADER, sign

SMS_PATH = "/channels/twilio/{slug}/sms"
ACCOUNT_SID = "AC" + "b" * 32
AUTH_TOKEN = "bench-auth-token-" + "0123456789abcdef"
TO_NUMBER = "+15005550006"


@dataclass
class WebhookResults:
    seconds: float = 0.0
    concurrency: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    latencies_ms: list[float] = field(default_factory=list)

    @property
    def requests(self) -> int:
        return sum(self.statuses.values())


def _sender(n: int) -> str:
    """A UK mobile number in the range Ofcom keeps for drama (valid E.164, never a person)."""
    return f"+4477009{n % 100_000:05d}"


async def _post(client: httpx.AsyncClient, path: str, n: int) -> httpx.Response:
    params = {
        "MessageSid": f"SM{uuid.uuid4().hex}",
        "AccountSid": ACCOUNT_SID,
        "From": _sender(n),
        "To": TO_NUMBER,
        "Body": "hello, is breakfast included?",
        "NumMedia": "0",
    }
    headers = {SIGNATURE_HEADER: sign(AUTH_TOKEN, str(client.base_url).rstrip("/") + path, params)}
    return await client.post(path, data=params, headers=headers)


def _new_client(base_url: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=base_url, trust_env=False, timeout=30)


async def _client(
    base_url: str, path: str, deadline: float, counter: list[int], results: WebhookResults
) -> None:
    async with _new_client(base_url) as client:
        while time.perf_counter() < deadline:
            counter[0] += 1
            started = time.perf_counter()
            try:
                response = await _post(client, path, counter[0])
            except httpx.HTTPError as error:
                results.errors[type(error).__name__] += 1
                continue
            results.latencies_ms.append((time.perf_counter() - started) * 1000)
            results.statuses[response.status_code] += 1


async def post_webhooks(
    base_url: str, slug: str, seconds: float, concurrency: int
) -> WebhookResults:
    """``concurrency`` clients posting signed webhooks back to back for ``seconds``."""
    results = WebhookResults(concurrency=concurrency)
    counter = [0]
    path = SMS_PATH.format(slug=slug)
    async with _new_client(base_url) as client:  # the first builds the server's job queue
        warm = await _post(client, path, 99_999)
    if warm.status_code != 200:
        raise BenchError(f"the warm-up webhook got {warm.status_code}: {warm.text[:200]}")
    started = time.perf_counter()
    deadline = started + seconds
    await asyncio.gather(
        *(_client(base_url, path, deadline, counter, results) for _ in range(concurrency))
    )
    results.seconds = time.perf_counter() - started
    return results
