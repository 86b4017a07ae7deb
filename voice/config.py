"""How a phone call behaves: turn-taking and silence handling, in the caller's audio time."""

from __future__ import annotations

from dataclasses import dataclass, field

from voice.vad import EndpointConfig


@dataclass(frozen=True)
class CallConfig:
    endpoint: EndpointConfig = field(default_factory=EndpointConfig)
    # Silence that ends a turn whose early transcript is a finished sentence; others wait for
    # the endpointer's ``end_ms``.
    quick_end_ms: int = 250
    # Caller silent this long after the agent stopped speaking: a prompt, then (after the
    # prompts) a goodbye. Counted in streamed audio, which Twilio sends all call long.
    silence_prompt_s: float = 8.0
    silence_prompts: int = 1
    # No message at all from Twilio for this long (wall clock): the stream is dead.
    stall_s: float = 20.0
    # The first messages (connected, start) must come this quickly.
    start_timeout_s: float = 10.0
    prompt_text: str = "Are you still there? How can I help you?"
    goodbye_text: str = (
        "I haven't heard anything, so I'll end the call now. Thank you for calling. Goodbye."
    )
    handoff_text: str = "Of course. I'm passing you to a colleague now."
    callback_text: str = "A colleague will call you back very soon. Thank you for calling. Goodbye."
    with_staff_text: str = (
        "A member of our team is already looking after your request and will call you back "
        "shortly. Goodbye."
    )
    failed_text: str = "Sorry, something went wrong on our side. Could you say that again?"
    # Speak without piper's sampled prosody: the same words, the same samples, every time.
    # Off, the voice varies a little from reply to reply, as people do; whisper base heard a
    # word of such renderings wrong now and then ("Breakfast" as "Practice" in 3 of 25
    # greeting-plus-answer renderings), so the tests that transcribe the agent speak steadily.
    steady_voice: bool = False
