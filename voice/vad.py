"""Voice activity and end of turn: when a caller starts talking, pauses, and has finished.

Silero VAD v6 (the ONNX file faster-whisper ships) scores 32 ms windows of 16 kHz audio with an
LSTM whose state runs across windows, so each stream keeps its own state (``SileroVad``) while
one loaded session (``VadModel``) serves every call of the process. The phone delivers 8 kHz, so
the ``Endpointer`` upsamples with a small streaming FIR filter for the VAD (no block-edge clicks)
but keeps the utterance itself at 8 kHz and resamples it once, with a proper polyphase filter,
when it hands it over for transcription.

All times are stream time: milliseconds of audio fed, never the wall clock, so a test can feed
audio faster than real time and see exactly the events a live call would. They move in steps of
the VAD's 32 ms window.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnxruntime as ort
from numpy.typing import NDArray
from scipy.signal import firwin, lfilter

from voice.audio import PHONE_RATE, STT_RATE, AudioError, resample

# Like silero's own streaming iterator: once speech is on, a window counts as silence only below
# threshold - 0.15, so the dips between words do not start the pause clock.
_HYSTERESIS = 0.15


class VadModel:
    """The loaded silero ONNX session. onnxruntime's ``run`` is thread-safe, and each window is
    tiny, so one thread per run and one session for all calls of a process."""

    def __init__(self, path: Path) -> None:
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self._session = ort.InferenceSession(
            str(path), sess_options=options, providers=["CPUExecutionProvider"]
        )

    def run(
        self, window: NDArray[np.float32], h: NDArray[np.float32], c: NDArray[np.float32]
    ) -> tuple[float, NDArray[np.float32], NDArray[np.float32]]:
        """One window (with its 64 samples of context in front) and the LSTM state in; the
        speech probability and the next state out."""
        prob, h_next, c_next = self._session.run(None, {"input": window[None], "h": h, "c": c})
        return float(prob[0]), h_next, c_next


class SileroVad:
    """One stream's VAD: the LSTM state and the 64 samples preceding the next window."""

    WINDOW = 512  # samples at 16 kHz: 32 ms
    CONTEXT = 64

    def __init__(self, model: VadModel) -> None:
        self._model = model
        self.reset()

    def reset(self) -> None:
        self._h = np.zeros((1, 1, 128), dtype=np.float32)
        self._c = np.zeros((1, 1, 128), dtype=np.float32)
        self._context = np.zeros(self.CONTEXT, dtype=np.float32)

    def probability(self, window: NDArray[np.float32]) -> float:
        """The probability that this 512-sample, 16 kHz window (the next in the stream) is
        speech."""
        if window.shape != (self.WINDOW,):
            raise AudioError(f"the VAD takes {self.WINDOW} samples at a time, got {window.shape}")
        window = window.astype(np.float32, copy=False)
        framed = np.concatenate([self._context, window])
        prob, self._h, self._c = self._model.run(framed, self._h, self._c)
        self._context = window[-self.CONTEXT :]
        return prob


@dataclass(frozen=True)
class SpeechStarted:
    """Enough voiced audio to count as speech (the barge-in signal); ``at_ms`` is where the
    voiced audio began."""

    at_ms: int


@dataclass(frozen=True)
class SpeechPaused:
    """Silence reached ``pause_ms``: the utterance so far (16 kHz), so the caller may start
    transcribing before the turn is over. ``at_ms`` is the end of the last voiced audio. If the
    turn then ends without SpeechResumed, SpeechEnded carries this very audio."""

    audio: NDArray[np.float32]
    at_ms: int


@dataclass(frozen=True)
class SpeechResumed:
    """Speech came back after a pause: a transcript started at the pause is stale."""

    at_ms: int


@dataclass(frozen=True)
class SpeechEnded:
    """The caller's turn is over. ``audio`` is the utterance at 16 kHz from the pre-roll to
    ``pause_ms`` after the last voiced audio; ``at_ms`` is the end of that voiced audio.
    ``cut``: ``max_utterance_ms`` was reached, and speech that goes on starts a new utterance
    (from where this one stops: no audio lost or repeated)."""

    audio: NDArray[np.float32]
    at_ms: int
    cut: bool


