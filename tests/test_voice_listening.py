"""The call's listening side alone: when an early (speculative) transcript starts.

Scripted speech events and a transcriber that finishes only when the test lets it, so the
order of things is exact; the real models are exercised by test_voice_calls."""

from __future__ import annotations

import asyncio
import base64
import threading
from collections.abc import Callable
from typing import Any, cast

import numpy as np
import pytest
from numpy.typing import NDArray

from voice.audio import FRAME_BYTES
from voice.call import CallSession
from voice.config import CallConfig
from voice.models import VoiceModels
from voice.stt import Transcript
from voice.vad import EndpointConfig, SpeechPaused, SpeechResumed, VadEvent

FRAME = {"payload": base64.b64encode(b"\xff" * FRAME_BYTES).decode()}


class ScriptedEndpointer:
    """Gives the events of the script, one list per frame fed, then none."""

    def __init__(self) -> None:
        self.script: list[list[VadEvent]] = []
        self.stream_ms = 0
        self.silence_ms = 0
        self.in_speech = True

    def feed(self, audio: NDArray[np.float32]) -> list[VadEvent]:
        self.stream_ms += 20
        return self.script.pop(0) if self.script else []

    def reset(self) -> None:
        self.in_speech = False


class GatedTranscriber:
    """Records what it was asked to transcribe; each call returns when the test releases it."""

    def __init__(self) -> None:
        self.asked: list[int] = []  # sample counts, in order
        self.release = threading.Semaphore(0)

    def transcribe(self, audio: NDArray[np.float32]) -> Transcript:
        self.asked.append(audio.size)
        self.release.acquire(timeout=10)
        return Transcript("Is the pool open", "en", audio.size / 16_000, 0.0)


class FakeModels:
    def __init__(self) -> None:
        self.endpointer_made = ScriptedEndpointer()
        self.transcriber = GatedTranscriber()

    def endpointer(self, config: EndpointConfig) -> ScriptedEndpointer:
        return self.endpointer_made


def _session(models: FakeModels) -> CallSession:
    """A call's session on the fakes: only its listening side is driven (no service, grant
    or socket behind it)."""
    return CallSession(
        cast(Any, None),
        cast(VoiceModels, models),
        cast(Any, None),
        "MZ1",
        lambda message: asyncio.sleep(0),
        CallConfig(),
    )


def _pause(samples: int, at_ms: int) -> SpeechPaused:
    return SpeechPaused(np.zeros(samples, dtype=np.float32), at_ms=at_ms)


async def _until(session: CallSession, done: Callable[[], bool]) -> None:
    """Feed silent frames (as Twilio does all call long) until ``done``; 5 s at most."""
    for _ in range(500):
        if done():
            return
        await asyncio.sleep(0.01)
        session._on_media(FRAME)
    raise AssertionError("the call never got there")


async def _settle(session: CallSession) -> None:
    for _ in range(30):  # time for a transcription that should not start to show up
        await asyncio.sleep(0.01)
        session._on_media(FRAME)


def test_a_pause_heard_while_a_stale_transcript_runs_is_transcribed_once_that_one_is_done() -> None:
    async def call() -> None:
        models = FakeModels()
        session = _session(models)
        script = models.endpointer_made.script
        transcriber = models.transcriber
        script += [[_pause(16_000, 1000)], [SpeechResumed(1100)], [_pause(32_000, 2000)]]
        for _ in range(3):
            session._on_media(FRAME)
        await _until(session, lambda: transcriber.asked == [16_000])
        await _settle(session)
        # The first pause went stale and its transcription is still running: the second
        # pause waits for the CPU instead of running a second transcription beside it...
        assert transcriber.asked == [16_000]
        transcriber.release.release()  # ...and starts as soon as the first is done.
        await _until(session, lambda: len(transcriber.asked) == 2)
        assert transcriber.asked == [16_000, 32_000]
        transcriber.release.release()
        await _settle(session)
        assert transcriber.asked == [16_000, 32_000]  # nothing more: one early transcript

    asyncio.run(call())


