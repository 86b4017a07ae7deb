"""The REST resources of a property, each a router of its own (see ``api.app``)."""

from __future__ import annotations

from fastapi import APIRouter

REST_ROUTERS: tuple[APIRouter, ...] = ()
