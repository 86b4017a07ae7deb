"""``buffr db``: migrations and connection strings."""

from __future__ import annotations

from enum import StrEnum

import psycopg
import typer
from psycopg import sql
from rich.console import Console

from buffr.cli.context import Runtime, runtime
from buffr.db import migrations
from buffr.services.postgres import APP_ROLE

db_app = typer.Typer(help="Database migrations and connection strings.", no_args_is_help=True)
_out = Console()


class Role(StrEnum):
    APP = "app"
    OWNER = "owner"


@db_app.command("upgrade")
def upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Migrate the database (as the owner role) up to REVISION."""
    rt = runtime()
    migrations.upgrade(rt.endpoints.owner_dsn, revision)
    _set_app_password(rt)
    _out.print(f"database at revision {migrations.current_revision(rt.endpoints.owner_dsn)}")


@db_app.command("downgrade")
def downgrade(revision: str = typer.Argument(..., help="Target revision, e.g. base.")) -> None:
    """Migrate the database down to REVISION."""
    rt = runtime()
    migrations.downgrade(rt.endpoints.owner_dsn, revision)
    _out.print(f"database at revision {migrations.current_revision(rt.endpoints.owner_dsn)}")


@db_app.command("url")
def url(role: Role = typer.Option(Role.APP, help="Which role's DSN to print.")) -> None:
    """Print the DSN of the database for ROLE (starting the embedded Postgres if needed)."""
    rt = runtime()
    print(rt.endpoints.app_dsn if role is Role.APP else rt.endpoints.owner_dsn)


def _set_app_password(rt: Runtime) -> None:
    """On an external server the application role logs in with BUFFR_DB_APP_PASSWORD."""
    secret = rt.settings.db_app_password
    if rt.endpoints.embedded_postgres or secret is None:
        return
    with psycopg.connect(rt.endpoints.owner_dsn, autocommit=True) as conn:
        conn.execute(
            sql.SQL("ALTER ROLE {} PASSWORD {}").format(
                sql.Identifier(APP_ROLE), sql.Literal(secret.get_secret_value())
            )
        )
