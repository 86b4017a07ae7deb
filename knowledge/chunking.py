"""Chunks from extracted text, with llama-index's node parsers.

Markdown (and HTML, which extraction turns into Markdown-like text) is first cut at its
headings (``MarkdownNodeParser``), so a chunk never straddles two sections and carries the
path of headings above it; each section, and each PDF page, is then split into chunks of at most
the embedder's ``chunk_tokens`` tokens (``SentenceSplitter``), preferring sentence boundaries.

Sentences are cut by a small regular expression instead of llama-index's default NLTK punkt
model: NLTK refuses to open its data files when they are hard-linked (as uv installs them),
and the regex needs no data files at all.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from knowledge.extract import ExtractedDocument

OVERLAP_FRACTION = 0.15
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’)\]]*\s+|\n+")
_HEADING_LINE = re.compile(r"^#{1,6}\s+", re.MULTILINE)
_PATH_SEPARATOR = "\x1f"  # heading texts may contain "/", the parser's default separator

Tokenize = Callable[[str], Sequence[object]]


@dataclass(frozen=True)
class Chunk:
    """One piece of a document: ``text`` is stored and shown; ``embed_text`` (the text under
    its section headings) is what gets embedded."""

    text: str
    embed_text: str
    metadata: dict[str, Any] = field(default_factory=dict)


def split_sentences(text: str) -> list[str]:
    """Sentences and lines of ``text``, each keeping its trailing whitespace, so that joining
    them gives ``text`` back (the splitter relies on that)."""
    pieces: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        if match.end() > start:
            pieces.append(text[start : match.end()])
            start = match.end()
    if start < len(text):
        pieces.append(text[start:])
    return pieces


def chunk_document(
    document: ExtractedDocument, tokenize: Tokenize, chunk_tokens: int
) -> list[Chunk]:
    """The document's chunks in reading order (empty sections give none)."""
    from llama_index.core.node_parser import SentenceSplitter

    splitter = SentenceSplitter(
        chunk_size=chunk_tokens,
        chunk_overlap=int(chunk_tokens * OVERLAP_FRACTION),
        tokenizer=tokenize,
        paragraph_separator="\n\n",
        chunking_tokenizer_fn=split_sentences,
        include_metadata=False,
        include_prev_next_rel=False,
    )
    chunks: list[Chunk] = []
    for text, headings, metadata in _sections(document):
        if not _has_body(text):
            continue  # a heading alone: its text lives on in the path of the sections below
        for piece in splitter.split_text(text):
            piece = piece.strip()
            if not piece:
                continue
            # A piece that opens with its own heading needs only the headings above it.
            above = headings[:-1] if _HEADING_LINE.match(piece) else headings
            plain = _HEADING_LINE.sub("", piece)
            embed_text = "\n".join([" > ".join(above), plain]) if above else plain
            meta = dict(metadata)
            if headings:
                meta["section"] = " > ".join(headings)
            chunks.append(Chunk(piece, embed_text, meta))
    return chunks


def _sections(
    document: ExtractedDocument,
) -> list[tuple[str, list[str], dict[str, Any]]]:
    """(text, headings above it, metadata) for each section of the document."""
    if not document.markdown:
        return [(s.text, [], s.metadata) for s in document.sections]
    from llama_index.core import Document
    from llama_index.core.node_parser import MarkdownNodeParser

    parser = MarkdownNodeParser(header_path_separator=_PATH_SEPARATOR, include_prev_next_rel=False)
    found: list[tuple[str, list[str], dict[str, Any]]] = []
    for section in document.sections:
        for node in parser.get_nodes_from_documents([Document(text=section.text)]):
            path = str(node.metadata.get("header_path", ""))
            headings = [h for h in path.split(_PATH_SEPARATOR) if h.strip()]
            own = _HEADING_LINE.match(node.get_content())
            if own:
                first_line = node.get_content().splitlines()[0]
                headings.append(_HEADING_LINE.sub("", first_line).strip())
            found.append((node.get_content(), headings, dict(section.metadata)))
    return found


def _has_body(text: str) -> bool:
    return any(line.strip() and not _HEADING_LINE.match(line) for line in text.splitlines())
