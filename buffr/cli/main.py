"""Entry point of the ``buffr`` command: wires the sub-commands and turns known errors into one
clear line and an exit code instead of a traceback."""

from __future__ import annotations

import sys

import psycopg
import sqlalchemy.exc
import typer
from rich.console import Console

from buffr.cli.bench_cmd import bench_app
from buffr.cli.call_cmd import call_app
from buffr.cli.campaign_cmd import campaign_app
from buffr.cli.chat_cmd import chat
from buffr.cli.context import CliError
from buffr.cli.db_cmd import db_app
from buffr.cli.eval_cmd import eval_command
from buffr.cli.handoff_cmd import handoff_app
from buffr.cli.kb_cmd import kb_app
from buffr.cli.models_cmd import models_app
from buffr.cli.seed_cmd import seed_app
from buffr.cli.serve_cmd import serve
from buffr.cli.services_cmd import services_app, status
from buffr.cli.speech_cmd import hear, say
from buffr.cli.worker_cmd import worker
from buffr.db.session import CommitOutcomeUnknown, UnknownProperty
from buffr.services import ServiceError

app = typer.Typer(
    name="buffr",
    help="Buffr Host agents: conversational AI for hotels, restaurants and bars.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(db_app, name="db")
app.add_typer(seed_app, name="seed")
app.add_typer(models_app, name="models")
app.add_typer(bench_app, name="bench")
app.add_typer(call_app, name="call")
app.add_typer(kb_app, name="kb")
app.add_typer(handoff_app, name="handoff")
app.add_typer(campaign_app, name="campaign")
app.add_typer(services_app, name="services")
app.command("status")(status)
app.command("chat")(chat)
app.command("eval")(eval_command)
app.command("serve")(serve)
app.command("worker")(worker)
app.command("say")(say)
app.command("hear")(hear)

_err = Console(stderr=True)
# What a database that was never migrated, or is a migration behind, answers: a table, column
# or function of the newer schema is not there.
_SCHEMA_BEHIND = (
    psycopg.errors.UndefinedTable,
    psycopg.errors.UndefinedColumn,
    psycopg.errors.UndefinedFunction,
)


def main() -> None:
    try:
        app()
    except CliError as error:
        _err.print(f"[red]error:[/red] {error}")
        sys.exit(error.code)
    except (ServiceError, UnknownProperty, CommitOutcomeUnknown) as error:
        _err.print(f"[red]error:[/red] {error}")
        sys.exit(1)
    except sqlalchemy.exc.ProgrammingError as error:
        if not isinstance(error.orig, _SCHEMA_BEHIND):
            raise
        first = str(error.orig).strip().splitlines()[0]
        _err.print(
            f"[red]error:[/red] {first}: the database's schema is behind this code or not there "
            "yet. `buffr status` shows its migration; `buffr db upgrade` brings it up to date "
            "(then `buffr seed demo` for the demo property)."
        )
        sys.exit(1)
    except (psycopg.OperationalError, sqlalchemy.exc.OperationalError) as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
        _err.print(f"[red]error:[/red] the database is unreachable: {first}")
        sys.exit(1)
    except Exception as error:
        if not _is_configuration_error(error):
            raise
        _err.print(f"[red]error:[/red] {error}")
        sys.exit(1)
    except KeyboardInterrupt:
        _err.print("interrupted")
        sys.exit(130)


def _is_configuration_error(error: Exception) -> bool:
    """A missing model or a bad LLM setting: a message, not a traceback. Checked only among
    modules already imported, so that `buffr --help` does not import the LLM stack."""
    known: list[type[Exception]] = []
    for module, name in (
        ("agents.llm.config", "LLMConfigError"),
        ("buffr.modelhub.errors", "ModelHubError"),
    ):
        if module in sys.modules:
            known.append(getattr(sys.modules[module], name))
    return isinstance(error, tuple(known))


if __name__ == "__main__":
    main()
