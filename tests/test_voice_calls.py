"""Phone calls end to end: the app in a live server, a caller simulated over the exact Twilio
Media Streams protocol, the real speech models (silero VAD, whisper, piper) on both sides; the
receptionist's model is scripted with the real tool calls it would make.

The caller's audio is the project's own TTS (piper) at 8 kHz, as a phone line carries it; what
the agent said is transcribed back by whisper from the audio the simulator played.
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import numpy as np
import pytest
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage
from numpy.typing import NDArray
from sqlalchemy import select, text

from agents.llm.fake import scripted_call as call
from api import metrics
from api.local_server import serving
from buffr.db.session import Database
from buffr.settings import Settings
from channels.signature import SIGNATURE_HEADER, sign
from domain.conversations import Conversation, ConversationStatus, Message
from domain.guests import Guest
from domain.ops import Notification, NotificationKind
from tests.api_support import api_services
from tests.browser_support import LiveServer, live_server
from tests.channels_support import ACCOUNT_SID, AUTH_TOKEN, new_phone
from tests.twilio_recorder import TwilioRecorder, twilio_recorder
from voice.audio import PHONE_RATE, STT_RATE, resample
from voice.config import CallConfig
from voice.harness import SimulatedCall, place_call
from voice.models import VoiceModels, voice_models
from voice.simulator import HangUp, Press, Raw, Say, Step, Wait, answer_call
from voice.tokens import redeem_token

FRAME = PHONE_RATE // 50  # 20 ms at 8 kHz
SPEED = 2.0  # the call runs at twice real time (the server counts time in streamed audio)
SILENCE_PROMPT_S = 3.0


pytestmark = pytest.mark.demo_data()


@pytest.fixture(scope="module")
def models() -> VoiceModels:
    return voice_models(Settings())


@pytest.fixture(scope="module")
def recorder() -> Iterator[TwilioRecorder]:
    with twilio_recorder() as running:
        yield running


@pytest.fixture(scope="module")
def server(db: Database, models: VoiceModels, recorder: TwilioRecorder) -> Iterator[LiveServer]:
    with live_server(
        db,
        twilio_account_sid=ACCOUNT_SID,
        twilio_auth_token=AUTH_TOKEN,
        twilio_api_base=recorder.url,
    ) as live:
        # The agent speaks steadily, so what whisper hears of it is the same every run.
        live.services.voice_config = CallConfig(
            silence_prompt_s=SILENCE_PROMPT_S, steady_voice=True
        )
        yield live


@pytest.fixture(scope="module")
def voice(models: VoiceModels) -> Any:
    """``voice("text")``: the text spoken by piper, at 8 kHz like a phone line; steady (the
    same samples every run), since piper's random variation made whisper mishear a caller
    now and then and the test fail for it."""
    cache: dict[str, NDArray[np.float32]] = {}

    def speak(words: str) -> NDArray[np.float32]:
        if words not in cache:
            synth = models.synthesizer
            cache[words] = resample(
                synth.synthesize(words, steady=True), synth.sample_rate, PHONE_RATE
            )
        return cache[words]

    return speak


def _place(
    server: LiveServer, steps: list[Step], caller: str | None = None, **options: Any
) -> SimulatedCall:
    services = server.services
    return place_call(
        server.url,
        services.db,
        services.settings,
        "demo",
        steps,
        caller=caller or new_phone(),
        speed=options.pop("speed", SPEED),
        **options,
    )


def _heard(models: VoiceModels, audio: NDArray[np.float32]) -> str:
    """What whisper hears in the agent's audio (8 kHz, as played to the caller), with the
    silences between its lines cut to 0.3 s: the agent is silent while the model thinks, for
    as long as the machine is slow, and where whisper's 30 s windows then fall in the reply
    would depend on the load (seen: "from 3 PM" cut at a window edge on a loaded machine)."""
    spoken = _without_long_silences(audio)
    return models.transcriber.transcribe(resample(spoken, PHONE_RATE, STT_RATE)).text.lower()


def _without_long_silences(audio: NDArray[np.float32], keep: int = 15) -> NDArray[np.float32]:
    """``audio`` with each run of silent 20 ms frames cut to ``keep`` frames."""
    frames = [audio[i : i + FRAME] for i in range(0, audio.size, FRAME)]
    kept, quiet = [], 0
    for frame in frames:
        quiet = quiet + 1 if float(np.abs(frame).max(initial=0.0)) < 1e-3 else 0
        if quiet <= keep:
            kept.append(frame)
    return np.concatenate(kept) if kept else audio


def _messages(db: Database, phone: str) -> list[tuple[str, str, str]]:
    """(channel, direction, body) of the caller's conversation, in order."""
    with db.owner() as session:
        rows = session.execute(
            select(Message.channel, Message.direction, Message.body)
            .join(Conversation, Conversation.id == Message.conversation_id)
            .join(Guest, Guest.id == Conversation.guest_id)
            .where(Guest.phone == phone)
            .order_by(Message.id)
        ).all()
    return [(str(c), str(d), b) for c, d, b in rows]


