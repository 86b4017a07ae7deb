"""``buffr chat``: talk to the agents from a terminal, as a staff member or a guest."""

from __future__ import annotations

import json
import readline
from collections.abc import Callable
from dataclasses import asdict
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console

from buffr.cli.context import CliError, runtime
from domain.conversations import Channel

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

_out = Console()


def chat(
    property_slug: str = typer.Option("demo", "--property", help="The property's slug."),
    sender: str = typer.Option(..., "--as", help="Your phone number (E.164) or staff e-mail."),
    message: str | None = typer.Option(None, "--message", "-m", help="Send one message, exit."),
    as_json: bool = typer.Option(False, "--json", help="With --message: print one JSON object."),
    new: bool = typer.Option(False, "--new", help="Start a fresh conversation."),
    model: str | None = typer.Option(
        None, "--model", help="Local model name or GGUF path (default: BUFFR_LLM_LOCAL_MODEL)."
    ),
) -> None:
    """Chat with the agents. Consecutive runs with the same property and sender continue the
    same conversation (including a question the agent is waiting on); --new starts afresh."""
    from agents.runtime import AgentRuntime, TurnRefused
    from agents.turn import Turn

    rt = runtime()
    agent_runtime = AgentRuntime(rt.db, chat_model=_model_factory(model))
    if new:
        agent_runtime.forget_thread(property_slug, sender)

    def send(text: str) -> None:
        try:
            result = agent_runtime.handle(Turn(property_slug, Channel.TERMINAL, sender, text))
        except TurnRefused as error:
            raise CliError(str(error)) from error
        if as_json:
            print(json.dumps(asdict(result), ensure_ascii=False, default=str))
        else:
            _out.print(result.reply, highlight=False)
            note = "LLM" if result.llm_called else "fast path"
            _out.print(f"[dim]{result.agent} · {note} · {result.latency_ms:.0f} ms[/dim]")

    if message is not None:
        send(message)
        return
    if as_json:
        raise CliError("--json needs --message.", code=2)
    _repl(rt.settings.home / "chat_history", send)


def _model_factory(name: str | None) -> Callable[[], BaseChatModel]:
    """Build the chat model on first use only: a fast-path turn never loads it."""
    from agents.llm.config import get_llm_settings
    from agents.llm.factory import build_chat_model

    @lru_cache(maxsize=1)
    def factory() -> BaseChatModel:
        cfg = get_llm_settings()
        if name:
            cfg = cfg.model_copy(update={"local_model": name})
        return build_chat_model(cfg)

    return factory


def _repl(history: Path, send: Callable[[str], None]) -> None:
    history.parent.mkdir(parents=True, exist_ok=True)
    if history.exists():
        readline.read_history_file(history)
    _out.print("[dim]Type a message; Ctrl-D to quit.[/dim]")
    try:
        while True:
            try:
                line = input("you> ")
            except EOFError:
                break
            if line.strip():
                send(line)
    finally:
        readline.write_history_file(history)
