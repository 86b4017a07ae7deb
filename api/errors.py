"""Bad input gets a clear 4xx, never a 5xx: known failures mapped to status codes.

Every error body has the same shape, ``{"detail": "..."}`` (FastAPI's own), so clients and the
console show one sentence.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request, status
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, IntegrityError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from buffr.db.session import CommitOutcomeUnknown, UnknownProperty

log = logging.getLogger(__name__)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(UnknownProperty)
    async def unknown_property(_: Request, error: UnknownProperty) -> JSONResponse:
        return _error(status.HTTP_404_NOT_FOUND, str(error))

    @app.exception_handler(CommitOutcomeUnknown)
    async def unknown_outcome(_: Request, error: CommitOutcomeUnknown) -> JSONResponse:
        return _error(status.HTTP_503_SERVICE_UNAVAILABLE, str(error))

    @app.exception_handler(IntegrityError)
    async def conflict(_: Request, error: IntegrityError) -> JSONResponse:
        # A constraint refused the write (a double booking, a duplicate): the client's data
        # conflicts with what is stored. The constraint name says which rule.
        constraint = getattr(getattr(error.orig, "diag", None), "constraint_name", None)
        rule = f" ({constraint})" if constraint else ""
        return _error(status.HTTP_409_CONFLICT, f"That conflicts with existing data{rule}.")

    @app.exception_handler(DataError)
    async def bad_value(_: Request, error: DataError) -> JSONResponse:
        first = str(error.orig).strip().splitlines()[0] if error.orig else "invalid value"
        return _error(status.HTTP_422_UNPROCESSABLE_CONTENT, f"A value is invalid: {first}")


def _error(code: int, detail: str) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=code)


class BodyLimit:
    """Refuse request bodies over ``limit`` bytes with 413, whether or not the client sent a
    Content-Length (a chunked body is counted as it arrives)."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await _too_large(self.limit, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _TooLarge
            return message

        try:
            await self.app(scope, counted, send)
        except _TooLarge:
            await _too_large(self.limit, send)


class _TooLarge(Exception):
    pass


async def _too_large(limit: int, send: Send) -> None:
    response = JSONResponse(
        {"detail": f"The request body is larger than {limit:,} bytes."},
        status_code=status.HTTP_413_CONTENT_TOO_LARGE,
    )
    await send(
        {
            "type": "http.response.start",
            "status": response.status_code,
            "headers": response.raw_headers,
        }
    )
    await send({"type": "http.response.body", "body": response.body})
