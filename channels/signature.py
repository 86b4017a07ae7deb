"""Checking that a webhook request really comes from Twilio (``X-Twilio-Signature``).

Twilio signs the full URL it requested plus the sorted POST parameters with the account's auth
token. Behind a proxy the URL the app sees (http://10.0.0.5:8000/...) is not the one Twilio
requested, so the configured ``public_url`` replaces scheme, host and port when it is set.
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.requests import Request
from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]

from buffr.settings import Settings

SIGNATURE_HEADER = "X-Twilio-Signature"


def signed_url(settings: Settings, request: Request) -> str:
    """The URL Twilio signed: ``public_url`` + path (+ query) when configured, else the
    request's own URL."""
    if not settings.public_url:
        return str(request.url)
    url = settings.public_url.rstrip("/") + request.url.path
    query = request.url.query
    return f"{url}?{query}" if query else url


def is_valid(settings: Settings, url: str, params: Mapping[str, str], signature: str) -> bool:
    """Whether ``signature`` is Twilio's signature of ``url`` and ``params``."""
    token = settings.twilio_auth_token
    if token is None or not signature:
        return False
    return bool(RequestValidator(token.get_secret_value()).validate(url, dict(params), signature))


def sign(auth_token: str, url: str, params: Mapping[str, str]) -> str:
    """Twilio's signature of a request (tests and local tools play Twilio with it)."""
    return str(RequestValidator(auth_token).compute_signature(url, dict(params)))
