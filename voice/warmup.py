"""Loading and warming the speech models when the server starts, so the first call is quick."""

from __future__ import annotations

import logging
import threading

from buffr.modelhub import ModelHubError
from buffr.settings import Settings

log = logging.getLogger(__name__)


def warm_voice_in_background(settings: Settings) -> threading.Thread:
    """Load VAD, whisper and piper in a daemon thread (a few seconds) and run each once.
    A missing model is logged, not fatal: chat and messaging work without voice."""

    def warm() -> None:
        try:
            warm_for_calls(settings)
        except ModelHubError as error:
            log.warning("phone calls are unavailable until the speech models are pulled: %s", error)

    thread = threading.Thread(target=warm, name="voice-warmup", daemon=True)
    thread.start()
    return thread


def warm_for_calls(settings: Settings) -> None:
    """Everything a caller's first turn would otherwise load: the speech models, run on real
    sentences, and the knowledge embedder (most calls ask the documents something)."""
    from knowledge.embedders import get_embedder  # heavy imports stay off the start-up path
    from voice.models import voice_models

    voice_models(settings).warm()
    try:
        get_embedder().embed(["What time is breakfast served?"])
    except ModelHubError as error:
        log.warning("the knowledge embedder is not available: %s", error)
