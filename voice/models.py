"""The speech models of a process, loaded once and shared by every call.

Loading takes seconds (whisper ~1 s; piper 4-5 s on a slow host, as its voice is cut in two
and calibrated: see voice/tts.py) and the models are safe to share across threads, so each is
loaded on first use under a lock and kept for the life of the process, keyed by its path and
options (a process that switches settings, like a test, gets both).
Paths come from the model registry, so a missing model fails with the ``buffr models pull``
command that fixes it, before anything heavy is loaded.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar

from buffr.modelhub import ModelMissing, model_path
from buffr.settings import Settings, get_settings
from voice.audio import STT_RATE, resample
from voice.stt import WhisperTranscriber
from voice.tts import PiperSynthesizer
from voice.vad import EndpointConfig, Endpointer, SileroVad, VadModel

T = TypeVar("T")

_lock = threading.Lock()
_loaded: dict[Hashable, Any] = {}


def _once(key: Hashable, load: Callable[[], T]) -> T:
    with _lock:
        if key not in _loaded:
            _loaded[key] = load()
        result: T = _loaded[key]
        return result


def load_vad(settings: Settings | None = None) -> VadModel:
    path = model_path((settings or get_settings()).voice_vad_model, settings)
    return _once(("vad", path), lambda: VadModel(path))


def load_transcriber(settings: Settings | None = None) -> WhisperTranscriber:
    settings = settings or get_settings()
    path = model_path(settings.voice_stt_model, settings)
    compute_type, language = settings.voice_stt_compute_type, settings.voice_language
    # A thread per core, capped: several calls may transcribe at once, and a few-second
    # utterance keeps only a handful of threads busy.
    threads = min(4, os.cpu_count() or 1)
    return _once(
        ("stt", path, compute_type, language),
        lambda: WhisperTranscriber(
            path, compute_type=compute_type, cpu_threads=threads, language=language
        ),
    )


def load_synthesizer(settings: Settings | None = None) -> PiperSynthesizer:
    path = model_path((settings or get_settings()).voice_tts_voice, settings)
    return _once(("tts", path), lambda: PiperSynthesizer(path))


WARM_SENTENCES = (
    "Breakfast is served in the restaurant from 7 AM to 10:30 AM.",
    "Could I book a table for two tonight?",
)


@dataclass
class VoiceModels:
    vad: VadModel
    transcriber: WhisperTranscriber
    synthesizer: PiperSynthesizer

    def endpointer(
        self,
        config: EndpointConfig = EndpointConfig(),  # noqa: B008  (frozen: safe to share)
    ) -> Endpointer:
        """A fresh endpointer (and VAD state) for one call."""
        return Endpointer(SileroVad(self.vad), config)

    def warm(self) -> None:
        """Run each model on real work, so the first caller does not wait for first-run costs:
        one word was not enough (the first full sentence still took ~500 ms to synthesize,
        against ~130 ms after), so a whole sentence is spoken, and transcribed back."""
        self.transcriber.warm()
        self.synthesizer.warm()
        synth = self.synthesizer
        for sentence in WARM_SENTENCES:
            speech = resample(synth.synthesize(sentence), synth.sample_rate, STT_RATE)
            self.transcriber.transcribe(speech)


def voice_models(settings: Settings | None = None) -> VoiceModels:
    """The process's speech models; ModelMissing (naming the pull command) if one is absent."""
    settings = settings or get_settings()
    missing: list[ModelMissing] = []
    for name in (settings.voice_vad_model, settings.voice_stt_model, settings.voice_tts_voice):
        try:
            model_path(name, settings)
        except ModelMissing as error:
            missing.append(error)
    if len(missing) == 1:
        raise missing[0]
    if missing:  # one command that fetches them all
        names = " ".join(error.name for error in missing)
        raise ModelMissing(names, f"Voice models {names} are not in the cache")
    return VoiceModels(load_vad(settings), load_transcriber(settings), load_synthesizer(settings))
