"""Answers from the property's documents, quoted, with the source named.

The answer is extractive: the sentences of the best passage that are closest to the question,
word for word, and the document they come from. A small local model paraphrasing a passage can
change a time or a price; a quote cannot. When nothing in the documents is close enough, the
guest hears "I don't know" and a colleague is called (a handoff), never a guess.
"""

from __future__ import annotations

import re

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from agents.reception.steps import Step, action
from domain.knowledge import KnowledgeChunk
from knowledge.config import get_knowledge_settings
from knowledge.embedders import Embedder, get_embedder
from knowledge.models import SearchHit
from knowledge.remembering import remembering
from knowledge.search import hybrid_search
from tools.base import ToolContext
from tools.reception import HandoffArgs, handoff_to_staff

# Cosine similarity (all-MiniLM-L6-v2) of the best passage below which the documents are taken
# not to answer the question. Measured on the demo documents: answerable questions scored
# 0.45-0.8, unanswerable ones ("do you have a helipad?") 0.15-0.35.
CONFIDENT_SIMILARITY = 0.40
MAX_SENTENCES = 3
MAX_SECTION_SENTENCES = 6
SHORT_PASSAGE = 280  # characters: a passage this short is quoted whole

_BLOCK_START = re.compile(r"^\s*(#+|[-*•]|\d+\.)\s+")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}")
DONT_KNOW = "I don't know that, I'm afraid. Let me get a colleague who can help"


def answer_from_documents(ctx: ToolContext, question: str) -> Step:
    settings = get_knowledge_settings()
    # The question is embedded by the search and again by the quote, and the quoted passages
    # are the same document sections turn after turn: their vectors are remembered.
    embedder = remembering(get_embedder(settings))
    hits = hybrid_search(
        ctx.session, ctx.property_id, question, embedder, k=3, ef_search=settings.kb_ef_search
    )
    found = action("knowledge_search", {"query": question}, [_shown(h) for h in hits])
    best = _best(hits)
    if best is None:
        args = HandoffArgs(reason=f"Question the documents don't answer: {question}"[:500])
        handed = handoff_to_staff(ctx, args)
        return Step(
            reply=f"{DONT_KNOW}: {handed.message}",
            actions=[found, action("handoff_to_staff", args, handed)],
            handed_off=True,
        )
    quote = _quote(best.text, question, embedder)
    return Step(reply=f"{quote}\n(Source: {best.title})", actions=[found])


def _best(hits: list[SearchHit]) -> SearchHit | None:
    """The highest-ranked passage that is close enough in meaning, if any."""
    for hit in hits:
        if hit.similarity is not None and hit.similarity >= CONFIDENT_SIMILARITY:
            return hit
    return None


def _sentences(passage: str) -> list[str]:
    """The passage as sentences: Markdown markers dropped, wrapped lines joined, list items
    and table rows (read as "a: b, c") kept apart."""
    lines = passage.replace("**", "").replace("__", "").splitlines()
    blocks: list[str] = []  # paragraphs, list items, headings and table rows
    paragraph: list[str] = []
    for index, line in enumerate(lines):
        stripped = line.strip()
        item = _BLOCK_START.match(line) or stripped.startswith("|") or not stripped
        if item and paragraph:
            blocks.append(" ".join(paragraph))
            paragraph = []
        if not stripped or _TABLE_RULE.match(line):
            continue
        if stripped.startswith("|"):
            following = lines[index + 1] if index + 1 < len(lines) else ""
            if not _TABLE_RULE.match(following):  # a header row labels columns: skipped
                cells = [c.strip() for c in stripped.strip("|").split("|") if c.strip()]
                if cells:
                    tail = ": " + ", ".join(cells[1:]) if len(cells) > 1 else ""
                    blocks.append(cells[0] + tail)
            continue
        text = _BLOCK_START.sub("", line).strip()
        if item:
            blocks.append(text)
        else:
            paragraph.append(text)
    if paragraph:
        blocks.append(" ".join(paragraph))
    out = [part.strip() for block in blocks for part in re.split(r"(?<=[.!?])\s+", block)]
    return [sentence for sentence in out if len(sentence) > 2]


