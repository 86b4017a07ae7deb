"""Text to speech: piper, one sentence at a time, each streamed as it is synthesized.

A reply is spoken sentence by sentence so the caller hears the first words while the rest is
still being synthesized: ``sentences`` cuts the text where a speaker would breathe, and each
piece goes to ``Synthesizer.stream`` on its own, which yields its audio in windows (the first
~0.37 s of speech as soon as it is ready; see ``PiperSynthesizer``).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Protocol

import numpy as np
import onnx
import onnx.utils
import onnxruntime as ort
from numpy.typing import NDArray
from piper import PiperConfig, PiperVoice, SynthesisConfig

log = logging.getLogger(__name__)

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
    """The first piece is what the caller waits for. Its audio streams (``PiperSynthesizer``),
    but the voice's front runs over the whole piece before the first window is decoded, ~25 ms
    per second of speech here: a long one is cut at a clause boundary within FIRST_PIECE
    characters, else at its first clause boundary within FIRST_PIECE_MAX (the rest is
    synthesized while it plays, so no gap is heard). Never mid-clause: a cut there ("served
    in The | Tide restaurant") sounds worse than the wait. Measured before streaming: "Breakfast
    is served in The Tide restaurant: Sunday to Thursday: 7 AM to 10:30 AM.", spoken whole,
    took 390 ms to synthesize; its first clause ~170 ms; streamed, that clause's first audio
    is ready in ~70-100 ms."""
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

    def synthesize(self, text: str, *, steady: bool = False) -> NDArray[np.float32]:
        """Speech for ``text`` at ``sample_rate``, floats in [-1, 1]; ``steady``: the same
        samples for the same text every time."""
        ...

    def stream(
        self, text: str, *, steady: bool = False
    ) -> Generator[NDArray[np.float32], None, None]:
        """The same speech in consecutive pieces, the first as soon as it is ready."""
        ...


class PiperSynthesizer:
    """A piper voice (the .onnx, with its .onnx.json beside it), split in two so that speech
    can start before a sentence is synthesized.

    A piper voice is VITS: text encoder, duration predictor and flow turn the phonemes into a
    latent sequence (one frame per ``hop_length`` samples), then a convolutional decoder turns
    that into audio. The decoder is most of the time (138 of 212 ms for "The outdoor pool is
    open 8 AM to 7 PM,", 2.9 s of audio), and it only looks a few frames either way, so
    ``stream`` runs the front once and the decoder on windows of frames, each with ``_PAD``
    frames of context on both sides: the pieces join into the same samples as one decode
    (largest difference 1e-6 with 16 frames of context; 1e-3 with 8). The first piece is
    ready after the front and one short window (~100 ms instead of ~210 ms for that clause).

    Loudness: piper scales each sentence to its own peak, which a stream cannot know before
    its end; a stream has one gain per voice instead, set at load so that the loudest of a
    few reference sentences peaks at ``_VOLUME`` (anything louder is clipped; 45 varied
    renderings of 15 reply sentences with joe peaked at 0.86 at most, none clipped).
    ``synthesize`` (whole text) still scales each sentence to its peak. Thread-safe: piper
    serializes its espeak phonemizer and onnxruntime sessions may run concurrently.
    """

    _VOLUME = 0.9  # headroom: resampling to 8 kHz overshoots a little and mu-law would clip
    _FIRST_FRAMES = 32  # the first window: ~0.37 s of speech (hop 256 at 22.05 kHz)
    _FRAMES = 128  # later windows: ~1.5 s, decoded while the previous one plays
    _PAD = 16  # frames of context each side of a window
    _REFERENCE = (
        "Thank you for calling, how can I help you today?",
        "Yes, free on-site parking for hotel guests with 40 spaces.",
        "Your table for four is booked for tomorrow at 7:30 PM.",
    )

    def __init__(self, model_path: Path) -> None:
        config = PiperConfig.from_dict(
            json.loads(Path(f"{model_path}.json").read_text(encoding="utf-8"))
        )
        front, self._decoder = _split_voice(model_path)
        self._feed = self._decoder.get_inputs()[0].name if self._decoder is not None else ""
        # piper builds the front's inputs (phoneme ids, scales, speaker) and runs it; its
        # output is the decoder's input, or the audio itself for a voice that cannot split.
        self._voice = PiperVoice(session=front, config=config)
        self.sample_rate: int = config.sample_rate
        peak = max(
            float(np.abs(window).max())
            for text in self._REFERENCE
            for windows in self._sentences(text, steady=True)
            for window in windows
        )
        self._gain = self._VOLUME / max(peak, 1e-3)

    def synthesize(self, text: str, *, steady: bool = False) -> NDArray[np.float32]:
        """The whole text at once, each sentence scaled to its own peak as piper does (the
        level ``buffr say`` and the simulated callers have always had). ``steady``: without
        piper's random variation, the same samples for the same text (reproducible callers
        for tests and benchmarks). The agent speaks with the variation."""
        spoken = []
        for windows in self._sentences(text, steady=steady):
            audio = np.concatenate(list(windows))
            peak = float(np.abs(audio).max()) if audio.size else 0.0
            spoken.append(audio * (self._VOLUME / peak) if peak > 1e-8 else audio * 0.0)
        return np.concatenate(spoken).astype(np.float32) if spoken else np.zeros(0, np.float32)

    def stream(
        self, text: str, *, steady: bool = False
    ) -> Generator[NDArray[np.float32], None, None]:
        """The text's speech in pieces, a short first one then ~1.5 s each, at the voice's
        gain (a stream cannot know a sentence's peak before its end)."""
        for windows in self._sentences(text, steady=steady):
            for raw in windows:
                yield np.clip(raw * self._gain, -1.0, 1.0).astype(np.float32)

    def _sentences(self, text: str, *, steady: bool) -> Iterator[Iterator[NDArray[np.float32]]]:
        """Per sentence (piper's phonemizer splits them), its raw audio window by window."""
        config = _STEADY if steady else _VARIED
        for phonemes in self._voice.phonemize(text):
            if not phonemes:
                continue
            ids = self._voice.phonemes_to_ids(phonemes)
            front = np.asarray(self._voice.phoneme_ids_to_audio(ids, config), dtype=np.float32)
            if self._decoder is None:
                yield iter([front.reshape(-1)])
            else:  # piper squeezes the batch axis away (and the frame axis of a 1-frame one)
                yield self._decode(front[np.newaxis] if front.ndim == 2 else front[None, :, None])

    def _decode(self, latent: NDArray[np.float32]) -> Iterator[NDArray[np.float32]]:
        assert self._decoder is not None
        frames, hop = latent.shape[-1], self._voice.config.hop_length
        start, size = 0, self._FIRST_FRAMES
        while start < frames:
            end = min(frames, start + size)
            lo, hi = max(0, start - self._PAD), min(frames, end + self._PAD)
            window = np.ascontiguousarray(latent[..., lo:hi])
            audio = self._decoder.run(None, {self._feed: window})[0]
            audio = np.asarray(audio, dtype=np.float32).reshape(-1)
            if audio.size != (hi - lo) * hop:  # seen at load, on the reference sentences
                raise RuntimeError(
                    f"the voice's decoder made {audio.size} samples of {hi - lo} frames, "
                    f"not {hop} a frame: it cannot be run on windows"
                )
            yield audio[(start - lo) * hop : (end - lo) * hop]
            start, size = end, self._FRAMES

    def warm(self) -> None:
        """The first runs of the sessions are several times slower; the reference sentences
        at load ran the whole-sentence shapes, this runs the first window's too."""
        for _ in self.stream("Hello, how can I help you today?"):
            pass


_STEADY = SynthesisConfig(noise_scale=0.0, noise_w_scale=0.0, normalize_audio=False)
_VARIED = SynthesisConfig(normalize_audio=False)
# piper samples its prosody (noise in the acoustic model and in phoneme durations), so the
# same text sounds a little different each time; with both scales at 0 (_STEADY) it is the
# same samples every time. Measured: whisper heard "What time is breakfast served?" wrong in
# 1 of 30 random renderings ("break the serve"), which made a test flaky.


def _split_voice(
    model_path: Path,
) -> tuple[ort.InferenceSession, ort.InferenceSession | None]:
    """The voice as two sessions, phonemes to latent frames and latent frames to audio, cut
    at the decoder's one input (piper's exports name the decoder's nodes ``/dec/...``). A
    voice exported otherwise runs whole: the second session is None."""
    model = onnx.load(str(model_path))
    decoder = [node for node in model.graph.node if node.name.startswith("/dec/")]
    made = {output for node in decoder for output in node.output}
    weights = {tensor.name for tensor in model.graph.initializer}
    feeds = {name for node in decoder for name in node.input if name and name not in made | weights}
    outputs = [output.name for output in model.graph.output]
    if len(feeds) != 1 or len(outputs) != 1:
        log.warning(
            "%s cannot be cut before its decoder: its sentences are synthesized whole, so "
            "the first audio of each comes later",
            model_path.name,
        )
        return _session(model.SerializeToString()), None
    extractor = onnx.utils.Extractor(model)
    inputs = [tensor.name for tensor in model.graph.input]
    front = extractor.extract_model(inputs, list(feeds))
    back = extractor.extract_model(list(feeds), outputs)
    return _session(front.SerializeToString()), _session(back.SerializeToString())


def _session(model: bytes) -> ort.InferenceSession:
    """Threads that do not spin after a run: the two halves run one after the other, and
    each session has its own pool, whose threads would spin on the 2 cores the other half
    needs. Measured on a 60-phoneme sentence, front then a 48-frame window: 130 ms with
    spinning, 69-75 ms without (each half alone is as fast either way)."""
    options = ort.SessionOptions()
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(model, sess_options=options, providers=["CPUExecutionProvider"])
