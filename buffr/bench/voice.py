"""``buffr bench voice``: per-turn latency of a phone call, from the end of the caller's speech.

One simulated call (real time, the exact Media Streams protocol) to the app served in this
process on a throwaway copy of the demo data, with the default speech models. The caller asks
the questions below, spoken by piper. For each turn the server records the time from the end
of the caller's speech (the last voiced frame's arrival) to the transcript, to the reply text
and to the first audio frame sent, and the model's own time; "voice" is first audio less the
model's time, the figure the target (600 ms) is about. STT and TTS real-time factors are
measured on the same audio afterwards, and the host's speed before and after
(``buffr.bench.reference``), since a shared VM's slow spells move every figure.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from langchain_core.messages import BaseMessage, HumanMessage
from langchain_core.outputs import ChatResult

from agents.llm.fake import InstantChatModel
from agents.llm.warmup import bind_agent_tools
from api.services import ChatModelFactory
from buffr.bench.reference import host_speed_ms
from buffr.bench.scratch import scratch_database
from buffr.services import Endpoints
from buffr.settings import Settings
from voice.audio import PHONE_RATE, STT_RATE, resample
from voice.harness import local_service, place_call
from voice.models import voice_models
from voice.simulator import Say
from voice.speakable import speakable
from voice.tts import sentences
from voice.warmup import warm_for_calls

TARGET_VOICE_MS = 600.0
CALLER = "+15005550123"
# Questions whisper base hears right in the steady voice the callers use. "Is the swimming
# pool heated?" came out as "is the swimming pool he did." every time (so did four other
# wordings with "heated"): the receptionist could not answer, handed the call to a person,
# and the last turn went unanswered, so the run measured 4 turns instead of 5.
QUESTIONS = (
    "What time is breakfast served?",
    "What time is check-in?",
    "Do you have parking at the hotel?",
    "When does the swimming pool open?",
    "Can I bring my dog?",
)


class EchoAskModel(InstantChatModel):
    """An instant model that asks the hotel's documents what the caller asked: real tool calls
    through the real path, no model time (``--llm instant``)."""

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> ChatResult:
        asked = next((m for m in reversed(messages) if isinstance(m, HumanMessage)), None)
        question = str(asked.content) if asked is not None else "opening hours"
        self.tool_call = {"name": "ask_hotel", "args": {"question": question[:300]}}
        return super()._generate(messages, stop, run_manager, **kwargs)


@dataclass(frozen=True)
class VoiceTurn:
    transcript: str
    reply: str
    to_transcript_ms: float
    to_reply_ms: float
    to_first_audio_ms: float
    llm_ms: float
    voice_ms: float
    endpoint_ms: float
    stt_ms: float
    tts_first_ms: float


@dataclass(frozen=True)
class VoiceReport:
    turns: list[VoiceTurn]
    stt_rtf: float  # compute seconds per second of audio
    tts_rtf: float
    model: str
    host_ms: tuple[float, float]  # the reference loop before and after the call

    @property
    def voice_p50(self) -> float:
        return statistics.median(t.voice_ms for t in self.turns)

    @property
    def voice_max(self) -> float:
        return max(t.voice_ms for t in self.turns)


def run(
    settings: Settings,
    endpoints: Endpoints,
    turns: int,
    instant_llm: bool,
    progress: Callable[[str], None],
) -> VoiceReport:
    questions = [QUESTIONS[i % len(QUESTIONS)] for i in range(turns)]
    host_before = host_speed_ms()
    progress("loading and warming the speech models")
    models = voice_models(settings)
    synth = models.synthesizer
    # The callers speak steadily: the same audio every run, so runs compare.
    audio = [
        resample(synth.synthesize(q, steady=True), synth.sample_rate, PHONE_RATE) for q in questions
    ]
    chat_model: ChatModelFactory | None = None
    if instant_llm:
        echo = EchoAskModel()
        chat_model = lambda: echo  # noqa: E731
    with (
        scratch_database(endpoints) as db,
        local_service(settings, db.endpoints, chat_model) as (
            url,
            services,
        ),
    ):
        warm_for_calls(settings, services.db)  # the documents too, as `buffr serve` does
        if services.runtime.chat_model is not None:  # and the agents' tools, as it does
            bind_agent_tools(services.runtime.chat_model())
        progress(f"one call of {turns} turns, in real time")
        placed = place_call(
            url,
            services.db,
            services.settings,
            "demo",
            [Say(a) for a in audio],
            caller=CALLER,
            reply_timeout_s=300,
        )
    measured = [_turn(t) for t in placed.turns if "to_first_audio_ms" in t]
    if not measured:
        raise RuntimeError(f"no turn was answered (the call ended: {placed.end_reason})")
    progress("real-time factors of STT and TTS on the same audio")
    stt_rtf = _ratio(
        [models.transcriber.transcribe(resample(a, PHONE_RATE, STT_RATE)) for a in audio],
        lambda t: (t.seconds, t.audio_s),
    )
    tts_rtf = _tts_rtf(synth, [t.reply for t in measured])
    model = "instant (echo)" if instant_llm else "configured"
    return VoiceReport(measured, stt_rtf, tts_rtf, model, (host_before, host_speed_ms()))


def _turn(stats: dict[str, Any]) -> VoiceTurn:
    return VoiceTurn(
        transcript=stats["transcript"],
        reply=stats["reply"],
        to_transcript_ms=stats["to_transcript_ms"],
        to_reply_ms=stats["to_reply_ms"],
        to_first_audio_ms=stats["to_first_audio_ms"],
        llm_ms=stats["llm_ms"],
        voice_ms=stats["voice_ms"],
        endpoint_ms=stats["endpoint_ms"],
        stt_ms=stats["stt_ms"],
        tts_first_ms=stats.get("tts_first_ms", 0.0),
    )


def _ratio(items: Sequence[Any], parts: Callable[[Any], tuple[float, float]]) -> float:
    spent = sum(parts(item)[0] for item in items)
    length = sum(parts(item)[1] for item in items)
    return spent / length if length else 0.0


def _tts_rtf(synth: Any, replies: list[str]) -> float:
    spent = length = 0.0
    for reply in replies:
        for sentence in sentences(speakable(reply)):
            started = time.perf_counter()
            audio = synth.synthesize(sentence)
            spent += time.perf_counter() - started
            length += audio.size / synth.sample_rate
    return spent / length if length else 0.0