def _quote(passage: str, question: str, embedder: Embedder) -> str:
    """The part of the passage that answers: the section under the heading closest to the
    question (FAQ entries are a heading and its answer), else the closest sentences."""
    sections = _sections(passage)
    if _sectioned(sections):
        vectors = embedder.embed([question, *_section_texts(sections)])
        scores = np.asarray(vectors[1:]) @ np.asarray(vectors[0])
        headed, best = sections[int(np.argmax(scores))]
        body = best[1:] if headed else best  # a heading only repeats the question
        return _joined(body[:MAX_SECTION_SENTENCES])
    sentences = _sentences(passage)
    if _quoted_whole(passage, sentences):
        return _joined(sentences)
    vectors = embedder.embed([question, *sentences])
    scores = np.asarray(vectors[1:]) @ np.asarray(vectors[0])
    keep = sorted(np.argsort(-scores)[:MAX_SENTENCES].tolist())  # in the document's order
    return _joined([sentences[i] for i in keep])


def quote_pieces(passage: str) -> list[str]:
    """The texts ``_quote`` compares with a question for this passage (its sections, else its
    sentences; none when it is quoted whole), for warming their vectors ahead of the first
    question."""
    sections = _sections(passage)
    if _sectioned(sections):
        return _section_texts(sections)
    sentences = _sentences(passage)
    return [] if _quoted_whole(passage, sentences) else sentences


def quote_texts(session: Session, model: str, limit: int) -> list[str]:
    """The quote pieces of every passage indexed with ``model`` that ``session`` sees (the
    owner's sees every property's), at most ``limit``, for warming their vectors: a first
    question about a passage then waits only for its own vector."""
    passages = session.scalars(
        select(KnowledgeChunk.text)
        .where(KnowledgeChunk.embedding_model == model)
        .order_by(KnowledgeChunk.id)
    )
    texts: dict[str, None] = {}
    for passage in passages:
        texts.update(dict.fromkeys(quote_pieces(passage)))
        if len(texts) >= limit:
            break
    return list(texts)[:limit]


def _sectioned(sections: list[tuple[bool, list[str]]]) -> bool:
    return len(sections) > 1 or bool(sections and sections[0][0])


def _section_texts(sections: list[tuple[bool, list[str]]]) -> list[str]:
    return [" ".join(sentences) for _, sentences in sections]


def _quoted_whole(passage: str, sentences: list[str]) -> bool:
    return len(passage) <= SHORT_PASSAGE or len(sentences) <= MAX_SENTENCES


def _joined(sentences: list[str]) -> str:
    """Sentences in a line. A list item or table row has no full stop of its own: it gets
    one, or "Sunday to Thursday: 07:00-10:30" and "Friday and Saturday: ..." run together
    (and a voice reads them as one breathless sentence)."""
    ended = [s if s[-1] in ".!?:;," else f"{s}." for s in sentences[:-1]]
    return " ".join([*ended, *sentences[-1:]])


def _sections(passage: str) -> list[tuple[bool, list[str]]]:
    """The passage split at its Markdown headings: (starts with a heading, its sentences)."""
    sections: list[list[str]] = []
    current: list[str] = []
    for line in passage.splitlines():
        if line.lstrip().startswith("#") and current:
            sections.append(current)
            current = []
        current.append(line)
    if current:
        sections.append(current)
    read = [(lines[0].lstrip().startswith("#"), _sentences("\n".join(lines))) for lines in sections]
    return [(headed, sentences) for headed, sentences in read if len(sentences) > 1]


def _shown(hit: SearchHit) -> dict[str, object]:
    return {
        "source": hit.source,
        "title": hit.title,
        "score": round(hit.score, 4),
        "similarity": None if hit.similarity is None else round(hit.similarity, 3),
    }
