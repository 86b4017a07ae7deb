"""A caller over the exact Twilio Media Streams protocol, for tests, the CLI and the benchmark.

The simulator plays Twilio's part: it posts the signed voice webhook, reads the TwiML for the
stream URL and token, opens the socket, sends ``connected`` and ``start``, then streams 20 ms
mu-law frames all call long (the caller's speech when there is some, silence otherwise), like a
phone line. The agent's frames go into a playback buffer that is played out at the same pace;
each mark is echoed when playback reaches it, and ``clear`` empties the buffer, as Twilio does.
Everything the agent played is recorded (silence included), so the WAV sounds like the call.

``speed`` > 1 runs the whole call (both directions) faster than real time; the server counts
time in streamed audio, so its behaviour is the same.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import secrets
import time
import xml.etree.ElementTree as ET
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import httpx
import numpy as np
from numpy.typing import NDArray
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from channels.signature import SIGNATURE_HEADER, sign
from voice.audio import FRAME_BYTES, FRAME_MS, LINE_END, mulaw_decode, mulaw_encode, phone_frames

SILENT_FRAME = b"\xff" * FRAME_BYTES


@dataclass(frozen=True)
class Say:
    """Speak ``audio`` (8 kHz) once the agent has finished speaking, or, with
    ``barge_in_after_s``, that long after the agent starts its next reply. Then wait for the
    agent's answer to be played, unless ``wait`` is False (to talk over it, or hang up)."""

    audio: NDArray[np.float32]
    barge_in_after_s: float | None = None
    wait: bool = True


@dataclass(frozen=True)
class Press:
    digit: str


@dataclass(frozen=True)
class Wait:
    """Stay on the line (silent) for ``seconds`` of call time."""

    seconds: float


@dataclass(frozen=True)
class HangUp:
    """Hang up; with ``during_reply`` as soon as the agent's next reply starts playing."""

    during_reply: bool = False


@dataclass(frozen=True)
class Raw:
    """Send ``text`` on the socket as it is (malformed input for the server to survive)."""

    text: str


Step = Say | Press | Wait | HangUp | Raw


@dataclass
class Utterance:
    """What the caller said and when the agent's audio came back (client-side clock)."""

    seconds: float
    ended_at: float = 0.0  # wall time its last frame was sent
    first_audio_ms: float | None = None  # end of speech → first agent frame received


@dataclass
class CallResult:
    call_sid: str
    agent_audio: NDArray[np.float32]  # 8 kHz, as played to the caller
    utterances: list[Utterance]
    clears: int
    closed_by_agent: bool
    close_code: int | None
    events: list[str] = field(default_factory=list)


class CallRefused(RuntimeError):
    """The webhook or the socket refused the call (with the reason)."""


def new_call_sid() -> str:
    return "CA" + secrets.token_hex(16)


async def simulate_call(
    base_url: str,
    slug: str,
    steps: list[Step],
    *,
    caller: str,
    auth_token: str,
    account_sid: str = "AC" + "0" * 32,
    speed: float = 1.0,
    reply_timeout_s: float = 120.0,
    end_timeout_s: float = 60.0,
    call_sid: str | None = None,
    token_override: str | None = None,
    media_format: dict[str, Any] | None = None,
) -> CallResult:
    """Place one call and play ``steps``; after the last step, hang up (unless the agent ends
    the call first; a ``Wait`` as last step lets it)."""
    call_sid = call_sid or new_call_sid()
    url, token = await answer_call(base_url, slug, caller, auth_token, account_sid, call_sid)
    line = _Line(
        call_sid,
        account_sid,
        token_override if token_override is not None else token,
        speed,
        media_format,
    )
    async with connect(url, max_size=2**20) as socket:
        line.socket = socket
        await line.begin()
        tasks = [
            asyncio.create_task(line.microphone()),
            asyncio.create_task(line.speaker()),
            asyncio.create_task(line.player()),
        ]
        try:
            await line.play(steps, reply_timeout_s, end_timeout_s)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
    return line.result()


async def answer_call(
    base_url: str, slug: str, caller: str, auth_token: str, account_sid: str, call_sid: str
) -> tuple[str, str]:
    """Post the signed voice webhook; the stream URL and token from the TwiML."""
    webhook = f"{base_url.rstrip('/')}/channels/twilio/{slug}/voice"
    form = {
        "AccountSid": account_sid,
        "CallSid": call_sid,
        "From": caller,
        "To": "+15005550006",
        "CallStatus": "ringing",
        "Direction": "inbound",
    }
    headers = {SIGNATURE_HEADER: sign(auth_token, webhook, form)}
    async with httpx.AsyncClient(timeout=30) as http:
        response = await http.post(webhook, data=form, headers=headers)
    if response.status_code != 200:
        raise CallRefused(f"the voice webhook answered {response.status_code}: {response.text}")
    root = ET.fromstring(response.text)
    stream = root.find("./Connect/Stream")
    if stream is None:
        raise CallRefused(f"the TwiML connects no stream: {response.text}")
    parameter = stream.find("./Parameter[@name='token']")
    return stream.attrib["url"], (parameter.attrib["value"] if parameter is not None else "")