def test_a_knowledge_question_is_answered_by_voice(
    server: LiveServer, models: VoiceModels, voice: Any, db: Database
) -> None:
    server.script.play(call("ask_hotel", question="When is breakfast served?"))
    phone = new_phone()
    placed = _place(server, [Say(voice("What time is breakfast served?"))], caller=phone)

    assert placed.end_reason == "caller_hung_up"
    [turn] = placed.turns
    assert "breakfast" in turn["transcript"].lower()
    assert "07:00" in turn["reply"]  # the FAQ's hours, found in the property's documents
    heard = _heard(models, placed.result.agent_audio)
    assert "breakfast" in heard and ("7" in heard or "seven" in heard), heard
    # Each stage happened after the one before it, all measured from the end of speech.
    assert 0 < turn["to_transcript_ms"] <= turn["to_reply_ms"] <= turn["to_first_audio_ms"]
    assert turn["voice_ms"] == pytest.approx(turn["to_first_audio_ms"] - turn["llm_ms"], abs=0.2)
    assert placed.result.utterances[0].first_audio_ms is not None
    # Both sides are on the conversation, on the voice channel, the greeting first.
    messages = _messages(db, phone)
    assert [m[:2] for m in messages] == [
        ("voice", "outbound"),
        ("voice", "inbound"),
        ("voice", "outbound"),
    ]
    assert "How can I help" in messages[0][2]
    assert messages[1][2] == turn["transcript"] and messages[2][2] == turn["reply"]


def test_a_table_is_booked_by_voice_after_the_callers_yes(
    server: LiveServer, voice: Any, db: Database
) -> None:
    server.script.play(call("book_table", date="Friday", time="8pm", party_size=3))
    phone = new_phone()
    placed = _place(
        server,
        [
            Say(voice("I would like to book a table for three people on Friday at 8 pm.")),
            Say(voice("Yes, please.")),
        ],
        caller=phone,
    )
    first, second = placed.turns
    assert "table" in first["transcript"].lower()
    assert "Shall I reserve" in first["reply"]
    assert "yes" in second["transcript"].lower()
    assert "Reserved" in second["reply"], second["reply"]
    with db.owner() as session:
        booked = session.execute(
            text(
                "SELECT t.party_size, t.status::text, "
                "extract(hour FROM t.starts_at AT TIME ZONE p.timezone)::int "
                "FROM table_reservations t JOIN guests g ON g.id = t.guest_id "
                "JOIN properties p ON p.id = t.property_id WHERE g.phone = :phone"
            ),
            {"phone": phone},
        ).all()
    assert [tuple(row) for row in booked] == [(3, "booked", 20)]


def test_the_caller_can_talk_over_the_agent(server: LiveServer, voice: Any, db: Database) -> None:
    server.script.play(
        call("ask_hotel", question="Tell me about the spa"),
        call("ask_hotel", question="What time is check-in?"),
    )
    placed = _place(
        server,
        [
            Say(voice("Can you tell me about the spa?"), wait=False),
            Say(voice("Sorry, what time is check-in?"), barge_in_after_s=1.0),
        ],
    )
    assert placed.result.clears >= 1  # Twilio was told to drop the buffered reply
    first, second = placed.turns
    assert first["interrupted"] is True
    assert "check" in second["transcript"].lower()
    assert "15:00" in second["reply"]


def test_pressing_zero_hands_the_call_to_a_person(
    server: LiveServer, models: VoiceModels, db: Database
) -> None:
    phone = new_phone()
    placed = _place(server, [Press("0"), Wait(30)], caller=phone)

    assert placed.end_reason == "handoff"
    assert placed.result.closed_by_agent
    assert "call you back" in _heard(models, placed.result.agent_audio)
    with db.owner() as session:
        conversation = session.execute(
            select(Conversation)
            .join(Guest, Guest.id == Conversation.guest_id)
            .where(Guest.phone == phone)
        ).scalar_one()
        assert conversation.status is ConversationStatus.HANDOFF
        alerts = session.scalars(
            select(Notification).where(Notification.kind == NotificationKind.HANDOFF)
        ).all()
    assert any(a.data.get("conversation_id") == conversation.id for a in alerts)
    # Calling again while a person has the conversation: told so, not left in silence.
    again = _place(server, [Wait(30)], caller=phone)
    assert again.end_reason == "with_staff" and again.result.closed_by_agent


