"""``buffr call simulate``: play WAV files as a caller over Twilio's Media Streams protocol."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from buffr.cli.context import CliError, runtime

call_app = typer.Typer(help="Phone calls: a simulated caller over Twilio Media Streams.")
_out = Console()
_err = Console(stderr=True)


@call_app.command("simulate")
def simulate(
    wav: list[Path] = typer.Option(..., "--wav", help="The caller's audio, one WAV per turn."),
    property_slug: str = typer.Option("demo", "--property", help="The property called."),
    caller: str = typer.Option("+15005550199", "--caller", help="The caller's number."),
    url: str | None = typer.Option(
        None,
        help="A running service (its BUFFR_TWILIO_AUTH_TOKEN must be set here too). "
        "Default: the app served in this process on the configured database.",
    ),
    out: Path = typer.Option(Path("call-agent.wav"), help="Where the agent's audio is written."),
    speed: float = typer.Option(1.0, min=0.25, max=8.0, help="Call time per wall second."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Call the property, say each WAV after the agent finishes speaking, hang up; print each
    turn's transcript, reply and stage latencies, and write what the agent said to ``--out``."""
    from voice.audio import PHONE_RATE, AudioError, read_wav, resample, write_wav
    from voice.harness import SimulatedCall, local_service, place_call
    from voice.models import voice_models
    from voice.simulator import CallRefused, Say

    try:
        clips = [read_wav(path) for path in wav]
    except AudioError as error:
        raise CliError(str(error)) from error
    steps: list[Any] = [Say(resample(audio, rate, PHONE_RATE)) for audio, rate in clips]
    rt = runtime()
    try:
        rt.db.property_id(property_slug)  # UnknownProperty → a clear error, before any call
        if url is None:
            _err.print("[dim]warming the speech models…[/dim]")
            voice_models(rt.settings).warm()
            with local_service(rt.settings, rt.endpoints) as (base, services):
                placed: SimulatedCall = place_call(
                    base,
                    services.db,
                    services.settings,
                    property_slug,
                    steps,
                    caller=caller,
                    speed=speed,
                )
        else:
            placed = place_call(
                url, rt.db, rt.settings, property_slug, steps, caller=caller, speed=speed
            )
    except (CallRefused, ValueError, TimeoutError) as error:
        raise CliError(f"The call failed: {error}") from error
    write_wav(out, placed.result.agent_audio, PHONE_RATE)
    if as_json:
        _out.print_json(
            json.dumps(
                {
                    "call_sid": placed.result.call_sid,
                    "end_reason": placed.end_reason,
                    "turns": placed.turns,
                    "agent_audio": str(out),
                }
            )
        )
        return
    _print(placed, out)


def _print(placed: Any, out: Path) -> None:
    table = Table(title=f"call {placed.result.call_sid} · ended: {placed.end_reason}")
    for column in (
        "#",
        "caller said",
        "agent replied",
        "→ text ms",
        "LLM ms",
        "→ reply ms",
        "→ audio ms",
        "voice ms",
    ):
        table.add_column(column, justify="right" if "ms" in column or column == "#" else "left")
    for turn in placed.turns:
        table.add_row(
            str(turn["turn"]),
            turn["transcript"],
            turn.get("reply", ""),
            _fmt(turn.get("to_transcript_ms")),
            _fmt(turn.get("llm_ms")),
            _fmt(turn.get("to_reply_ms")),
            _fmt(turn.get("to_first_audio_ms")),
            _fmt(turn.get("voice_ms")),
        )
    _out.print(table)
    _out.print(
        "[dim]ms are from the end of the caller's speech; voice = first audio less the "
        f"model's own time. The agent's audio: {out}[/dim]"
    )


def _fmt(value: Any) -> str:
    return "—" if value is None else f"{float(value):.0f}"
