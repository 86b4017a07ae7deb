"""``buffr`` commands run in the test's own process: the same entry point (``main``, with its
error handling and exit codes), arguments and environment as a shell would give them, without
paying a new interpreter, the imports and the model loads for every command (about 5-15 s
each on 2 cores). ``tests/test_cli.py`` keeps the real fresh-shell runs."""

from __future__ import annotations

import io
import os
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from subprocess import CompletedProcess

from rich.console import Console

from agents.llm.config import get_llm_settings
from buffr.cli.main import main
from buffr.settings import get_settings
from knowledge.config import get_knowledge_settings

OWN_VARIABLES = ("BUFFR_", "DATABASE_", "REDIS_", "OPENAI_")


def buffr(home: Path, *args: str, **env: str) -> CompletedProcess[str]:
    """Run ``buffr ARGS`` with ``BUFFR_HOME=home`` and ``env`` (and none of the caller's own
    settings); what it printed and its exit code, as ``subprocess.run`` reports them."""
    saved_environ, saved_argv = dict(os.environ), sys.argv
    for name in [n for n in os.environ if n.startswith(OWN_VARIABLES)]:
        del os.environ[name]
    os.environ.update({"BUFFR_HOME": str(home), "COLUMNS": "250", **env})
    _forget_settings()  # settings are read once per process: read them anew
    out, err = io.StringIO(), io.StringIO()
    code: int = 0
    widths = _wide_consoles()
    try:
        sys.argv = ["buffr", *args]
        with redirect_stdout(out), redirect_stderr(err):
            main()
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    finally:
        for console, width in widths:
            console._width = width
        sys.argv = saved_argv
        os.environ.clear()
        os.environ.update(saved_environ)
        _forget_settings()
    return CompletedProcess(["buffr", *args], code, out.getvalue(), err.getvalue())


def _forget_settings() -> None:
    for cached in (get_settings, get_llm_settings, get_knowledge_settings):
        cached.cache_clear()


def _wide_consoles() -> list[tuple[Console, int | None]]:
    """Every console of the CLI, 250 columns wide for this run, and its width before. A
    console reads COLUMNS when it is made, at import, and some test earlier in the same
    process may have imported the CLI under another COLUMNS (seen: 80, which wraps the tables
    the tests read)."""
    found = []
    for name, module in list(sys.modules.items()):
        if not name.startswith("buffr.cli.") or module is None:
            continue
        for value in vars(module).values():
            if isinstance(value, Console):
                found.append((value, value._width))
                value.width = 250
    return found