VadEvent = SpeechStarted | SpeechPaused | SpeechResumed | SpeechEnded


@dataclass(frozen=True)
class EndpointConfig:
    threshold: float = 0.5
    start_ms: int = 200  # voiced audio needed before it counts as speech (also barge-in)
    # Silence after which the utterance so far is offered for transcription: three VAD windows.
    # Against 160 ms, 96 ms gave the same word error rate (96 of 992 words, 136 piper
    # utterances of 17 sentences; each transcribed as cut at its last pause) and 8 more stale
    # pauses in 136 utterances (mid-sentence), for ~64 ms less wait on every turn.
    pause_ms: int = 96
    end_ms: int = 500  # silence after speech that ends the caller's turn
    # Audio kept from before the start: a short soft first word ("Is the pool...") can be
    # scored voiced only ~500 ms in (measured), and 300 ms lost it.
    pre_roll_ms: int = 500
    max_utterance_ms: int = 20_000  # from the start of the speech

    def __post_init__(self) -> None:
        if not 0.0 < self.threshold < 1.0:
            raise ValueError(f"threshold must be between 0 and 1, got {self.threshold}")
        if not 0 < self.pause_ms <= self.end_ms:
            raise ValueError(
                f"need 0 < pause_ms <= end_ms, got pause_ms={self.pause_ms}, end_ms={self.end_ms}"
            )
        if self.start_ms <= 0 or self.pre_roll_ms < 0 or self.max_utterance_ms <= self.start_ms:
            raise ValueError("need start_ms > 0, pre_roll_ms >= 0, max_utterance_ms > start_ms")


_RATIO = STT_RATE // PHONE_RATE
_HOP = SileroVad.WINDOW // _RATIO  # phone samples per VAD window


def _samples(ms: int) -> int:
    return ms * PHONE_RATE // 1000


def _ms(samples: int) -> int:
    return samples * 1000 // PHONE_RATE


class _Upsampler:
    """8 kHz to 16 kHz for the VAD, block by block with the filter state carried over, so the
    output is the same however the stream is cut into frames. 31 taps: ~1 ms of delay."""

    def __init__(self) -> None:
        self._taps = firwin(31, 3600, fs=STT_RATE) * _RATIO
        self._state = np.zeros(len(self._taps) - 1)

    def __call__(self, block: NDArray[np.float32]) -> NDArray[np.float32]:
        stuffed = np.zeros(block.size * _RATIO)
        stuffed[::_RATIO] = block
        out, self._state = lfilter(self._taps, 1.0, stuffed, zi=self._state)
        return np.asarray(out, dtype=np.float32)


