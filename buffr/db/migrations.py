"""Run Alembic programmatically, always as the owner role."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, pool

from buffr.services.resolve import sqlalchemy_url

MIGRATIONS = Path(__file__).resolve().parents[2] / "domain" / "migrations"


def alembic_config(owner_dsn: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # ConfigParser treats % specially; DSNs may contain percent-encoded characters.
    config.set_main_option("sqlalchemy.url", sqlalchemy_url(owner_dsn).replace("%", "%%"))
    return config


def upgrade(owner_dsn: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(owner_dsn), revision)


def downgrade(owner_dsn: str, revision: str) -> None:
    command.downgrade(alembic_config(owner_dsn), revision)


def current_revision(owner_dsn: str) -> str | None:
    engine = create_engine(sqlalchemy_url(owner_dsn), poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


def head_revision(owner_dsn: str) -> str | None:
    return ScriptDirectory.from_config(alembic_config(owner_dsn)).get_current_head()
