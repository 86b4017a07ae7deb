"""Text to speech: piper, one sentence at a time.

A reply is spoken sentence by sentence so the caller hears the first words while the rest is
still being written and synthesized: ``sentences`` cuts the text where a speaker would breathe,
and each piece goes to ``Synthesizer.synthesize`` on its own.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Protocol

import numpy as np
from numpy.typing import NDArray
from piper import PiperVoice, SynthesisConfig

MAX_PIECE = 120  # characters; longer sentences are split at a clause boundary near this
FIRST_PIECE = 40  # characters; a longer first sentence is split (see _split_first)
FIRST_PIECE_MAX = 64  # characters; failing a cut within FIRST_PIECE, the first clause up to this
MIN_FIRST = 3  # a first piece may be one word ("Yes, ...")

# A sentence ends at . ! ? (or an ellipsis), maybe followed by closing quotes or brackets, then
# whitespace. A full stop followed by a lowercase word is not an end ("e.g. the pool", "8 a.m.
# tomorrow"), nor one after a title ("Dr. Cohen"); "7.30" has no whitespace after its dot.
_END = re.compile(r"(?<=[.!?…])([\"'”’)\]]*)\s+")
_TITLES = {"mr", "mrs", "ms", "dr", "st", "prof", "mt", "no", "vs"}
_CLAUSE = re.compile(r"[;:,]\s+")
_SPEAKABLE = re.compile(r"\w")


def _is_boundary(text: str, match: re.Match[str]) -> bool:
    before, after = text[: match.start()], text[match.end() :]
    if not before.endswith("."):
        return True
    if after[:1].islower():
        return False
    last_word = before[:-1].rsplit(None, 1)[-1] if before[:-1].strip() else ""
    return last_word.lower().lstrip("(\"'") not in _TITLES


def _split_sentences(line: str) -> list[str]:
    pieces, start = [], 0
    for match in _END.finditer(line):
        if _is_boundary(line, match):
            pieces.append(line[start : match.end(1)])
            start = match.end()
    pieces.append(line[start:])
    return pieces


def _split_long(sentence: str) -> list[str]:
    """Cut at the clause boundary (; : ,) closest to MAX_PIECE, repeatedly; a sentence with no
    such boundary stays whole, since a pause inside a clause sounds worse than a late start."""
    pieces = []
    while len(sentence) > MAX_PIECE:
        cuts = [m.end() for m in _CLAUSE.finditer(sentence) if m.end() < len(sentence)]
        if not cuts:
            break
        cut = min(cuts, key=lambda at: abs(at - MAX_PIECE))
        pieces.append(sentence[:cut])
        sentence = sentence[cut:]
    pieces.append(sentence)
    return pieces


def _split_first(piece: str) -> list[str]:
    """The first piece is what the caller waits for, and synthesis takes ~60 ms per second of
    speech here: a long one is cut at a clause boundary within FIRST_PIECE characters, else at
    its first clause boundary within FIRST_PIECE_MAX (the rest is synthesized while it plays,
    so no gap is heard). Never mid-clause: a cut there ("served in The | Tide restaurant")
    sounds worse than 100 ms more of waiting. Measured (``buffr bench voice``): "Breakfast is
    served in The Tide restaurant: Sunday to Thursday: 7 AM to 10:30 AM.", spoken whole,
    took 390 ms to synthesize; its first clause takes ~170 ms."""
    if len(piece) <= FIRST_PIECE:
        return [piece]
    cuts = [m.end() for m in _CLAUSE.finditer(piece) if MIN_FIRST <= m.end() < len(piece)]
    early = [cut for cut in cuts if cut <= FIRST_PIECE] or [
        cut for cut in cuts if cut <= FIRST_PIECE_MAX
    ]
    if not early:
        return [piece]
    return [piece[: early[0]].strip(), piece[early[0] :].strip()]


def sentences(text: str) -> list[str]:
    """The pieces to speak one by one: sentences (ended by . ! ? or a new line), long ones cut
    at a clause boundary near MAX_PIECE characters, a long first one at its first clause.
    Pieces with nothing to say are dropped."""
    pieces = []
    for line in text.splitlines():
        for sentence in _split_sentences(" ".join(line.split())):
            pieces.extend(_split_long(sentence))
    spoken = [piece.strip() for piece in pieces if _SPEAKABLE.search(piece)]
    return _split_first(spoken[0]) + spoken[1:] if spoken else []


class Synthesizer(Protocol):
    sample_rate: int

    def synthesize(self, text: str) -> NDArray[np.float32]:
        """Speech for ``text`` at ``sample_rate``, floats in [-1, 1]."""
        ...


class PiperSynthesizer:
    """A piper voice (the .onnx, with its .onnx.json beside it). Thread-safe: piper serializes
    its espeak phonemizer and onnxruntime sessions may run concurrently."""

    # piper normalizes every sentence to full scale; resampling to 8 kHz then overshoots a
    # little and mu-law would clip it, so leave some headroom.
    _CONFIG = SynthesisConfig(volume=0.9)
    # piper samples its prosody (noise in the acoustic model and in phoneme durations), so the
    # same text sounds a little different each time; with both scales at 0 it is the same
    # samples every time. Measured: whisper heard "What time is breakfast served?" wrong in
    # 1 of 30 random renderings ("break the serve"), which made a test flaky.
    _STEADY = SynthesisConfig(volume=0.9, noise_scale=0.0, noise_w_scale=0.0)

    def __init__(self, model_path: Path) -> None:
        self._voice = PiperVoice.load(model_path)
        self.sample_rate: int = self._voice.config.sample_rate

    def synthesize(self, text: str, *, steady: bool = False) -> NDArray[np.float32]:
        """``steady``: without piper's random variation, the same samples for the same text
        (reproducible callers for tests and benchmarks). The agent speaks with the variation."""
        config = self._STEADY if steady else self._CONFIG
        chunks = [c.audio_float_array for c in self._voice.synthesize(text, config)]
        if not chunks:
            return np.zeros(0, dtype=np.float32)
        return np.concatenate(chunks).astype(np.float32, copy=False)

    def warm(self) -> None:
        """Synthesize one word: the first run of the session is several times slower."""
        self.synthesize("Hello.")
