"""Chat over HTTP (one turn) and over a WebSocket (streamed)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["chat"])
