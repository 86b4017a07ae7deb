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
        from voice.models import voice_models  # heavy imports stay off the start-up path

        try:
            voice_models(settings).warm()
        except ModelHubError as error:
            log.warning("phone calls are unavailable until the speech models are pulled: %s", error)

    thread = threading.Thread(target=warm, name="voice-warmup", daemon=True)
    thread.start()
    return thread
