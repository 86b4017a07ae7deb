"""Audio plumbing between the phone line, the files people hand us and the speech models.

Inside the package audio is always float32 samples in [-1, 1], mono, with its rate carried
beside it. The phone speaks G.711 mu-law at 8 kHz in 20 ms frames (Twilio Media Streams);
whisper and the VAD want 16 kHz. mu-law is done with numpy tables rather than ``audioop``,
which is deprecated and gone in Python 3.13.
"""

from __future__ import annotations

import warnings
from math import gcd
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from scipy.io import wavfile
from scipy.signal import resample_poly

PHONE_RATE = 8000
STT_RATE = 16000
FRAME_MS = 20
FRAME_BYTES = PHONE_RATE * FRAME_MS // 1000  # one 20 ms mu-law frame: 160 bytes
# The suffix of the mark sent after the last piece of a spoken line. Mark names are ours to
# choose; this one lets a caller (the simulator) wait for a whole reply instead of guessing
# from a gap in the audio, which a slow synthesis under load can open mid-reply.
LINE_END = "-end"
MULAW_SILENCE = 0xFF  # what 0.0 encodes to

_BIAS = 0x84
_CLIP_14 = 8159
_SEGMENT_ENDS = np.array([0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF])


class AudioError(ValueError):
    """Audio we cannot use, with a message that says what is wrong with it."""


def _decode_table() -> NDArray[np.float32]:
    codes = ~np.arange(256, dtype=np.int32) & 0xFF
    exponent = (codes >> 4) & 0x07
    magnitude = ((((codes & 0x0F) << 3) + _BIAS) << exponent) - _BIAS
    return (np.where(codes & 0x80, -magnitude, magnitude) / 32768.0).astype(np.float32)


def _encode_table() -> NDArray[np.uint8]:
    """The byte for every int16 value (index ``value + 32768``): 64 KiB, built once.

    As the ITU reference (and CPython's audioop) does it: on 14-bit magnitudes, so both agree
    byte for byte."""
    pcm = np.arange(-32768, 32768, dtype=np.int32) >> 2
    mask = np.where(pcm < 0, 0x7F, 0xFF)
    magnitude = np.minimum(np.abs(pcm), _CLIP_14) + (_BIAS >> 2)
    segment = np.searchsorted(_SEGMENT_ENDS, magnitude)
    code = (segment << 4) | ((magnitude >> (segment + 1)) & 0x0F)
    code = np.where(segment >= 8, 0x7F, code)  # only the clipped full-scale magnitude
    table: NDArray[np.uint8] = (code ^ mask).astype(np.uint8)
    return table


_DECODE = _decode_table()
_ENCODE = _encode_table()


def mulaw_decode(data: bytes) -> NDArray[np.float32]:
    """G.711 mu-law bytes to samples."""
    return _DECODE[np.frombuffer(data, dtype=np.uint8)]


def mulaw_encode(samples: NDArray[np.float32]) -> bytes:
    """Samples to G.711 mu-law bytes; values outside [-1, 1] are clipped."""
    pcm = np.rint(np.clip(samples, -1.0, 1.0) * 32767.0).astype(np.int32)
    return bytes(_ENCODE[pcm + 32768])