def test_pressing_zero_transfers_the_call_when_the_property_has_a_number(
    server: LiveServer, recorder: TwilioRecorder, db: Database
) -> None:
    with db.owner() as session:
        session.execute(
            text(
                "UPDATE properties SET policies = policies || "
                '\'{"voice": {"transfer_to": "+972501110002"}}\'::jsonb WHERE slug = \'demo\''
            )
        )
    try:
        placed = _place(server, [Press("0"), Wait(30)])
    finally:
        with db.owner() as session:
            session.execute(
                text("UPDATE properties SET policies = policies - 'voice' WHERE slug = 'demo'")
            )
    assert placed.end_reason == "transferred"
    updates = [
        r for r in recorder.all() if r.path.endswith(f"/Calls/{placed.result.call_sid}.json")
    ]
    assert len(updates) == 1
    assert "<Dial>+972501110002</Dial>" in updates[0].form["Twiml"]


def test_a_silent_caller_is_prompted_then_told_goodbye(
    server: LiveServer, models: VoiceModels, db: Database
) -> None:
    phone = new_phone()
    placed = _place(server, [Wait(4 * SILENCE_PROMPT_S + 20)], caller=phone)

    assert placed.end_reason == "silence"
    assert placed.result.closed_by_agent
    spoken = [body for channel, direction, body in _messages(db, phone) if direction == "outbound"]
    assert spoken[1:] == [CallConfig().prompt_text, CallConfig().goodbye_text]
    assert "goodbye" in _heard(models, placed.result.agent_audio)


def test_a_forged_stream_token_is_refused(server: LiveServer, db: Database) -> None:
    placed = _place(server, [Wait(5)], token_override="forged-token")
    assert placed.result.close_code == 1008
    assert placed.end_reason is None and placed.turns == []  # no call was recorded
    assert placed.result.agent_audio.size == 0 or not np.any(placed.result.agent_audio)


def test_an_unsigned_voice_webhook_is_refused(server: LiveServer) -> None:
    response = httpx.post(
        f"{server.url}/channels/twilio/demo/voice",
        data={"CallSid": "CA" + "1" * 32, "From": new_phone()},
    )
    assert response.status_code == 403


def test_a_withheld_number_is_told_politely(server: LiveServer) -> None:
    url = f"{server.url}/channels/twilio/demo/voice"
    form = {"CallSid": "CA" + "2" * 32, "From": "anonymous"}
    response = httpx.post(url, data=form, headers={SIGNATURE_HEADER: sign(AUTH_TOKEN, url, form)})
    assert response.status_code == 200
    assert "<Say>" in response.text and "<Hangup" in response.text and "Stream" not in response.text


def test_an_unsupported_audio_encoding_is_refused_and_recorded(
    server: LiveServer, db: Database
) -> None:
    placed = _place(
        server,
        [Wait(5)],
        media_format={"encoding": "audio/l16", "sampleRate": 16000, "channels": 1},
    )
    assert placed.result.close_code == 1003
    assert placed.end_reason == "bad_media_format"


def test_malformed_and_out_of_order_frames_are_survived(server: LiveServer, voice: Any) -> None:
    server.script.play(call("ask_hotel", question="What time is check-in?"))
    bad_base64 = {"event": "media", "media": {"track": "inbound", "payload": "%%%not base64"}}
    late = {
        "event": "media",
        "media": {
            "track": "inbound",
            "chunk": "1",
            "payload": base64.b64encode(b"\x00" * 160).decode(),
        },
    }
    truncated = {
        "event": "media",
        "media": {"track": "inbound", "payload": base64.b64encode(b"\x7f" * 37).decode()},
    }
    placed = _place(
        server,
        [
            Raw("this is not json"),
            Raw(json.dumps(bad_base64)),
            Raw(json.dumps(late)),
            Raw(json.dumps(truncated)),
            Raw(json.dumps({"event": "surprise"})),
            Raw("[1, 2, 3]"),
            Say(voice("What time is check-in?")),
        ],
    )
    [turn] = placed.turns
    assert "check" in turn["transcript"].lower()
    assert "15:00" in turn["reply"]


