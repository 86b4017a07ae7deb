"""Text out of a document's bytes: Markdown and plain text as they are, HTML reduced to
Markdown-like text (headings kept, so sections still split), PDF page by page.

Anything that cannot be read raises ``CorruptDocument``; a document with no text raises
``EmptyDocument``. Nothing here touches the database.
"""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from knowledge.errors import CorruptDocument, EmptyDocument
from knowledge.sources import RawDocument

_BLOCK_TAGS = (
    "p", "div", "section", "article", "main", "header", "aside", "li", "ul", "ol", "tr",
    "table", "blockquote", "pre", "dd", "dt", "figure", "br", "hr",
)  # fmt: skip
_DROP_TAGS = ("script", "style", "noscript", "template", "svg", "iframe", "head")
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$")


@dataclass(frozen=True)
class Section:
    """A stretch of a document's text with what locates it (e.g. ``{"page": 3}``)."""

    text: str
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ExtractedDocument:
    title: str
    markdown: bool  # Markdown headings in the text delimit sections
    sections: list[Section]

    @property
    def characters(self) -> int:
        return sum(len(s.text) for s in self.sections)


def extract(raw: RawDocument) -> ExtractedDocument:
    """The text of ``raw``, by its media type."""
    if raw.media_type == "application/pdf":
        document = _pdf(raw)
    elif raw.media_type == "text/html":
        document = _html(raw)
    else:
        text = _clean(_decode(raw))
        markdown = raw.media_type == "text/markdown"
        title = (_first_heading(text) if markdown else None) or _title_from_name(raw.name)
        document = ExtractedDocument(title, markdown, [Section(text)])
    if not any(s.text.strip() for s in document.sections):
        hint = " (a scanned PDF needs OCR first)" if raw.media_type == "application/pdf" else ""
        raise EmptyDocument(f"{raw.source} has no text to index{hint}.")
    return document


def _decode(raw: RawDocument) -> str:
    try:
        text = raw.data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise CorruptDocument(
            f"{raw.source} is not UTF-8 text (byte {error.start} cannot be decoded)."
        ) from error
    if "\x00" in text:
        raise CorruptDocument(f"{raw.source} looks binary, not {raw.media_type} text.")
    return text


def _clean(text: str) -> str:
    """Uniform line ends, no trailing spaces, at most one blank line in a row."""
    lines = [re.sub(r"[ \t\f\v\xa0]+", " ", line).strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _first_heading(text: str) -> str | None:
    for line in text.splitlines():
        match = _HEADING.match(line)
        if match:
            return match.group(1).strip()
    return None


def _title_from_name(name: str) -> str:
    stem = PurePath(name).stem or name
    return re.sub(r"[-_]+", " ", stem).strip().capitalize() or "Untitled"


def _html(raw: RawDocument) -> ExtractedDocument:
    from bs4 import BeautifulSoup, Tag

    soup = BeautifulSoup(_decode(raw), "html.parser")
    title_tag = soup.find("title")
    page_title = title_tag.get_text(" ", strip=True) if isinstance(title_tag, Tag) else ""
    for tag in soup.find_all(_DROP_TAGS):
        tag.decompose()
    first_h1 = soup.find("h1")
    for level in range(1, 7):
        for heading in soup.find_all(f"h{level}"):
            words = heading.get_text(" ", strip=True)
            heading.replace_with(f"\n\n{'#' * level} {words}\n\n")
    for item in soup.find_all("li"):
        item.insert(0, "- ")
    for block in soup.find_all(_BLOCK_TAGS):
        block.insert_before("\n")
        block.insert_after("\n")
    text = _clean(soup.get_text())
    h1_text = first_h1.get_text(" ", strip=True) if isinstance(first_h1, Tag) else ""
    title = page_title or h1_text or _title_from_name(raw.name)
    return ExtractedDocument(title, True, [Section(text)])


def _pdf(raw: RawDocument) -> ExtractedDocument:
    from pypdf import PdfReader

    if not raw.data.lstrip()[:5] == b"%PDF-":
        raise CorruptDocument(f"{raw.source} is not a PDF (it does not start with %PDF-).")
    # pypdf logs every repair it attempts on a damaged file; the error below says it once.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(raw.data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise CorruptDocument(f"{raw.source} is a password-protected PDF.")
        sections = [
            Section(_clean(page.extract_text() or ""), {"page": number})
            for number, page in enumerate(reader.pages, start=1)
        ]
        info = reader.metadata
        meta_title = (info.title or "").strip() if info is not None else ""
    except CorruptDocument:
        raise
    except Exception as error:  # pypdf raises many types for malformed files
        raise CorruptDocument(f"{raw.source} is a damaged PDF: {error}.") from error
    return ExtractedDocument(meta_title or _title_from_name(raw.name), False, sections)