def resample(samples: NDArray[np.float32], src_rate: int, dst_rate: int) -> NDArray[np.float32]:
    """Change the rate with a polyphase anti-aliasing filter (clean enough for whisper)."""
    if src_rate <= 0 or dst_rate <= 0:
        raise AudioError(f"sample rates must be positive (got {src_rate} and {dst_rate})")
    if src_rate == dst_rate:
        return samples.astype(np.float32, copy=False)
    if samples.size == 0:
        return np.zeros(0, dtype=np.float32)
    common = gcd(src_rate, dst_rate)
    out = resample_poly(samples, dst_rate // common, src_rate // common)
    return np.asarray(out, dtype=np.float32)


def _to_float(data: NDArray[np.generic]) -> NDArray[np.float32]:
    """Integer PCM (8-bit unsigned, 16/24/32-bit signed) or float PCM to floats in [-1, 1]."""
    if data.dtype == np.uint8:
        return ((data.astype(np.float32) - 128.0) / 128.0).astype(np.float32)
    if np.issubdtype(data.dtype, np.signedinteger):
        # scipy returns 24-bit audio in the top bits of int32, so the dtype's range is right.
        scale = 2.0 ** (data.dtype.itemsize * 8 - 1)
        return (data.astype(np.float64) / scale).astype(np.float32)
    if np.issubdtype(data.dtype, np.floating):
        return data.astype(np.float32).clip(-1.0, 1.0)
    raise AudioError(f"unsupported sample type {data.dtype}")


def read_wav(path: Path) -> tuple[NDArray[np.float32], int]:
    """A PCM WAV file (8/16/24/32-bit or float; mono, or channels mixed down; any rate) as
    samples and rate. Anything else is an AudioError naming the file and the problem."""
    if not path.is_file():
        raise AudioError(f"{path}: no such file")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # unknown chunks (LIST, fact...) are harmless
            rate, data = wavfile.read(path)
    except ValueError as error:
        # scipy words these as "File format b'ID3\x03' not understood" or "Unknown wave file
        # format: MPEGLAYER3"; both mean the same to the person holding the file.
        raise AudioError(f"{path}: not a PCM WAV file ({error})") from None
    except (OSError, EOFError) as error:
        raise AudioError(f"{path}: cannot read it as WAV ({error})") from None
    samples = _to_float(data)
    if samples.ndim == 2:
        samples = samples.mean(axis=1, dtype=np.float32)
    if samples.size == 0:
        raise AudioError(f"{path}: the file holds no audio")
    if rate <= 0:
        raise AudioError(f"{path}: invalid sample rate {rate}")
    return samples, int(rate)


def write_wav(path: Path, samples: NDArray[np.float32], rate: int) -> None:
    """16-bit mono PCM: what every player and phone tool reads."""
    pcm = np.rint(np.clip(samples, -1.0, 1.0) * 32767.0).astype(np.int16)
    wavfile.write(path, rate, pcm)


def phone_frames(mulaw: bytes) -> list[bytes]:
    """Cut mu-law audio into 20 ms frames; the last is padded with silence, because a media
    stream sends whole frames."""
    frames = [mulaw[i : i + FRAME_BYTES] for i in range(0, len(mulaw), FRAME_BYTES)]
    if frames and len(frames[-1]) < FRAME_BYTES:
        frames[-1] = frames[-1].ljust(FRAME_BYTES, bytes([MULAW_SILENCE]))
    return frames


def to_phone(samples: NDArray[np.float32], rate: int) -> bytes:
    """What a caller hears: the audio at 8 kHz in mu-law."""
    return mulaw_encode(resample(samples, rate, PHONE_RATE))


class PhoneEncoder:
    """``to_phone`` and ``phone_frames`` for audio that arrives in pieces: whole 20 ms frames
    as soon as their samples are known, the same bytes as encoding the joined audio at once.

    The resampler is ``resample``'s polyphase filter run over a window of the audio so far.
    Output sample ``n`` sits at input position ``n * down / up``, so a window that starts at a
    multiple of ``down`` keeps the output's sample grid; it reaches back ``_CONTEXT`` input
    samples (more than the filter's half-length) so the zeros the filter sees before the
    window change nothing, and output whose filter would reach past the samples so far waits
    for the next piece (or for ``flush``, where the whole signal ends in zeros too).
    """

    def __init__(self, rate: int) -> None:
        if rate <= 0:
            raise AudioError(f"sample rates must be positive (got {rate})")
        common = gcd(rate, PHONE_RATE)
        self._up, self._down = PHONE_RATE // common, rate // common
        # resample_poly's filter spans 10 * max(up, down) upsampled samples each way.
        reach = -(-10 * max(self._up, self._down) // self._up)
        self._context = reach + 8
        self._audio = np.zeros(0, dtype=np.float32)
        self._start = 0  # input position of self._audio[0]; a multiple of down
        self._sent = 0  # output samples encoded so far
        self._mulaw = b""  # encoded, short of a whole frame
        self.done = False  # flushed: the audio is over

    def push(self, samples: NDArray[np.float32]) -> list[bytes]:
        self._audio = np.concatenate([self._audio, samples.astype(np.float32, copy=False)])
        known = self._start + self._audio.size - self._context
        return self._encode(max(self._sent, known * self._up // self._down))

    def flush(self) -> list[bytes]:
        """The rest, the last frame padded with silence."""
        end = -(-(self._start + self._audio.size) * self._up // self._down)
        frames = self._encode(end)
        if self._mulaw:
            frames.append(self._mulaw.ljust(FRAME_BYTES, bytes([MULAW_SILENCE])))
            self._mulaw = b""
        self.done = True
        return frames

    def _encode(self, until: int) -> list[bytes]:
        if until > self._sent and self._audio.size:
            first = self._start * self._up // self._down  # 8 kHz in: resample_poly copies
            out = resample_poly(self._audio, self._up, self._down)[
                self._sent - first : until - first
            ]
            self._mulaw += mulaw_encode(np.asarray(out, dtype=np.float32))
            self._sent = until
            self._drop_used()
        whole = len(self._mulaw) - len(self._mulaw) % FRAME_BYTES
        frames = phone_frames(self._mulaw[:whole])
        self._mulaw = self._mulaw[whole:]
        return frames

    def _drop_used(self) -> None:
        """Keep only the input the next output still needs, from a multiple of down."""
        needed = self._sent * self._down // self._up - self._context
        keep_from = max(self._start, needed // self._down * self._down)
        self._audio = self._audio[keep_from - self._start :]
        self._start = keep_from