def test_speech_that_resumes_drops_the_pause_so_nothing_is_transcribed_for_it() -> None:
    async def call() -> None:
        models = FakeModels()
        session = _session(models)
        script = models.endpointer_made.script
        script += [[_pause(16_000, 1000)], [SpeechResumed(1100)], [_pause(24_000, 1500)]]
        script += [[SpeechResumed(1600)]]
        session._on_media(FRAME)
        session._on_media(FRAME)  # resumed while the first still runs
        session._on_media(FRAME)  # paused again: must wait
        session._on_media(FRAME)  # resumed again before the first finished
        await _until(session, lambda: models.transcriber.asked == [16_000])
        models.transcriber.release.release()
        await _settle(session)
        assert models.transcriber.asked == [16_000]  # the stale second pause was never run

    asyncio.run(call())


class GatedVoice:
    """A synthesizer whose sentence comes in two pieces; the second waits for the test (like
    a decoder window still running in its worker thread)."""

    sample_rate = 8000

    def __init__(self) -> None:
        self.release = threading.Semaphore(0)
        self.started_second = threading.Event()

    def stream(self, text: str, *, steady: bool = False) -> Any:
        yield np.zeros(1600, dtype=np.float32)
        self.started_second.set()
        self.release.acquire(timeout=10)
        yield np.zeros(1600, dtype=np.float32)


def _speaking_session(voice: Any, config: CallConfig) -> tuple[CallSession, list[dict[str, Any]]]:
    """A call's session that speaks with ``voice``, and the messages it sends (only its
    speaking side is driven)."""
    models = FakeModels()
    models.synthesizer = voice  # type: ignore[attr-defined]
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    session = CallSession(
        cast(Any, None), cast(VoiceModels, models), cast(Any, None), "MZ1", send, config
    )
    return session, sent


def test_a_barge_in_while_a_sentence_is_still_synthesized_just_cancels_the_speaking() -> None:
    """The cancel lands while the worker thread is inside the sentence's generator: the
    speaking task ends cancelled (before, closing the running generator raised ValueError
    out of the task, and asyncio logged an exception nobody retrieved)."""

    async def call() -> None:
        voice = GatedVoice()
        session, sent = _speaking_session(voice, CallConfig())
        session._speaker = session._spawn(session._speak("Good evening."))
        for _ in range(500):
            if voice.started_second.is_set():
                break
            await asyncio.sleep(0.01)
        assert any(m["event"] == "media" for m in sent)  # the first piece went out at once
        session._barge_in()
        done, _ = await asyncio.wait({session._speaker}, timeout=5)
        assert done and session._speaker.cancelled()
        assert await _cleared(sent)
        voice.release.release()  # the worker thread finishes its step

    asyncio.run(call())


class RecordingVoice:
    """A synthesizer that notes how it was asked to speak each sentence."""

    sample_rate = 8000

    def __init__(self) -> None:
        self.asked: list[tuple[str, bool]] = []

    def stream(self, text: str, *, steady: bool = False) -> Any:
        self.asked.append((text, steady))
        yield np.zeros(800, dtype=np.float32)


@pytest.mark.parametrize("steady", [False, True])
def test_the_agent_speaks_as_steadily_as_the_call_is_configured(steady: bool) -> None:
    async def call() -> list[dict[str, Any]]:
        voice = RecordingVoice()
        session, sent = _speaking_session(voice, CallConfig(steady_voice=steady))
        await session._speak("Good evening. How can I help?")
        assert voice.asked == [("Good evening.", steady), ("How can I help?", steady)]
        return sent

    sent = asyncio.run(call())
    assert [m["event"] for m in sent].count("media") == 10  # 2 × 100 ms of 20 ms frames
    assert [m["event"] for m in sent].count("mark") == 2


async def _cleared(sent: list[dict[str, Any]]) -> bool:
    for _ in range(100):
        if {"event": "clear", "streamSid": "MZ1"} in sent:
            return True
        await asyncio.sleep(0.01)
    return False
