"""``buffr say`` and ``buffr hear``: the voice agent's speech models from a shell.

They answer "what does the agent sound like" and "what does whisper make of this recording"
without a phone call, and print the real-time factor, the number that decides whether a machine
can hold a conversation. Bad files are one line and exit code 1.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import typer
from rich.console import Console

from buffr.cli.context import CliError, load_settings
from buffr.modelhub import ModelHubError

_out = Console(highlight=False, soft_wrap=True)


def say(
    text: str = typer.Argument(..., help="What to say."),
    out: Path = typer.Option(..., "--out", "-o", help="The WAV file to write."),
    rate: int | None = typer.Option(
        None, "--rate", min=4000, max=96000, help="Sample rate of the file (default: the voice's)."
    ),
    phone: bool = typer.Option(
        False, "--phone", help="As a caller hears it: through 8 kHz mu-law, written at 8 kHz."
    ),
) -> None:
    """Speak TEXT with the agent's voice into a WAV file."""
    from voice.audio import PHONE_RATE, mulaw_decode, resample, to_phone, write_wav
    from voice.models import load_synthesizer

    if phone and rate is not None:
        raise CliError("--phone writes 8 kHz audio; leave out --rate")
    try:
        synthesizer = load_synthesizer(load_settings())
    except ModelHubError as error:
        raise CliError(str(error)) from error
    synthesizer.warm()  # so the real-time factor printed is that of a running service
    started = time.perf_counter()
    audio = synthesizer.synthesize(text)
    seconds = time.perf_counter() - started
    if audio.size == 0:
        raise CliError("nothing to say: the text has no words")
    duration = audio.size / synthesizer.sample_rate
    if phone:
        audio, written_rate = mulaw_decode(to_phone(audio, synthesizer.sample_rate)), PHONE_RATE
    else:
        written_rate = rate or synthesizer.sample_rate
        audio = resample(audio, synthesizer.sample_rate, written_rate)
    try:
        write_wav(out, audio, written_rate)
    except OSError as error:
        raise CliError(f"cannot write {out}: {error.strerror or error}") from error
    _out.print(
        f"wrote {out}: {duration:.2f} s at {written_rate} Hz, synthesized in {seconds:.2f} s "
        f"(real-time factor {seconds / duration:.3f})"
    )


def hear(
    file: Path = typer.Argument(..., help="A PCM WAV file (any rate, mono or stereo)."),
    as_json: bool = typer.Option(
        False, "--json", help="Print text, language, audio and compute seconds as JSON."
    ),
) -> None:
    """Transcribe a WAV file with the agent's speech-to-text model."""
    from voice.audio import STT_RATE, AudioError, read_wav, resample
    from voice.models import load_transcriber

    try:
        samples, rate = read_wav(file)
    except AudioError as error:
        raise CliError(str(error)) from error
    try:
        transcriber = load_transcriber(load_settings())
    except ModelHubError as error:
        raise CliError(str(error)) from error
    transcriber.warm()  # so the compute time printed is that of a running service
    transcript = transcriber.transcribe(resample(samples, rate, STT_RATE))
    if not as_json:
        _out.print(transcript.text)
        return
    report = {
        "text": transcript.text,
        "language": transcript.language,
        "audio_seconds": round(transcript.audio_s, 3),
        "compute_seconds": round(transcript.seconds, 3),
        "real_time_factor": round(transcript.real_time_factor, 3),
    }
    typer.echo(json.dumps(report, ensure_ascii=False))
