"""Sending a message through Twilio's REST API.

A plain ``httpx`` POST to ``{twilio_api_base}/2010-04-01/Accounts/{sid}/Messages.json`` with
Basic auth, rather than the ``twilio`` package's ``Client``: the base URL is then one setting
(tests point it at a local recording server) and the failure modes map cleanly onto the
worker's retry policy:

* network errors, timeouts, 429 and 5xx → :class:`TwilioUnavailable` (retried with backoff);
* any other 4xx → :class:`TwilioRejected` (a permanent error: retrying cannot help).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx

from buffr.settings import Settings
from channels.errors import PermanentError

TIMEOUT = httpx.Timeout(10.0, connect=5.0)
MAX_BODY_CHARS = 1600  # Twilio refuses longer bodies


class TwilioError(Exception):
    """Twilio could not take the message."""


class TwilioUnavailable(TwilioError):
    """A transient failure (network, timeout, 429, 5xx): try again later."""


class TwilioRejected(TwilioError, PermanentError):
    """Twilio refused the request (4xx): bad number, unverified sender, bad template..."""


class TwilioNotConfigured(PermanentError):
    """No Twilio account SID or auth token is configured."""


@dataclass(frozen=True)
class OutgoingMessage:
    to: str
    from_: str
    body: str | None = None
    content_sid: str | None = None
    content_variables: dict[str, str] | None = None
    status_callback: str | None = None

    def form(self) -> dict[str, str]:
        data = {"To": self.to, "From": self.from_}
        if self.content_sid:
            data["ContentSid"] = self.content_sid
            if self.content_variables:
                data["ContentVariables"] = json.dumps(self.content_variables, ensure_ascii=False)
        else:
            data["Body"] = (self.body or "")[:MAX_BODY_CHARS]
        if self.status_callback:
            data["StatusCallback"] = self.status_callback
        return data


class TwilioClient:
    def __init__(self, settings: Settings, http: httpx.Client | None = None) -> None:
        if not settings.twilio_account_sid or settings.twilio_auth_token is None:
            raise TwilioNotConfigured(
                "Twilio is not configured: set BUFFR_TWILIO_ACCOUNT_SID and "
                "BUFFR_TWILIO_AUTH_TOKEN."
            )
        self.account_sid = settings.twilio_account_sid
        self._auth = (self.account_sid, settings.twilio_auth_token.get_secret_value())
        base = settings.twilio_api_base.rstrip("/")
        self.messages_url = f"{base}/2010-04-01/Accounts/{self.account_sid}/Messages.json"
        self._http = http

    def send(self, message: OutgoingMessage) -> str:
        """Send ``message``; returns the message SID Twilio assigned ("SM...")."""
        try:
            if self._http is not None:
                response = self._post(self._http, message)
            else:
                with httpx.Client(timeout=TIMEOUT) as http:
                    response = self._post(http, message)
        except httpx.HTTPError as error:
            raise TwilioUnavailable(
                f"Twilio unreachable: {type(error).__name__}: {error}"
            ) from error
        status = response.status_code
        if status == 429 or status >= 500:
            raise TwilioUnavailable(f"Twilio answered {status}: {_detail(response)}")
        if status >= 400:
            raise TwilioRejected(f"Twilio refused the message ({status}): {_detail(response)}")
        try:
            sid = response.json()["sid"]
        except (ValueError, KeyError, TypeError) as error:
            raise TwilioUnavailable(f"Twilio answered {status} without a message SID") from error
        return str(sid)

    def update_call(self, call_sid: str, twiml: str) -> None:
        """Give a live call new instructions (e.g. ``<Dial>`` a person when the caller asks)."""
        base = self.messages_url.removesuffix("/Messages.json")
        try:
            with httpx.Client(timeout=TIMEOUT) as http:
                response = http.post(
                    f"{base}/Calls/{call_sid}.json", data={"Twiml": twiml}, auth=self._auth
                )
        except httpx.HTTPError as error:
            raise TwilioUnavailable(
                f"Twilio unreachable: {type(error).__name__}: {error}"
            ) from error
        if response.status_code >= 400:
            raise TwilioRejected(
                f"Twilio refused the call update ({response.status_code}): {_detail(response)}"
            )

    def _post(self, http: httpx.Client, message: OutgoingMessage) -> httpx.Response:
        return http.post(self.messages_url, data=message.form(), auth=self._auth)


def _detail(response: httpx.Response) -> str:
    try:
        body: Any = response.json()
    except ValueError:
        return response.text[:300]
    if isinstance(body, dict):
        code, text = body.get("code"), body.get("message")
        if text:
            return f"{text} (code {code})" if code else str(text)
    return response.text[:300]