class _Line:
    """Both directions of one simulated phone line."""

    def __init__(
        self,
        call_sid: str,
        account_sid: str,
        token: str,
        speed: float,
        media_format: dict[str, Any] | None,
    ) -> None:
        self.call_sid = call_sid
        self.account_sid = account_sid
        self.token = token
        self.frame_s = FRAME_MS / 1000 / speed
        self.second = 1.0 / speed  # one second of call time, in wall seconds
        self.media_format = media_format or {
            "encoding": "audio/x-mulaw",
            "sampleRate": 8000,
            "channels": 1,
        }
        self.stream_sid = "MZ" + secrets.token_hex(16)
        self.socket: ClientConnection | None = None
        self.mic: deque[bytes] = deque()  # the caller's frames waiting to be sent
        self.playback: deque[bytes | str] = deque()  # agent frames, and mark names among them
        self.played: list[bytes] = []
        self.utterances: list[Utterance] = []
        self.clears = 0
        self.sequence = 0
        self.chunk = 0
        self.last_agent_frame = 0.0  # wall time
        self.agent_frames = 0
        self.lines_sent = 0  # spoken lines the agent has finished sending (LINE_END marks)
        self.lines_played = 0  # ... and that have been played out (or cleared)
        self.closed = asyncio.Event()
        self.close_code: int | None = None
        self.hung_up = False
        self.events: list[str] = []

    # -- the protocol ------------------------------------------------------------------

    async def send(self, message: dict[str, Any]) -> None:
        assert self.socket is not None
        self.sequence += 1
        message.setdefault("sequenceNumber", str(self.sequence))
        with contextlib.suppress(ConnectionClosed):
            await self.socket.send(json.dumps(message))

    async def begin(self) -> None:
        await self.send({"event": "connected", "protocol": "Call", "version": "1.0.0"})
        await self.send(
            {
                "event": "start",
                "streamSid": self.stream_sid,
                "start": {
                    "accountSid": self.account_sid,
                    "streamSid": self.stream_sid,
                    "callSid": self.call_sid,
                    "tracks": ["inbound"],
                    "mediaFormat": self.media_format,
                    "customParameters": {"token": self.token},
                },
            }
        )

    async def microphone(self) -> None:
        """A frame every 20 ms (scaled by speed), speech when queued, else silence."""
        started = time.perf_counter()
        while not self.closed.is_set() and not self.hung_up:
            frame = self.mic.popleft() if self.mic else SILENT_FRAME
            self.chunk += 1
            await self.send(
                {
                    "event": "media",
                    "streamSid": self.stream_sid,
                    "media": {
                        "track": "inbound",
                        "chunk": str(self.chunk),
                        "timestamp": str(self.chunk * FRAME_MS),
                        "payload": base64.b64encode(frame).decode("ascii"),
                    },
                }
            )
            if not self.mic and self.utterances and self.utterances[-1].ended_at == 0.0:
                self.utterances[-1].ended_at = time.perf_counter()
            await _sleep_until(started + self.chunk * self.frame_s)

    async def speaker(self) -> None:
        """What the agent sends: frames into the playback buffer, marks after them, clear."""
        assert self.socket is not None
        try:
            async for raw in self.socket:
                message = json.loads(raw)
                event = message.get("event")
                if event == "media":
                    payload = base64.b64decode(message["media"]["payload"])
                    self.playback.append(payload)
                    self.agent_frames += 1
                    self.last_agent_frame = time.perf_counter()
                    self._note_first_audio()
                elif event == "mark":
                    name = str(message["mark"]["name"])
                    self.playback.append(name)
                    if name.endswith(LINE_END):
                        self.lines_sent += 1
                elif event == "clear":
                    self.clears += 1
                    self.events.append("clear")
                    marks = [item for item in self.playback if isinstance(item, str)]
                    self.playback.clear()
                    for name in marks:  # Twilio returns the marks of cleared audio
                        await self._echo_mark(name)
        except ConnectionClosed:
            pass
        finally:
            assert self.socket is not None
            self.close_code = self.socket.close_code
            self.closed.set()

    async def player(self) -> None:
        """Play the buffer out in real (scaled) time, echoing marks as they are reached."""
        started = time.perf_counter()
        tick = 0
        while True:
            while self.playback and isinstance(self.playback[0], str):
                name = self.playback.popleft()
                assert isinstance(name, str)
                await self._echo_mark(name)
            item = self.playback.popleft() if self.playback else SILENT_FRAME
            assert isinstance(item, bytes)
            self.played.append(item)
            tick += 1
            await _sleep_until(started + tick * self.frame_s)

    async def _echo_mark(self, name: str) -> None:
        if name.endswith(LINE_END):
            self.lines_played += 1
        await self.send({"event": "mark", "streamSid": self.stream_sid, "mark": {"name": name}})

    def _note_first_audio(self) -> None:
        if self.utterances:
            last = self.utterances[-1]
            if last.ended_at and last.first_audio_ms is None:
                last.first_audio_ms = (time.perf_counter() - last.ended_at) * 1000

    # -- the caller's script -----------------------------------------------------------

    async def play(self, steps: list[Step], reply_timeout_s: float, end_timeout_s: float) -> None:
        await self._until_agent_done(reply_timeout_s)  # the greeting
        for step in steps:
            if self.closed.is_set():
                return
            if isinstance(step, Say):
                await self._say(step, reply_timeout_s)
            elif isinstance(step, Press):
                await self.send(
                    {
                        "event": "dtmf",
                        "streamSid": self.stream_sid,
                        "dtmf": {"track": "inbound_track", "digit": step.digit},
                    }
                )
                self.events.append(f"dtmf {step.digit}")
            elif isinstance(step, Raw):
                assert self.socket is not None
                with contextlib.suppress(ConnectionClosed):
                    await self.socket.send(step.text)
            elif isinstance(step, Wait):
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.closed.wait(), step.seconds * self.second)
            else:
                if step.during_reply:
                    await self._until_agent_speaks(reply_timeout_s)
                await self.hang_up()
                return
        if not self.closed.is_set():
            if steps and isinstance(steps[-1], Wait):
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.closed.wait(), end_timeout_s)
            await self.hang_up()

    async def _say(self, step: Say, reply_timeout_s: float) -> None:
        if step.barge_in_after_s is not None:
            await self._until_agent_speaks(reply_timeout_s)
            await asyncio.sleep(step.barge_in_after_s * self.second)
            self.events.append("barge-in")
        frames = phone_frames(mulaw_encode(step.audio))
        self.utterances.append(Utterance(len(step.audio) / 8000))
        self.mic.extend(frames)
        while self.mic and not self.closed.is_set():
            await asyncio.sleep(self.frame_s)
        if step.wait:
            await self._until_agent_done(reply_timeout_s)

    async def _until_agent_speaks(self, timeout_s: float) -> None:
        frames = self.agent_frames
        deadline = time.perf_counter() + timeout_s
        while self.agent_frames == frames and not self.closed.is_set():
            if time.perf_counter() > deadline:
                raise TimeoutError("the agent did not start speaking")
            await asyncio.sleep(self.frame_s)

    async def _until_agent_done(self, timeout_s: float) -> None:
        """Wait for the agent's reply to arrive and finish playing: a line-end mark sent after
        the caller spoke, played out, then no more audio for a while."""
        lines = self.lines_sent
        await self._until_agent_speaks(timeout_s)
        deadline = time.perf_counter() + timeout_s
        while not self.closed.is_set() and (
            self.lines_sent == lines or self.lines_played < self.lines_sent
        ):
            if time.perf_counter() > deadline:
                raise TimeoutError("the agent did not finish its reply")
            await asyncio.sleep(self.frame_s)
        # Nothing more to play for 1.5 s of call time (and at least a second of wall time,
        # since the server synthesizes at its own pace however fast the call runs).
        quiet_s = max(75 * self.frame_s, 1.0)
        while not self.closed.is_set():
            idle = time.perf_counter() - self.last_agent_frame
            if not self.playback and idle > quiet_s:
                return
            await asyncio.sleep(self.frame_s)

    async def hang_up(self) -> None:
        if self.hung_up or self.closed.is_set():
            return
        self.hung_up = True
        await self.send(
            {
                "event": "stop",
                "streamSid": self.stream_sid,
                "stop": {"accountSid": self.account_sid, "callSid": self.call_sid},
            }
        )
        assert self.socket is not None
        await self.socket.close()
        self.events.append("hang up")

    def result(self) -> CallResult:
        audio = mulaw_decode(b"".join(self.played)) if self.played else np.zeros(0, np.float32)
        return CallResult(
            call_sid=self.call_sid,
            agent_audio=audio,
            utterances=self.utterances,
            clears=self.clears,
            closed_by_agent=not self.hung_up,
            close_code=self.close_code,
            events=self.events,
        )


async def _sleep_until(deadline: float) -> None:
    await asyncio.sleep(max(0.0, deadline - time.perf_counter()))
