"""Test fixtures on real services: one embedded Postgres and Redis per test session (or the
servers named by DATABASE_URL / REDIS_URL), a migrated template database, and a throwaway copy
of it per test module: empty, or holding the demo data when the module is marked
``pytest.mark.demo_data`` (seeded once per session and date, then copied: seeding took 5.9 s,
mostly embedding the documents, and 27 modules seeded it for themselves)."""

from __future__ import annotations

import shutil
import tempfile
import uuid
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
import pytest
from langchain_core.language_models import BaseChatModel
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

from agents.llm import LLMSettings, build_chat_model
from agents.llm.warmup import warm_prompts
from buffr.db import migrations
from buffr.db.session import Database
from buffr.modelhub import ModelMissing, model_path
from buffr.services import stop_services
from buffr.services.resolve import Endpoints, ensure_services, for_database, with_database
from buffr.settings import Settings
from domain.seed import seed_demo

warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")

TEMPLATE_DB = "buffr_test_template"
# Fixtures of the local Arcade server (``arcade``, ``gateway``) for any test module.
pytest_plugins = ["tests.arcade_server"]


@contextmanager
def scratch_home() -> Iterator[Path]:
    """A BUFFR_HOME of its own, outside pytest's tmp tree: the embedded Postgres runs as a
    separate system user that must traverse it, and pytest resets its tree to mode 0700 (and
    prunes old runs) whenever another pytest session starts on the machine."""
    path = Path(tempfile.mkdtemp(prefix="buffr-test-"))
    try:
        yield path
    finally:
        stop_services(Settings(home=path))
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def home() -> Iterator[Path]:
    """A fresh, empty BUFFR_HOME for one test; its services are stopped afterwards."""
    with scratch_home() as path:
        yield path


@pytest.fixture(scope="session")
def services() -> Iterator[Endpoints]:
    with scratch_home() as path:
        yield ensure_services(Settings(home=path))


@pytest.fixture(scope="session")
def template_dsn(services: Endpoints) -> str:
    """A database migrated to head once per session; modules copy it (CREATE ... TEMPLATE)."""
    with psycopg.connect(services.owner_dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(TEMPLATE_DB)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(TEMPLATE_DB)))
    dsn = with_database(services.owner_dsn, TEMPLATE_DB)
    migrations.upgrade(dsn)
    return dsn


def fresh_database(
    services: Endpoints, template: str | None, prefix: str = "buffr_test"
) -> Endpoints:
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(services.owner_dsn, autocommit=True) as conn:
        if template:
            conn.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    sql.Identifier(name), sql.Identifier(template)
                )
            )
        else:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return for_database(services, name)


DemoTemplates = Callable[[date | None], str]


@pytest.fixture(scope="session")
def demo_templates(services: Endpoints, template_dsn: str) -> Iterator[DemoTemplates]:
    """``template(today)``: the name of a database holding the demo data seeded with ``today``
    (None: the real today), seeded on first use and dropped when the session ends."""
    made: dict[date, str] = {}
    created: list[str] = []  # dropped at the end, a template whose seeding failed too

    def template(today: date | None) -> str:
        # None is the real today: the demo hotel's, so a run crossing midnight seeds anew.
        today = today or datetime.now(ZoneInfo("Asia/Jerusalem")).date()
        if today not in made:
            endpoints = fresh_database(services, TEMPLATE_DB, prefix="buffr_test_demo")
            created.append(str(conninfo_to_dict(endpoints.owner_dsn)["dbname"]))
            seeded = Database(endpoints)
            try:
                seed_demo(seeded, today=today)
            finally:
                seeded.dispose()  # a template must have no open session to be copied
            made[today] = created[-1]
        return made[today]

    yield template
    with psycopg.connect(services.owner_dsn, autocommit=True) as conn:
        for name in created:
            drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
            conn.execute(drop.format(sql.Identifier(name)))


@pytest.fixture(scope="module")
def db(
    request: pytest.FixtureRequest, services: Endpoints, demo_templates: DemoTemplates
) -> Iterator[Database]:
    """A migrated database of this module's own: empty, or a copy of the demo data when the
    module says ``pytestmark = pytest.mark.demo_data(today=...)``."""
    marker = request.node.get_closest_marker("demo_data")
    template = TEMPLATE_DB if marker is None else demo_templates(marker.kwargs.get("today"))
    database = Database(fresh_database(services, template))
    yield database
    database.dispose()


SMALL_MODEL = "qwen2.5-coder-0.5b"  # the real local model of the end-to-end tests (CI pulls it)


@lru_cache(maxsize=1)
def _small_model() -> BaseChatModel:
    """Loaded and warmed as ``buffr serve`` does: each agent's prompt is read from the prompt
    states on disk, which the first run on a machine evaluates and writes (~25 s a prompt);
    without that, every test process evaluated them again."""
    model = build_chat_model(LLMSettings(provider="local", local_model=SMALL_MODEL))
    warm_prompts(lambda: model)
    return model


@pytest.fixture(scope="session")
def small_model() -> Callable[[], BaseChatModel]:
    """The 0.5B model, loaded once per session on first use; skips if its file is missing."""
    try:
        model_path(SMALL_MODEL)
    except ModelMissing as missing:
        pytest.skip(str(missing))
    return _small_model
