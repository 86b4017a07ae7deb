"""Pages served by the API: the chat widget's script, its demo page, the staff console."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
