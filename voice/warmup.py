"""Loading and warming the speech models when the server starts, so the first call is quick."""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from buffr.modelhub import ModelHubError
from buffr.settings import Settings

if TYPE_CHECKING:
    from buffr.db.session import Database

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
    """Everything a caller's first turn would otherwise load: the speech models, run on real
    sentences, and the knowledge embedder (most calls ask the documents something), with the
    vectors of the passages' quote pieces in ``db`` remembered (``agents.reception.answers``:
    ~40-90 ms of a first question about a passage, and a caller waits for it)."""
    # Heavy imports stay off the start-up path.
    from agents.reception.answers import warm_quotes
    from knowledge.embedders import get_embedder
    from knowledge.remembering import MAX_TEXTS, remembering
    from voice.models import voice_models

    voice_models(settings).warm()
    try:
        embedder = remembering(get_embedder())
        embedder.embed(["What time is breakfast served?"])
    except ModelHubError as error:
        log.warning("the knowledge embedder is not available: %s", error)
        return
    if db is not None:
        with db.owner() as session:
            texts = warm_quotes(session, embedder, MAX_TEXTS // 2)
        log.info("remembered the vectors of %d quote pieces", texts)
