"""Loading and warming the speech models when the server starts, so the first call is quick."""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from sqlalchemy.exc import SQLAlchemyError

from buffr.heap import settle
from buffr.modelhub import ModelHubError
from buffr.settings import Settings

if TYPE_CHECKING:
    from buffr.db.session import Database
    from knowledge.embedders import Embedder

log = logging.getLogger(__name__)


def warm_voice_in_background(settings: Settings, db: Database | None = None) -> threading.Thread:
    """Load VAD, whisper and piper in a daemon thread (a few seconds) and run each once.
    A missing model is logged, not fatal: chat and messaging work without voice."""

    def warm() -> None:
        try:
            warm_for_calls(settings, db)
        except ModelHubError as error:
            log.warning("phone calls are unavailable until the speech models are pulled: %s", error)

    thread = threading.Thread(target=warm, name="voice-warmup", daemon=True)
    thread.start()
    return thread


def warm_for_calls(settings: Settings, db: Database | None = None) -> None:
    """Everything a caller's first turn would otherwise load: the knowledge embedder (most
    calls ask the documents something), with the vectors of the passages' quote pieces in
    ``db`` remembered (``agents.reception.answers``: ~40-90 ms of a first question about a
    passage, and a caller waits for it), and the speech models, run on real sentences. Then
    the warmed heap is settled (``buffr.heap``): a full garbage collection of it would pause a
    call for ~200 ms."""
    # Heavy imports stay off the start-up path.
    from knowledge.config import get_knowledge_settings
    from knowledge.embedders import get_embedder
    from knowledge.remembering import remembering
    from voice.models import voice_models

    try:
        embedder = remembering(get_embedder())
        embedder.embed(["What time is breakfast served?"])
        # Only the local model: with a remote one every start would pay for these texts.
        if db is not None and get_knowledge_settings().embed_provider == "local":
            _remember_quotes(db, embedder)
    except ModelHubError as error:
        log.warning("the knowledge embedder is not available: %s", error)
    except SQLAlchemyError:  # a head start only: the speech models must still be warmed
        log.exception("could not read the documents to warm their quotes")
    voice_models(settings).warm()
    settle()


def _remember_quotes(db: Database, embedder: Embedder) -> None:
    from agents.reception.answers import quote_texts
    from knowledge.remembering import MAX_TEXTS

    with db.owner() as session:  # read, then let the connection go before embedding
        texts = quote_texts(session, embedder.name, MAX_TEXTS // 2)
    for start in range(0, len(texts), 64):
        embedder.embed(texts[start : start + 64])
    log.info("remembered the vectors of %d quote pieces", len(texts))
