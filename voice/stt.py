"""Speech to text: faster-whisper (CTranslate2, int8) on a caller's utterance.

Latency is what matters: the caller waits from the end of their speech to the first word back,
and transcription is most of that wait. faster-whisper 1.2.1 pads every window to 30 s of
features before the encoder (``pad_or_trim`` after slicing, whatever ``chunk_length`` says), and
on 2 cores the encoder over 30 s costs ~0.8 s however short the utterance. Whisper's encoder
also runs on fewer frames, so ``_ShortContextWhisper`` cuts the padding to the audio plus 2 s,
but never below 10 s: with less than ~7 s of context the decoder started looping ("Do you have
parking? Do you have parking? ...", also with beam 5). With 10 s, 60 utterances of five harder
sentences (a surname, a room number, "late on Sunday") had a word error rate of 7.6%, against
6.8% with 15 s and 6.3% with the full 30 s; 10 easy sentences and 6-24 s monologues came out
the same as with 30 s.

Measured on this 2-core VM, which another test run was sharing (numbers wander ~1.5x): piper
sentences sent through the phone path (22.05 kHz -> 8 kHz mu-law -> 16 kHz) with 300 ms of
pre-roll and 150 ms of tail, as the endpointer then delivered them (2.0-3.9 s; the tail is
96 ms now), every option on the same audio in turn, median of 5. Encoder alone: 30 s 0.82 s,
15 s 0.22 s, 10 s 0.13 s::

    options (all: language="en", int8, 2 threads)             2-4 s utterance  RTF        words
    faster-whisper defaults (beam 5, 30 s window)              1.2-1.5 s        0.40-0.92  right
    beam 1, no timestamps, no previous text, no vad_filter     1.4-1.6 s        0.40-0.92  right
    the same + chunk_length=10 (still padded to 30 s)          1.3-1.6 s        0.41-0.85  right
    context max(10 s, audio + 2 s), beam 1 (chosen)            0.28-0.46 s      0.10-0.18  right
    the same with beam 5 (earlier, quieter run)                0.3-0.5 s        ~0.12      right
    context max(5 s, audio + 2 s), beam 1 or 5                 0.15-0.25 s      -          loops

The chosen setting, from a shell (``hear`` warms up first and prints compute seconds and RTF):
``buffr say "Do you have parking?" --phone --out /tmp/q.wav && buffr hear /tmp/q.wav --json``

Chosen: the cut context, greedy (beam 1, temperature 0: no fallback re-decoding, so the time
is bounded), without timestamps, no conditioning on previous text, no built-in VAD (the
endpointer already did that), and a token budget proportional to the audio.

Whisper writes "Thank you." or "you" over silence and noise; such segments come with a very
low average log-probability, or a high no-speech probability with unsure words, and are
dropped (see ``_is_speech``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from faster_whisper import WhisperModel
from numpy.typing import NDArray

from voice.audio import STT_RATE

_FULL_FRAMES = 3000  # 30 s of 10 ms feature frames: what whisper was trained on
_MIN_FRAMES = 1000  # 10 s: below ~7 s of context the decoder loops on short utterances
_MARGIN_FRAMES = 200  # 2 s of padding after the audio

# Whisper's own thresholds for "this segment is not speech" and "this decode failed".
_NO_SPEECH = 0.6
_MIN_AVG_LOGPROB = -1.0
_UNSURE_LOGPROB = -0.5


def _is_speech(no_speech_prob: float, avg_logprob: float) -> bool:
    """Keep a segment unless the decode failed, or whisper thinks it is not speech and is
    unsure of the words. A high no-speech probability alone is not enough: on 20 s pieces of
    a monologue cut mid-word it reached 0.89 with words decoded at -0.1 (all right)."""
    if avg_logprob < _MIN_AVG_LOGPROB:
        return False
    return not (no_speech_prob > _NO_SPEECH and avg_logprob < _UNSURE_LOGPROB)


@dataclass(frozen=True)
class Transcript:
    text: str
    language: str
    audio_s: float  # length of the audio transcribed
    seconds: float  # compute time

    @property
    def real_time_factor(self) -> float:
        return self.seconds / self.audio_s if self.audio_s else 0.0


class Transcriber(Protocol):
    def transcribe(self, audio: NDArray[np.float32]) -> Transcript:
        """16 kHz mono samples in [-1, 1] to text."""
        ...


def encoder_frames(content: int) -> int:
    """How many feature frames the encoder sees for ``content`` frames (10 ms each) of audio."""
    return min(_FULL_FRAMES, max(_MIN_FRAMES, content + _MARGIN_FRAMES))


class _ShortContextWhisper(WhisperModel):  # type: ignore[misc]  # faster-whisper is untyped
    """WhisperModel whose encoder sees the audio and a little padding, not always 30 s."""

    def encode(self, features: NDArray[np.float32]) -> Any:
        batch = features if features.ndim == 3 else features[np.newaxis]
        # faster-whisper pads with exact zeros; real log-mel frames are never all zero.
        voiced = np.flatnonzero(np.any(batch != 0.0, axis=(0, 1)))
        content = int(voiced[-1]) + 1 if voiced.size else 0
        frames = min(batch.shape[-1], encoder_frames(content))
        return super().encode(np.ascontiguousarray(batch[..., :frames]))


class WhisperTranscriber:
    """faster-whisper on the CPU. One instance serves many calls: CTranslate2 queues
    concurrent requests on its worker, so callers may share it across threads."""

    def __init__(
        self,
        model_dir: Path,
        *,
        compute_type: str = "int8",
        cpu_threads: int = 2,
        language: str | None = "en",
    ) -> None:
        self._language = language
        self._model = _ShortContextWhisper(
            str(model_dir), device="cpu", compute_type=compute_type, cpu_threads=cpu_threads
        )

    def transcribe(self, audio: NDArray[np.float32]) -> Transcript:
        started = time.perf_counter()
        audio_s = audio.size / STT_RATE
        segments, info = self._model.transcribe(
            audio.astype(np.float32, copy=False),
            language=self._language,
            beam_size=1,
            temperature=0.0,
            without_timestamps=True,
            condition_on_previous_text=False,
            vad_filter=False,
            # A decoder stuck in a loop stops here instead of running for seconds.
            max_new_tokens=min(16 + int(audio_s * 10), 400),
        )
        text = " ".join(
            segment.text.strip()
            for segment in segments
            if _is_speech(segment.no_speech_prob, segment.avg_logprob)
        )
        return Transcript(text.strip(), info.language, audio_s, time.perf_counter() - started)

    def warm(self) -> None:
        """Run one short transcription: the first call pays for allocations and caches."""
        self.transcribe(np.zeros(STT_RATE, dtype=np.float32))