class Endpointer:
    """Turns a call's 8 kHz audio into speech events. One per call; not thread-safe."""

    def __init__(self, vad: SileroVad, config: EndpointConfig = EndpointConfig()) -> None:
        self._vad = vad
        self._config = config
        self._upsample = _Upsampler()
        self._pending = np.zeros(0, dtype=np.float32)
        self._fed = 0  # phone samples fed
        self._done = 0  # phone samples the VAD has scored (whole windows)
        # Recent audio, for the pre-roll: enough to reach back from a start just detected.
        self._history = np.zeros(0, dtype=np.float32)
        self._history_cap = _samples(config.pre_roll_ms + config.start_ms) + 2 * _HOP
        self._voiced = False
        self._last_voiced_end = 0
        self._floor = 0  # audio before this belongs to an earlier utterance (or was reset away)
        self._drop_utterance()

    def _drop_utterance(self) -> None:
        self._run_start: int | None = None  # start of the current voiced run, while idle
        self._speech_start: int | None = None  # None: not in speech
        self._utterance: list[NDArray[np.float32]] = []
        self._utterance_start = 0
        self._paused_audio: NDArray[np.float32] | None = None  # set while paused

    @property
    def in_speech(self) -> bool:
        return self._speech_start is not None

    @property
    def stream_ms(self) -> int:
        """Milliseconds of audio fed so far."""
        return _ms(self._fed)

    @property
    def silence_ms(self) -> int:
        """Milliseconds since the last voiced audio (or since the stream start), as far as the
        VAD has scored (up to 32 ms behind ``stream_ms``)."""
        return _ms(self._done - self._last_voiced_end)

    def reset(self) -> None:
        """Drop the current utterance and any pre-roll; the stream (and its clock) goes on."""
        self._drop_utterance()
        self._floor = self._done

    def feed(self, phone_audio: NDArray[np.float32]) -> list[VadEvent]:
        """Any amount of 8 kHz audio (usually one 20 ms frame); the events it completes."""
        if phone_audio.ndim != 1:
            raise AudioError(f"expected mono samples, got an array of shape {phone_audio.shape}")
        self._fed += phone_audio.size
        self._pending = np.concatenate([self._pending, phone_audio.astype(np.float32)])
        events: list[VadEvent] = []
        while self._pending.size >= _HOP:
            block, self._pending = self._pending[:_HOP], self._pending[_HOP:]
            events.extend(self._window(block))
        return events

    def _window(self, block: NDArray[np.float32]) -> list[VadEvent]:
        start, end = self._done, self._done + _HOP
        self._done = end
        self._history = np.concatenate([self._history, block])[-self._history_cap :]
        prob = self._vad.probability(self._upsample(block))
        threshold = self._config.threshold
        self._voiced = prob >= threshold or (self._voiced and prob >= threshold - _HYSTERESIS)
        if self._voiced:
            self._last_voiced_end = end
        if self._speech_start is None:
            return self._idle(start, end)
        self._utterance.append(block)
        return self._speaking(start, end, self._speech_start)

    def _idle(self, start: int, end: int) -> list[VadEvent]:
        if not self._voiced:
            self._run_start = None
            return []
        if self._run_start is None:
            self._run_start = start
        if end - self._run_start < _samples(self._config.start_ms):
            return []
        self._speech_start = self._run_start
        history_start = end - self._history.size
        begin = max(self._run_start - _samples(self._config.pre_roll_ms), self._floor)
        begin = max(begin, history_start)
        self._utterance = [self._history[begin - history_start :].copy()]
        self._utterance_start = begin
        return [SpeechStarted(at_ms=_ms(self._run_start))]

    def _speaking(self, start: int, end: int, speech_start: int) -> list[VadEvent]:
        config = self._config
        events: list[VadEvent] = []
        if self._voiced and self._paused_audio is not None:
            self._paused_audio = None
            events.append(SpeechResumed(at_ms=_ms(start)))
        silence = end - self._last_voiced_end
        if self._paused_audio is None and silence >= _samples(config.pause_ms):
            self._paused_audio = self._utterance_audio(
                self._last_voiced_end + _samples(config.pause_ms)
            )
            events.append(SpeechPaused(self._paused_audio, at_ms=_ms(self._last_voiced_end)))
        if silence >= _samples(config.end_ms):
            events.append(self._end(cut=False))
        elif end - speech_start >= _samples(config.max_utterance_ms):
            events.append(self._end(cut=True))
            if self._voiced:  # the speech goes on: the next utterance starts here
                self._run_start = end
        return events

    def _end(self, *, cut: bool) -> SpeechEnded:
        audio = self._paused_audio
        if audio is None:
            audio = self._utterance_audio(self._done)
            self._floor = self._done
        else:
            self._floor = self._last_voiced_end + _samples(self._config.pause_ms)
        at_ms = _ms(self._last_voiced_end)
        self._drop_utterance()
        return SpeechEnded(audio, at_ms=at_ms, cut=cut)

    def _utterance_audio(self, until: int) -> NDArray[np.float32]:
        """The utterance from its pre-roll up to stream sample ``until``, at 16 kHz."""
        audio = np.concatenate(self._utterance)[: until - self._utterance_start]
        return resample(audio, PHONE_RATE, STT_RATE)
