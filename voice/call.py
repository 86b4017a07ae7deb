"""One phone call over a Twilio Media Stream: listen, take turns, speak, let the caller interrupt.

The handler is driven by what Twilio sends: 20 ms mu-law frames all call long (silence too),
DTMF digits, the marks it plays back, and ``stop``. Every inbound frame goes through the voice
activity detector inline (well under a millisecond); everything slow runs in worker threads:

* **Listening.** When the caller pauses (``SpeechPaused``) transcription starts at once (or as
  soon as a transcription already running is done), so by the time the pause is long enough to
  end the turn the transcript is mostly ready; speech that resumes makes that early transcript
  stale and it is dropped.
* **Turns.** Utterances queue for one turn worker: transcript, then the same graph turn every
  channel runs (``api.turns.run_turn``, the caller's phone number as sender), then speaking.
* **Speaking.** The reply is synthesised sentence by sentence and each sentence's frames are
  sent as soon as it is ready, followed by a mark; Twilio plays them in order and echoes each
  mark when played, which is how the handler knows the agent is still audible.
* **Barge-in.** Speech from the caller while the agent is audible stops the speaking task and
  sends ``clear`` (Twilio drops the buffered audio); the caller's speech is the next turn.
* **Silence** after the agent has finished speaking gets a prompt, then a goodbye and the end.
  Time is the caller's streamed audio, so a test may stream faster than real time.
* **DTMF 0** hands the conversation to a person (handoff record and staff notification), then
  transfers the call when the property has a number for it, else promises a call back.

Each turn's transcript, reply and stage timings are appended to the call's row; the transcript
of both sides is on the conversation like any channel's.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import logging
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Generator
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
from anyio import to_thread
from numpy.typing import NDArray

from agents.turn import Turn
from api import metrics
from api.services import Services
from api.turns import run_turn
from channels.outbound import notify_later
from domain.conversations import Channel
from voice import calls
from voice.audio import FRAME_BYTES, LINE_END, STT_RATE, PhoneEncoder, mulaw_decode
from voice.config import CallConfig
from voice.models import VoiceModels
from voice.speakable import speakable
from voice.stt import Transcript
from voice.tokens import CallGrant
from voice.tts import sentences
from voice.vad import Endpointer, SpeechEnded, SpeechPaused, SpeechResumed, SpeechStarted

log = logging.getLogger(__name__)

T = TypeVar("T")
Send = Callable[[dict[str, Any]], Awaitable[None]]
MAX_EARLY_S = 10  # longest utterance transcribed speculatively at a pause
MAX_BAD_MESSAGES = 50  # malformed messages tolerated before the stream is given up


@dataclass
class Utterance:
    """One turn of the caller's speech, with when it ended (wall clock, for the timings)."""

    audio: NDArray[np.float32]
    ended_wall: float
    detected_wall: float
    cut: bool
    transcript: asyncio.Task[Transcript]


@dataclass
class CallState:
    turn: int = 0
    idle_since_ms: int = 0  # stream time the agent last went quiet with nothing to do
    prompts: int = 0
    bad_messages: int = 0
    last_chunk: int = 0
    end_reason: str = "caller_hung_up"
    turn_failures: int = 0
    turn_stats: dict[str, Any] = field(default_factory=dict)


