"""A small gateway over the ``arcadepy`` SDK: the three calls the Arcade actions need, with
Arcade's answers turned into typed results and its failures into the two errors callers act on.

- ``authorize``: ``POST /v1/tools/authorize`` ``{tool_name, user_id}``. Completed when the user
  already granted what the tool needs; otherwise pending, with the URL the user must open.
- ``status``: ``GET /v1/auth/status?id=...``: where a pending authorization stands now. Never
  long-polls (``wait``): a resume asks and moves on, the sweep asks again later.
- ``execute``: ``POST /v1/tools/execute`` ``{tool_name, input, user_id}``. Not retried by the SDK:
  a retry after a timeout could send an e-mail twice, so retrying is the caller's decision.

Failures: :class:`ArcadeUnavailable` (network, timeout, 429, 5xx: try again later) and
:class:`ArcadeRefused` (any other 4xx, a tool error Arcade says not to retry: retrying will not
help). Both are :class:`~tools.base.ToolError`, so a model sees one plain sentence.
"""

from __future__ import annotations

from typing import Any, Literal

import arcadepy
from pydantic import BaseModel

from buffr.settings import Settings
from tools.base import ToolError
from tools.effects import reached_outside

AuthorizationStatus = Literal["not_started", "pending", "completed", "failed"]
TIMEOUT_SECONDS = 20.0
SDK_RETRIES = 2  # authorize and status only: asking twice changes nothing


class ArcadeUnavailable(ToolError):
    """Arcade could not be reached or is overloaded: the same call may work later."""


class ArcadeRefused(ToolError):
    """Arcade refused the call (bad key, bad input, a tool error): retrying will not help."""


class Authorization(BaseModel):
    id: str | None = None
    status: AuthorizationStatus = "not_started"
    url: str | None = None

    @property
    def completed(self) -> bool:
        return self.status == "completed"


class Execution(BaseModel):
    """What ``execute`` returned. ``authorization`` is set when Arcade still wants the user to
    authorize (e.g. the tool needs a scope granted since); ``value`` is the tool's output."""

    success: bool
    value: Any = None
    error: str | None = None
    can_retry: bool = False
    authorization: Authorization | None = None
    execution_id: str | None = None


class ArcadeGateway:
    """Arcade's API at ``base_url`` with ``api_key``."""

    def __init__(
        self,
        api_key: str,
        base_url: str,
        *,
        timeout: float = TIMEOUT_SECONDS,
        sdk_retries: int = SDK_RETRIES,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._client = arcadepy.Arcade(
            api_key=api_key, base_url=self.base_url, timeout=timeout, max_retries=sdk_retries
        )

    def authorize(self, tool_name: str, user_id: str) -> Authorization:
        try:
            response = self._client.tools.authorize(tool_name=tool_name, user_id=user_id)
        except arcadepy.APIError as error:
            raise _translated(error, f"authorize {tool_name}") from error
        return _authorization(response)

    def status(self, authorization_id: str) -> Authorization:
        try:
            response = self._client.auth.status(id=authorization_id)
        except arcadepy.APIError as error:
            raise _translated(error, "check an authorization") from error
        return _authorization(response)

    def execute(self, tool_name: str, user_id: str, tool_input: dict[str, Any]) -> Execution:
        reached_outside(f"arcade {tool_name}")  # the turn must not be run again (tools.effects)
        try:
            response = self._client.with_options(max_retries=0).tools.execute(
                tool_name=tool_name, input=tool_input, user_id=user_id
            )
        except arcadepy.APIError as error:
            raise _translated(error, f"run {tool_name}") from error
        output = response.output
        if response.success:
            return Execution(
                success=True,
                value=output.value if output is not None else None,
                execution_id=response.execution_id,
            )
        if output is not None and output.authorization is not None:
            authorization = _authorization(output.authorization)
            if not authorization.completed:
                return Execution(success=False, authorization=authorization)
        if output is not None and output.error is not None:
            return Execution(
                success=False,
                error=output.error.message,
                can_retry=output.error.can_retry,
                execution_id=response.execution_id,
            )
        return Execution(success=False, error="Arcade reported a failure without a reason.")

    def close(self) -> None:
        self._client.close()


def build_gateway(settings: Settings) -> ArcadeGateway | None:
    """The gateway when ``BUFFR_ARCADE_API_KEY`` is set, else None (the tools are absent)."""
    if settings.arcade_api_key is None:
        return None
    return ArcadeGateway(settings.arcade_api_key.get_secret_value(), settings.arcade_base_url)


def _authorization(response: arcadepy.types.shared.AuthorizationResponse) -> Authorization:
    return Authorization(
        id=response.id, status=response.status or "not_started", url=response.url or None
    )


def _translated(error: arcadepy.APIError, doing: str) -> ToolError:
    if isinstance(error, arcadepy.APIConnectionError):  # includes timeouts
        return ArcadeUnavailable(f"Arcade could not be reached to {doing}; try again shortly.")
    if isinstance(error, arcadepy.APIStatusError):
        code = error.status_code
        if code == 429 or code >= 500:
            return ArcadeUnavailable(f"Arcade is busy ({code}) and could not {doing}; try again.")
        if code in (401, 403):
            return ArcadeRefused(
                f"Arcade refused the API key ({code}) when asked to {doing}; "
                "check BUFFR_ARCADE_API_KEY."
            )
        return ArcadeRefused(f"Arcade refused to {doing} ({code}): {_reason(error.body)}")
    return ArcadeRefused(f"Arcade gave an answer that could not be read when asked to {doing}.")


def _reason(body: object) -> str:
    """Arcade's own sentence from an error body, if it has one."""
    if isinstance(body, dict):
        for key in ("message", "error", "detail"):
            value = body.get(key)
            if isinstance(value, str) and value:
                return value[:300]
    return str(body)[:300] if body else "no reason given"
