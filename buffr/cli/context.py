"""What every command needs: settings, started services, the database; and clean errors."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

from pydantic import ValidationError

from buffr.db.session import Database
from buffr.services import Endpoints, ServiceError, ensure_services
from buffr.settings import Settings, get_settings

# pgserver asks platformdirs for a runtime dir at import; the warning is noise for a CLI user.
warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")


class CliError(Exception):
    """An error the CLI prints as one clear message with exit code ``code``."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class Runtime:
    settings: Settings
    endpoints: Endpoints
    db: Database


def load_settings() -> Settings:
    try:
        return get_settings()
    except ValidationError as error:
        problems = "; ".join(f"{_env_name(e['loc'])}: {e['msg']}" for e in error.errors())
        raise CliError(f"Invalid configuration: {problems}", code=2) from error


def _env_name(loc: tuple[int | str, ...]) -> str:
    """The environment variable a person sets, not the Python field name."""
    name = str(loc[0]) if loc else "settings"
    return name if name.isupper() else f"BUFFR_{name.upper()}"


def runtime() -> Runtime:
    settings = load_settings()
    try:
        endpoints = ensure_services(settings)
    except ServiceError as error:
        raise CliError(str(error)) from error
    return Runtime(settings, endpoints, Database(endpoints))