class CallSession:
    def __init__(
        self,
        services: Services,
        models: VoiceModels,
        grant: CallGrant,
        stream_sid: str,
        send: Send,
        config: CallConfig,
    ) -> None:
        self.services = services
        self.models = models
        self.grant = grant
        self.stream_sid = stream_sid
        self._send_raw = send
        self.config = config
        self.endpointer: Endpointer = models.endpointer(config.endpoint)
        self.state = CallState()
        self.opened: calls.OpenedCall | None = None
        self._send_lock = asyncio.Lock()
        self._marks: set[str] = set()
        self._marks_done = asyncio.Event()
        self._marks_done.set()
        self._mark_seq = 0
        self._speaker: asyncio.Task[None] | None = None
        self._early: asyncio.Task[Transcript] | None = None  # of the current utterance
        self._paused: SpeechPaused | None = None  # the pause it transcribes
        self._stt_running: asyncio.Task[Transcript] | None = None  # the latest started
        self._queue: asyncio.Queue[Utterance] = asyncio.Queue()
        self._busy = False  # the turn worker is on an utterance
        self._closing = asyncio.Event()
        self._arrivals: deque[tuple[int, float]] = deque(maxlen=1000)  # (stream ms, wall)
        self._tasks: set[asyncio.Task[Any]] = set()  # strong references until done
        self._unrecorded: dict[str, Any] | None = None

    def _spawn(self, work: Coroutine[Any, Any, T]) -> asyncio.Task[T]:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # -- the call's life -----------------------------------------------------------------

    async def run(self, messages: AsyncIterator[dict[str, Any]]) -> None:
        """Handle the stream until Twilio stops it or the call ends; always records the end."""
        grant = self.grant
        self.opened = await to_thread.run_sync(
            calls.open_call, self.services.db, grant.property_id, grant.call_sid, grant.caller
        )
        self._spawn(self._turns())
        self._speaker = self._spawn(self._open())  # the greeting: speech the caller may cut
        try:
            await self._listen(messages)
        except Exception:
            self.state.end_reason = "error"
            log.exception("call %s failed", grant.call_sid)
        finally:
            await self._stop_tasks()
            if self._unrecorded is not None:
                if not self._unrecorded.get("played"):
                    self._unrecorded["interrupted"] = True  # hung up before it was all heard
                await to_thread.run_sync(
                    calls.record_turn,
                    self.services.db,
                    grant.property_id,
                    self.opened.call_id,
                    _recordable(self._unrecorded),
                )
            await to_thread.run_sync(
                calls.end_call,
                self.services.db,
                grant.property_id,
                self.opened.call_id,
                self.state.end_reason,
            )

    async def _stop_tasks(self) -> None:
        # Tasks spawn tasks (a turn starts its speaking), so cancel until none is left. A
        # cancelled turn's worker thread runs on to the end of its transaction (asyncio's
        # cancel does not stop a thread), so nothing is half-written.
        for _ in range(5):
            tasks = list(self._tasks)
            if not tasks:
                return
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        metrics.CALL_TASKS_LEFT.inc(len(self._tasks))

    async def _open(self) -> None:
        assert self.opened is not None
        if self.opened.with_staff:
            await self._speak_and_hang_up(self.config.with_staff_text, "with_staff")
            return
        await self._speak(self.opened.greeting, store=False)  # open_call stored it

    async def _listen(self, messages: AsyncIterator[dict[str, Any]]) -> None:
        # Twilio sends a frame every 20 ms all call long, so checking for the end between
        # messages is prompt enough; a stream silent for ``stall_s`` is dead.
        iterator = messages.__aiter__()
        while not self._closing.is_set():
            try:
                # A timeout scope, not wait_for: that wraps every frame's read in a task.
                async with asyncio.timeout(self.config.stall_s):
                    message = await anext(iterator)
            except StopAsyncIteration:
                return  # the socket closed: the caller hung up
            except TimeoutError:
                self.state.end_reason = "stream_stalled"
                return
            if not await self._handle(message):
                return

    async def _handle(self, message: dict[str, Any]) -> bool:
        """One message from Twilio; False when the stream is over."""
        event = message.get("event")
        if event == "media":
            self._on_media(message.get("media"))
        elif event == "mark":
            self._on_mark(message.get("mark"))
        elif event == "dtmf":
            await self._on_dtmf(message.get("dtmf"))
        elif event == "stop":
            return False
        else:
            self._bad(f"unexpected event {event!r}")
        return self.state.bad_messages <= MAX_BAD_MESSAGES

    # -- inbound audio -------------------------------------------------------------------

    def _on_media(self, media: Any) -> None:
        if not isinstance(media, dict) or media.get("track", "inbound") != "inbound":
            self._bad("media without an inbound payload")
            return
        chunk = _int(media.get("chunk"))
        if chunk is not None:
            if chunk <= self.state.last_chunk:
                self._bad(f"frame {chunk} out of order (after {self.state.last_chunk})")
                return  # late audio would be heard in the wrong place: dropped
            self.state.last_chunk = chunk
        try:
            payload = base64.b64decode(str(media.get("payload", "")), validate=True)
        except (binascii.Error, ValueError):
            self._bad("media payload is not base64")
            return
        if not payload or len(payload) > 10 * FRAME_BYTES:
            self._bad(f"media payload of {len(payload)} bytes")
            return
        for event in self.endpointer.feed(mulaw_decode(payload)):
            if isinstance(event, SpeechStarted):
                if self._audible():
                    self._barge_in()
            elif isinstance(event, SpeechPaused):
                self._paused = event  # transcribed early by _speculate, below
            elif isinstance(event, SpeechResumed):
                self._early = self._paused = None  # stale: the caller went on
            elif isinstance(event, SpeechEnded):
                self._utterance(event)
        self._arrivals.append((self.endpointer.stream_ms, time.perf_counter()))
        self._speculate()
        self._end_if_complete()
        self._check_silence()

    def _end_if_complete(self) -> None:
        """End the turn before the full ``end_ms`` of silence when the early transcript reads
        as a finished sentence (whisper punctuates: "Can I bring my dog?") and the caller has
        been quiet for ``quick_end_ms``: a complete question is answered sooner, a sentence
        left hanging ("a table for...") still gets the patient wait."""
        early, paused = self._early, self._paused
        if early is None or paused is None or not early.done() or early.cancelled():
            return
        if self.endpointer.silence_ms < self.config.quick_end_ms:
            return
        if early.exception() is not None or not _sounds_finished(early.result().text):
            return
        self.endpointer.reset()  # this utterance is over: no SpeechEnded will follow
        self._utterance(SpeechEnded(paused.audio, at_ms=paused.at_ms, cut=False))

    def _utterance(self, event: SpeechEnded) -> None:
        early, self._early = self._early, None
        self._paused = None
        transcript = early if early is not None and not event.cut else self._transcribe(event.audio)
        self.state.idle_since_ms = self.endpointer.stream_ms
        self.state.prompts = 0
        self._queue.put_nowait(
            Utterance(
                event.audio,
                self._wall_at(event.at_ms),
                time.perf_counter(),
                event.cut,
                transcript,
            )
        )

    def _speculate(self) -> None:
        """Transcribe the paused utterance before the turn is over: at once, or, when another
        transcription holds the CPU (one gone stale because the caller went on after an
        earlier pause), as soon as that one is done. Checked on every frame: waiting for the
        end of the turn instead cost the full ``end_ms`` of silence plus a transcription."""
        paused = self._paused
        if paused is None or self._early is not None or not self._may_speculate(paused.audio):
            return
        self._early = self._transcribe(paused.audio)

    def _may_speculate(self, audio: NDArray[np.float32]) -> bool:
        """An early transcript only for a turn-sized utterance and with no transcription
        running: a long talker pausing often would otherwise queue transcriptions of ever
        longer audio that all go stale, starving the one that counts of CPU."""
        idle = self._stt_running is None or self._stt_running.done()
        return idle and audio.size <= MAX_EARLY_S * STT_RATE

    def _transcribe(self, audio: NDArray[np.float32]) -> asyncio.Task[Transcript]:
        transcriber = self.models.transcriber
        self._stt_running = self._spawn(to_thread.run_sync(transcriber.transcribe, audio))
        return self._stt_running

    def _wall_at(self, stream_ms: int) -> float:
        """When the frame holding ``stream_ms`` of the caller's audio arrived."""
        for ms, wall in self._arrivals:
            if ms >= stream_ms:
                return wall
        return time.perf_counter()

    def _check_silence(self) -> None:
        if self._busy or self._audible() or self.endpointer.in_speech or not self._queue.empty():
            self.state.idle_since_ms = self.endpointer.stream_ms
            return
        silent_ms = self.endpointer.stream_ms - self.state.idle_since_ms
        if silent_ms < self.config.silence_prompt_s * 1000:
            return
        self.state.idle_since_ms = self.endpointer.stream_ms
        if self.state.prompts < self.config.silence_prompts:
            self.state.prompts += 1
            self._speaker = self._spawn(self._say(self.config.prompt_text))
        else:
            self._speaker = self._spawn(
                self._speak_and_hang_up(self.config.goodbye_text, "silence")
            )

    # -- marks, barge-in, DTMF -----------------------------------------------------------

    def _on_mark(self, mark: Any) -> None:
        name = mark.get("name") if isinstance(mark, dict) else None
        self._marks.discard(str(name))
        if not self._marks:
            self._marks_done.set()

    def _audible(self) -> bool:
        speaking = self._speaker is not None and not self._speaker.done()
        return speaking or bool(self._marks)

    def _barge_in(self) -> None:
        if self._speaker is not None:
            self._speaker.cancel()
        self._marks.clear()
        self._marks_done.set()
        self.state.turn_stats["interrupted"] = True
        self._spawn(self._send({"event": "clear", "streamSid": self.stream_sid}))

    async def _on_dtmf(self, dtmf: Any) -> None:
        digit = dtmf.get("digit") if isinstance(dtmf, dict) else None
        if digit != "0":
            return
        assert self.opened is not None
        grant = self.grant
        if self._speaker is not None:
            self._speaker.cancel()
        await self._send({"event": "clear", "streamSid": self.stream_sid})
        await to_thread.run_sync(
            calls.hand_off,
            self.services.db,
            grant.property_id,
            grant.caller,
            self.opened.conversation_id,
        )
        await to_thread.run_sync(notify_later, self.services, grant.property_id)
        self._speaker = self._spawn(self._transfer())

    async def _transfer(self) -> None:
        services = self.services
        number = await to_thread.run_sync(
            calls.transfer_number, services.db, self.grant.property_id
        )
        if number is None:
            await self._speak_and_hang_up(self.config.callback_text, "handoff")
            return
        await self._say(self.config.handoff_text)
        await self._marks_done.wait()
        try:
            await to_thread.run_sync(calls.transfer, services.settings, self.grant.call_sid, number)
            self.state.end_reason = "transferred"
        except Exception as error:  # the caller still hears why, and staff have the handoff
            log.warning("transfer of %s failed: %s", self.grant.call_sid, error)
            await self._say(self.config.callback_text)
            await self._marks_done.wait()
            self.state.end_reason = "handoff"
        self._closing.set()

    # -- turns ---------------------------------------------------------------------------

    async def _turns(self) -> None:
        while True:
            utterance = await self._queue.get()
            self._busy = True
            try:
                await self._take_turn(utterance)
            except Exception:
                # One failed turn (the model, the database) must not leave the caller in
                # silence for the rest of the call: say so, and keep listening.
                log.exception("call %s: a turn failed", self.grant.call_sid)
                self.state.turn_failures += 1
                self._speaker = self._spawn(self._say(self.config.failed_text))
            finally:
                self._busy = False
                self.state.idle_since_ms = self.endpointer.stream_ms

    async def _take_turn(self, utterance: Utterance) -> None:
        assert self.opened is not None
        transcript = await utterance.transcript
        heard = time.perf_counter()
        text = transcript.text.strip()
        if not text:
            return  # a cough or a noise: nothing to answer
        self.state.turn += 1
        stats: dict[str, Any] = {
            "turn": self.state.turn,
            "transcript": text,
            "utterance_s": round(transcript.audio_s, 2),
            "cut": utterance.cut,
            "endpoint_ms": _ms(utterance.detected_wall - utterance.ended_wall),
            "stt_ms": round(transcript.seconds * 1000, 1),
            "to_transcript_ms": _ms(heard - utterance.ended_wall),
            "interrupted": False,
        }
        grant = self.grant
        turn = Turn(
            grant.slug,
            Channel.VOICE,
            grant.caller,
            text,
            message_id=f"{grant.call_sid}:{self.state.turn}",
        )
        result = await run_turn(self.services, turn)
        replied = time.perf_counter()
        self._unrecorded = stats  # recorded at teardown if the caller hangs up mid-reply
        llm_ms = result.timings_ms.get("llm", 0.0)
        stats.update(
            reply=result.reply,
            agent=result.agent,
            llm_ms=round(llm_ms, 1),
            turn_ms=round(result.timings_ms.get("turn", 0.0), 1),
            to_reply_ms=_ms(replied - utterance.ended_wall),
            ended_wall=utterance.ended_wall,  # for the first audio's timing (then dropped)
        )
        if result.reply:
            self._speaker = self._spawn(self._speak(result.reply, stats=stats))
            await asyncio.wait({self._speaker})  # a barge-in cancels the speaking, not this
            await self._marks_done.wait()  # played to the end (or cleared by a barge-in)
        else:
            # A person has the conversation (handed off in an earlier turn or by staff): the
            # agent stays silent on every channel, but a caller cannot be left in silence.
            self._speaker = self._spawn(
                self._speak_and_hang_up(self.config.with_staff_text, "with_staff")
            )
        stats["played"] = True
        await to_thread.run_sync(
            calls.record_turn,
            self.services.db,
            grant.property_id,
            self.opened.call_id,
            _recordable(stats),
        )
        self._unrecorded = None

    # -- speaking ------------------------------------------------------------------------

    async def _say(self, text: str) -> None:
        """Speak a line outside a turn and store it on the conversation."""
        await self._speak(text, store=True)

    async def _speak_and_hang_up(self, text: str, reason: str) -> None:
        await self._speak(text, store=True)
        await self._marks_done.wait()  # let the caller hear it to the end
        self.state.end_reason = reason
        self._closing.set()

    async def _speak(
        self, text: str, *, store: bool = False, stats: dict[str, Any] | None = None
    ) -> None:
        if store and self.opened is not None:
            await to_thread.run_sync(
                calls.say_line,
                self.services.db,
                self.grant.property_id,
                self.opened.conversation_id,
                text,
            )
        synthesizer = self.models.synthesizer
        self.state.turn_stats = stats if stats is not None else {}
        pieces = sentences(speakable(text))
        for index, sentence in enumerate(pieces):
            started = time.perf_counter()
            audio = synthesizer.stream(sentence, steady=self.config.steady_voice)
            encoder = PhoneEncoder(synthesizer.sample_rate)
            try:
                while (
                    frames := await to_thread.run_sync(_next_frames, audio, encoder)
                ) is not None:
                    if frames and stats is not None and "tts_first_ms" not in stats:
                        stats["tts_first_ms"] = _ms(time.perf_counter() - started)
                    await self._send_frames(frames, stats)
            finally:
                # A barge-in: the rest of the sentence is not synthesized. A cancel can land
                # while a worker thread is still in the generator (asyncio's cancel does not
                # wait for it): then it cannot be closed here, and closes when collected.
                with contextlib.suppress(ValueError):
                    audio.close()
            self._mark_seq += 1
            mark = f"t{self.state.turn}-s{index}-m{self._mark_seq}"
            if index == len(pieces) - 1:
                mark += LINE_END  # the caller's side can tell a finished line from a pause
            self._marks.add(mark)
            self._marks_done.clear()
            await self._send(
                {"event": "mark", "streamSid": self.stream_sid, "mark": {"name": mark}}
            )

    async def _send_frames(self, frames: list[bytes], stats: dict[str, Any] | None) -> None:
        for frame in frames:
            await self._send(
                {
                    "event": "media",
                    "streamSid": self.stream_sid,
                    "media": {"payload": base64.b64encode(frame).decode("ascii")},
                }
            )
            if stats is not None and "to_first_audio_ms" not in stats:
                # From the end of the caller's speech; "voice" leaves the model's time out.
                to_audio = _ms(time.perf_counter() - stats.pop("ended_wall"))
                stats["to_first_audio_ms"] = to_audio
                stats["voice_ms"] = round(to_audio - stats.get("llm_ms", 0.0), 1)

    async def _send(self, message: dict[str, Any]) -> None:
        async with self._send_lock:
            await self._send_raw(message)

    def _bad(self, why: str) -> None:
        self.state.bad_messages += 1
        if self.state.bad_messages <= 3:
            log.warning("call %s: %s", self.grant.call_sid, why)


def _next_frames(
    audio: Generator[NDArray[np.float32], None, None], encoder: PhoneEncoder
) -> list[bytes] | None:
    """The next piece of synthesized speech as phone frames (in a worker thread: both steps
    take milliseconds); the last frames when the speech is over, then None."""
    if encoder.done:
        return None
    piece = next(audio, None)
    return encoder.flush() if piece is None else encoder.push(piece)


def _recordable(stats: dict[str, Any]) -> dict[str, Any]:
    """A turn's figures without the handler's own bookkeeping (wall-clock marks, flags)."""
    return {k: v for k, v in stats.items() if k not in ("played", "ended_wall")}


def _sounds_finished(text: str) -> bool:
    stripped = text.strip()
    return stripped.endswith((".", "?", "!")) and not stripped.endswith("..")


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)
