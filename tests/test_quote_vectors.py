"""Remembered embeddings for answers: the same vectors as the model's, each text embedded once,
and the warm-up covers exactly the pieces an answer's quote compares."""

from __future__ import annotations

import numpy as np
import pytest

from agents.llm.fake import scripted_call
from agents.reception import answers
from agents.reception.answers import quote_texts
from buffr.db.session import Database
from buffr.services.resolve import Endpoints, for_database
from buffr.settings import Settings
from knowledge.embedders import HashingEmbedder, get_embedder
from knowledge.remembering import RememberingEmbedder, remembering
from tests.test_receptionist import NEW_GUEST, TODAY, Chat

pytestmark = pytest.mark.demo_data(today=TODAY)


def test_remembered_vectors_are_the_models_and_each_text_is_embedded_once() -> None:
    inner = HashingEmbedder()
    memo = RememberingEmbedder(inner, max_texts=2)
    first = memo.embed(["pool hours", "parking"])
    assert np.array_equal(first, inner.embed(["pool hours", "parking"]))
    again = memo.embed(["parking", "spa"])
    assert memo.embedded == 3  # "parking" came from memory
    assert np.array_equal(again, inner.embed(["parking", "spa"]))
    memo.embed(["pool hours"])  # forgotten: only the last two texts are kept
    assert memo.embedded == 4
    assert (memo.name, memo.dimension) == (inner.name, inner.dimension)


def test_one_wrapper_per_embedder() -> None:
    inner = HashingEmbedder()
    assert remembering(inner) is remembering(inner)
    assert remembering(inner) is not remembering(HashingEmbedder())


@pytest.fixture(scope="module")
def seeded(db: Database) -> Database:
    return db


def _answer_embeds(
    seeded: Database, memo: RememberingEmbedder, monkeypatch: pytest.MonkeyPatch
) -> tuple[int, str]:
    """Texts embedded to answer the breakfast question, and the reply."""
    monkeypatch.setattr(answers, "remembering", lambda embedder: memo)
    before = memo.embedded
    question = "What time is breakfast served?"
    reply = (
        Chat(seeded, NEW_GUEST, scripted_call("ask_hotel", question=question)).say(question).reply
    )
    return memo.embedded - before, reply


def test_after_the_warm_up_an_answer_embeds_only_its_question(
    seeded: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    cold = RememberingEmbedder(get_embedder())
    embedded, reply = _answer_embeds(seeded, cold, monkeypatch)
    assert embedded > 1  # the question and the passage's sections
    assert "07:00–10:30" in reply

    warm = RememberingEmbedder(get_embedder())
    with seeded.owner() as session:
        texts = quote_texts(session, warm.name, limit=10_000)
    assert len(texts) > 50
    warm.embed(texts)
    embedded, warm_reply = _answer_embeds(seeded, warm, monkeypatch)
    assert embedded == 1  # the question, once (the search and the quote share it)
    assert warm_reply == reply


def test_a_database_the_warm_up_cannot_read_still_leaves_the_speech_models_warmed(
    services: Endpoints, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import voice.models
    from voice.warmup import warm_for_calls

    warmed: list[bool] = []

    class Models:
        def warm(self) -> None:
            warmed.append(True)

    monkeypatch.setattr(voice.models, "voice_models", lambda settings: Models())
    missing = Database(for_database(services, "buffr_no_such_database"))
    try:
        warm_for_calls(Settings(), missing)
    finally:
        missing.dispose()
    assert warmed == [True]
    assert "could not read the documents" in caplog.text