def test_a_two_minute_monologue_is_cut_into_turns(server: LiveServer, voice: Any) -> None:
    server.script.play(*[AIMessage(content="I see.") for _ in range(12)])
    sentence = voice(
        "We are planning a long family trip along the coast with my parents, my sister, "
        "her husband and their three children, and we would love to stay near the beach."
    )
    monologue = np.concatenate([sentence] * int(np.ceil(120 * PHONE_RATE / sentence.size)))
    # The caller stays on the line after the monologue, silent: every piece gets its turn
    # before the silence handling ends the call (it waits for an idle agent).
    placed = _place(server, [Say(monologue, wait=False), Wait(120)], speed=4.0)

    assert placed.end_reason == "silence"
    assert len(placed.turns) >= 5, [
        (t["utterance_s"], t["stt_ms"], t["to_transcript_ms"], t["transcript"][:60])
        for t in placed.turns
    ]
    assert any(turn["cut"] for turn in placed.turns)
    assert all(turn["utterance_s"] <= 20.5 for turn in placed.turns)


def test_hanging_up_mid_reply_saves_the_conversation_and_leaves_no_task(
    server: LiveServer, voice: Any, db: Database
) -> None:
    server.script.play(call("ask_hotel", question="When is breakfast served?"))
    leaked_before = metrics.CALL_TASKS_LEFT._value.get()
    phone = new_phone()
    placed = _place(
        server,
        [Say(voice("What time is breakfast served?"), wait=False), HangUp(during_reply=True)],
        caller=phone,
    )
    assert placed.end_reason == "caller_hung_up"
    [turn] = placed.turns
    assert turn["interrupted"] is True and "breakfast" in turn["transcript"].lower(), (
        turn,
        placed.result.events,
    )
    inbound = [b for c, d, b in _messages(db, phone) if d == "inbound"]
    assert inbound == [turn["transcript"]]
    deadline = time.monotonic() + 5
    while metrics.ACTIVE_CALLS._value.get() != 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert metrics.ACTIVE_CALLS._value.get() == 0
    assert metrics.CALL_TASKS_LEFT._value.get() == leaked_before


def test_the_token_is_good_for_one_stream_only(server: LiveServer) -> None:
    """A replayed stream (the same token twice) gets nothing the second time."""
    url, token = asyncio.run(
        answer_call(server.url, "demo", new_phone(), AUTH_TOKEN, ACCOUNT_SID, "CA" + "3" * 32)
    )
    assert url.startswith("ws://127.0.0.1:") and url.endswith("/channels/twilio/demo/voice/stream")
    assert redeem_token(server.services, token) is not None
    assert redeem_token(server.services, token) is None


@pytest.mark.llm
def test_the_real_local_model_answers_a_caller(
    server: LiveServer,
    small_model: Callable[[], BaseChatModel],
    models: VoiceModels,
    voice: Any,
) -> None:
    """No script: the 0.5B model picks the tool from whisper's transcript."""
    services = api_services(
        server.services.db,
        chat_model=small_model,
        twilio_account_sid=ACCOUNT_SID,
        twilio_auth_token=AUTH_TOKEN,
    )
    services.voice_config = CallConfig(steady_voice=True)  # the steady voice, as above
    try:
        with serving(services) as url:
            placed = place_call(
                url,
                services.db,
                services.settings,
                "demo",
                [Say(voice("What time is check-in?"))],
                caller=new_phone(),
                speed=SPEED,
            )
    finally:
        services.redis.close()
    heard = _heard(models, placed.result.agent_audio)
    # Once in a full run on a fresh clone (2026-11-23) the call recorded no turn; it never
    # failed alone or beside two busy processes. What the agent said tells the next one apart:
    # "something went wrong" (the turn raised), a silence prompt (the caller was not heard).
    assert len(placed.turns) == 1, (placed.end_reason, heard)
    [turn] = placed.turns
    assert "check" in turn["transcript"].lower()
    assert "15:00" in turn["reply"] and turn["llm_ms"] > 0, turn
    assert "3" in heard or "three" in heard, heard


def test_a_failing_turn_is_apologised_for_and_the_call_goes_on(
    server: LiveServer, models: VoiceModels, voice: Any
) -> None:
    server.script.play()  # the model has nothing scripted: the turn raises
    placed = _place(server, [Say(voice("Can you tell me about the spa?"))])
    assert placed.end_reason == "caller_hung_up" and placed.turns == []
    assert "went wrong" in _heard(models, placed.result.agent_audio)
