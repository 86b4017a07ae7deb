"""Pages served by the API: the chat widget's script, its demo page, the staff console.

Plain files from ``api/static`` (no build step). The console's shell is public: it holds no
data, only the login form and the scripts; every piece of data comes from the REST routes,
which check the staff member's token.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, HTTPException
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, RedirectResponse

STATIC = Path(__file__).parent / "static"
CONSOLE = STATIC / "console"

# The console's assets, by name: a fixed list, so no request can walk outside the folder.
_ASSETS = {
    "console.js": "text/javascript; charset=utf-8",
    "console.css": "text/css; charset=utf-8",
    "chart.js": "text/javascript; charset=utf-8",
}

# The pages and scripts change with each release and are small: revalidate every time.
_NO_CACHE = {"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}
# The console shows guests' data: no framing by other sites, no referrer, no outside scripts.
_CONSOLE_HEADERS = {
    **_NO_CACHE,
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
}

router = APIRouter(include_in_schema=False)


@router.get("/widget.js")
async def widget() -> FileResponse:
    """The chat widget; any site embeds it with one script tag."""
    headers = {**_NO_CACHE, "Access-Control-Allow-Origin": "*"}
    return FileResponse(
        STATIC / "widget.js", media_type="text/javascript; charset=utf-8", headers=headers
    )


@router.get("/demo")
async def demo() -> FileResponse:
    """A mock website of the demo hotel with the widget on it."""
    return FileResponse(
        STATIC / "demo.html", media_type="text/html; charset=utf-8", headers=_NO_CACHE
    )


@router.get("/console")
async def console() -> FileResponse:
    """The staff console's shell (login form and tabs); its scripts call the REST routes."""
    return FileResponse(
        CONSOLE / "index.html", media_type="text/html; charset=utf-8", headers=_CONSOLE_HEADERS
    )


@router.get("/console/")
async def console_slash() -> RedirectResponse:
    return RedirectResponse("/console", status_code=308)


@router.get("/console/assets/{name}")
async def console_asset(
    name: Annotated[str, PathParam(pattern=r"^[a-z]+\.(js|css)$")],
) -> FileResponse:
    media_type = _ASSETS.get(name)
    if media_type is None:
        raise HTTPException(404, "No such asset.")
    return FileResponse(CONSOLE / name, media_type=media_type, headers=_NO_CACHE)
