"""Where documents come from: a file, a folder (recursively), or an http(s) URL fetched by the
server. Each becomes a ``RawDocument``: its bytes, its media type and the source that names it.

Sizes are checked before anything is read (``stat`` for files, ``Content-Length`` and a running
count for downloads), so a 50 MB file is refused without loading it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from urllib.parse import unquote, urlparse

from knowledge.errors import (
    DocumentTooLarge,
    EmptyDocument,
    SourceUnreachable,
    UnsupportedDocument,
)

MediaType = Literal["text/markdown", "text/plain", "text/html", "application/pdf"]

MEDIA_BY_SUFFIX: dict[str, MediaType] = {
    ".md": "text/markdown",
    ".markdown": "text/markdown",
    ".txt": "text/plain",
    ".text": "text/plain",
    ".html": "text/html",
    ".htm": "text/html",
    ".pdf": "application/pdf",
}
MEDIA_BY_CONTENT_TYPE: dict[str, MediaType] = {
    "text/markdown": "text/markdown",
    "text/x-markdown": "text/markdown",
    "text/plain": "text/plain",
    "text/html": "text/html",
    "application/xhtml+xml": "text/html",
    "application/pdf": "application/pdf",
}
SUPPORTED = "Markdown (.md), plain text (.txt), HTML (.html) or PDF (.pdf)"


@dataclass(frozen=True)
class RawDocument:
    """A document's bytes before extraction. ``source`` names it within a property: re-ingesting
    the same source replaces it."""

    source: str
    media_type: MediaType
    data: bytes = field(repr=False)
    name: str  # a file name, for a title when the document has none

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def is_url(target: str) -> bool:
    return target.startswith(("http://", "https://"))


def media_type_for(path: Path) -> MediaType:
    media = MEDIA_BY_SUFFIX.get(path.suffix.lower())
    if media is None:
        raise UnsupportedDocument(
            f"{path} is not a supported type ({path.suffix or 'no extension'}): use {SUPPORTED}."
        )
    return media


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


def _too_large(what: str, size: int | None, limit: int) -> DocumentTooLarge:
    actual = f"is {_megabytes(size)}" if size is not None else "is larger than that"
    return DocumentTooLarge(
        f"{what} {actual}; the limit is {_megabytes(limit)} (BUFFR_KB_MAX_DOCUMENT_MB)."
    )


def read_file(path: Path, max_bytes: int, source: str | None = None) -> RawDocument:
    """One file, refused before reading when it is over ``max_bytes``."""
    media = media_type_for(path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise _too_large(str(path), size, max_bytes)
        data = path.read_bytes()
    except OSError as error:
        raise SourceUnreachable(f"Cannot read {path}: {error.strerror or error}.") from error
    return RawDocument(source or str(path.resolve()), media, data, path.name)


def files_in(target: str) -> tuple[list[Path], list[Path]]:
    """The supported files a path names, and the files of a folder that were skipped.

    A single file of an unsupported type is an error; in a folder such files (images, hidden
    files) are skipped and reported, and a folder with nothing supported is an error."""
    path = Path(target).expanduser()
    if not path.exists():
        raise SourceUnreachable(f"{target}: no such file or folder.")
    if not path.is_dir():
        media_type_for(path)
        return [path], []
    found: list[Path] = []
    skipped: list[Path] = []
    for child in sorted(path.rglob("*")):
        if not child.is_file() or any(p.startswith(".") for p in child.relative_to(path).parts):
            continue
        (found if child.suffix.lower() in MEDIA_BY_SUFFIX else skipped).append(child)
    if not found:
        raise EmptyDocument(f"{target} holds no {SUPPORTED} files.")
    return found, skipped


def fetch_url(url: str, max_bytes: int, timeout_s: float = 20.0) -> RawDocument:
    """Download ``url`` (following redirects) and tell its type from the response."""
    import httpx

    if urlparse(url).scheme not in ("http", "https"):
        raise UnsupportedDocument(f"{url}: only http and https URLs can be fetched.")
    try:
        with (
            httpx.Client(
                timeout=timeout_s,
                follow_redirects=True,
                headers={"User-Agent": "buffr-knowledge/1"},
            ) as client,
            client.stream("GET", url) as response,
        ):
            if response.status_code >= 400:
                raise SourceUnreachable(f"{url} answered HTTP {response.status_code}.")
            media = _url_media_type(url, response.headers.get("content-type", ""))
            declared = response.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise _too_large(url, int(declared), max_bytes)
            data = b"".join(_capped(response.iter_bytes(), url, max_bytes))
    except httpx.HTTPError as error:
        reason = str(error) or type(error).__name__
        raise SourceUnreachable(f"Could not fetch {url}: {reason}.") from error
    name = Path(unquote(urlparse(url).path)).name or urlparse(url).netloc
    return RawDocument(url, media, data, name)


def _capped(chunks: Iterator[bytes], url: str, max_bytes: int) -> Iterator[bytes]:
    received = 0
    for chunk in chunks:
        received += len(chunk)
        if received > max_bytes:
            raise _too_large(url, None, max_bytes)
        yield chunk


def _url_media_type(url: str, content_type: str) -> MediaType:
    """The server's Content-Type, except that a generic one (text/plain, octet-stream, none)
    yields to a known extension: raw Markdown is usually served as text/plain."""
    declared = content_type.split(";", 1)[0].strip().lower()
    by_suffix = MEDIA_BY_SUFFIX.get(Path(urlparse(url).path).suffix.lower())
    if by_suffix and declared in ("", "text/plain", "application/octet-stream"):
        return by_suffix
    media = MEDIA_BY_CONTENT_TYPE.get(declared)
    if media is None:
        raise UnsupportedDocument(f"{url} is {declared or 'of no declared type'}: use {SUPPORTED}.")
    return media
