"""Answers from the property's documents, quoted, with the source named.

The answer is extractive: the sentences of the best passage that are closest to the question,
word for word, and the document they come from. A small local model paraphrasing a passage can
change a time or a price; a quote cannot. When nothing in the documents is close enough, the
guest hears "I don't know" and a colleague is called (a handoff), never a guess.
"""

from __future__ import annotations

import re

import numpy as np

from agents.reception.steps import Step, action
from knowledge.config import get_knowledge_settings
from knowledge.embedders import Embedder, get_embedder
from knowledge.models import SearchHit
from knowledge.search import hybrid_search
from tools.base import ToolContext
from tools.reception import HandoffArgs, handoff_to_staff

# Cosine similarity (all-MiniLM-L6-v2) of the best passage below which the documents are taken
# not to answer the question. Measured on the demo documents: answerable questions scored
# 0.45-0.8, unanswerable ones ("do you have a helipad?") 0.15-0.35.
CONFIDENT_SIMILARITY = 0.40
MAX_SENTENCES = 3
SHORT_PASSAGE = 280  # characters: a passage this short is quoted whole

_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}")
DONT_KNOW = "I don't know that, I'm afraid. Let me get a colleague who can help"


def answer_from_documents(ctx: ToolContext, question: str) -> Step:
    settings = get_knowledge_settings()
    embedder = get_embedder(settings)
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
    """The passage as sentences: Markdown markers dropped, table rows read as "a: b, c"."""
    lines = passage.replace("**", "").replace("__", "").splitlines()
    out: list[str] = []
    for index, line in enumerate(lines):
        if _TABLE_RULE.match(line):
            continue
        if line.lstrip().startswith("|"):
            following = lines[index + 1] if index + 1 < len(lines) else ""
            if _TABLE_RULE.match(following):
                continue  # a header row: its words label columns, they answer nothing
            cells = [c.strip() for c in line.strip().strip("|").split("|") if c.strip()]
            if cells:
                out.append(cells[0] + (": " + ", ".join(cells[1:]) if len(cells) > 1 else ""))
            continue
        line = re.sub(r"^\s*(#+|[-*•]|\d+\.)\s*", "", line).strip()
        out += [part.strip() for part in re.split(r"(?<=[.!?])\s+", line) if part.strip()]
    return [sentence for sentence in out if len(sentence) > 2]


def _quote(passage: str, question: str, embedder: Embedder) -> str:
    sentences = _sentences(passage)
    if len(passage) <= SHORT_PASSAGE or len(sentences) <= MAX_SENTENCES:
        return " ".join(sentences)
    vectors = embedder.embed([question, *sentences])
    scores = np.asarray(vectors[1:]) @ np.asarray(vectors[0])
    keep = sorted(np.argsort(-scores)[:MAX_SENTENCES].tolist())  # in the document's order
    return " ".join(sentences[i] for i in keep)


def _shown(hit: SearchHit) -> dict[str, object]:
    return {
        "source": hit.source,
        "title": hit.title,
        "score": round(hit.score, 4),
        "similarity": None if hit.similarity is None else round(hit.similarity, 3),
    }
