"""Run a suite of scenarios against the real agent graph on a real Postgres.

Once per run: a template database is migrated to head and seeded with the demo data. Each
scenario then gets its own copy of it (``CREATE DATABASE ... TEMPLATE``), has its setup written
through counted movements, sends its turns through :class:`agents.runtime.AgentRuntime`, is
graded on its replies and on the database's end state, and its database is dropped. The chat
model is built on first use only and shared by every scenario of the run.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from datetime import time as dt_time
from pathlib import Path

import psycopg
from langchain_core.language_models import BaseChatModel
from psycopg import sql

from buffr.db.session import Database
from buffr.services.resolve import Endpoints, for_database
from evals.grading import (
    Scenario,
    SuiteConfig,
    grade_end,
    grade_reply,
    grade_sql,
    load_scenarios,
    load_suite_config,
    observe,
    run_setup_sql,
    set_levels,
    skus_of,
)
from evals.report import ScenarioResult, SuiteReport, TurnRecord

NO_MODEL = "none"
ChatModelFactory = Callable[[], BaseChatModel]


class ModelUnavailable(RuntimeError):
    """The chat model could not be built or loaded: the run stops (the message says why)."""


class ModelHandle:
    """The chat model of a run: built (and loaded) on the first turn that needs it, once."""

    def __init__(self, name: str | None, factory: ChatModelFactory | None = None) -> None:
        self.name = name
        self._factory = factory
        self._model: BaseChatModel | None = None
        self.load_ms: float | None = None
        self._unclaimed_load_ms: float | None = None
        self.error: Exception | None = None  # building or loading failed: the run stops
        self.label = (name or "custom") if factory else _model_label(name)

    @property
    def enabled(self) -> bool:
        return self._factory is not None or self.name != NO_MODEL

    def __call__(self) -> BaseChatModel:
        if self.error is not None:
            raise self.error
        if self._model is None:
            started = time.perf_counter()
            try:
                model = self._factory() if self._factory else _build(self.name)
                load = getattr(model, "load", None)
                if callable(load):  # a local GGUF: load it now, so the cost is measured apart
                    load()
            except Exception as error:  # a missing model file, a bad configuration
                self.error = error
                raise
            self._model = model
            self.load_ms = (time.perf_counter() - started) * 1000
            self._unclaimed_load_ms = self.load_ms
        return self._model

    def claim_load_ms(self) -> float | None:
        """The load time, once, for the turn during which the model was loaded."""
        value, self._unclaimed_load_ms = self._unclaimed_load_ms, None
        return value


def _model_label(name: str | None) -> str:
    from agents.llm.config import get_llm_settings

    cfg = get_llm_settings()
    return name or (cfg.local_model if cfg.provider == "local" else cfg.provider)


def _build(name: str | None) -> BaseChatModel:
    """Like ``buffr chat --model``: a local model by name, else the configured one."""
    from agents.llm.config import get_llm_settings
    from agents.llm.factory import build_chat_model

    cfg = get_llm_settings()
    return build_chat_model(cfg.model_copy(update={"local_model": name}) if name else cfg)


# -- databases --------------------------------------------------------------------------------


@dataclass
class EvalDatabases:
    """Throwaway databases on the server ``endpoints`` points at, as its owner role."""

    endpoints: Endpoints
    prefix: str = ""

    def __post_init__(self) -> None:
        self.prefix = self.prefix or f"buffr_eval_{uuid.uuid4().hex[:8]}"
        self.template = f"{self.prefix}_template"
        self.live: set[str] = set()
        self._count = 0

    def endpoints_for(self, name: str) -> Endpoints:
        return for_database(self.endpoints, name)

    def build_template(self, progress: Callable[[str], None], today: date | None = None) -> None:
        """Migrate to head and seed the demo properties (for ``today``, default the real
        one), in a database only copied from."""
        from buffr.db import migrations
        from domain.seed import seed_demo

        self._execute("CREATE DATABASE {}", self.template)
        progress("migrating the template database")
        migrations.upgrade(self.endpoints_for(self.template).owner_dsn)
        progress("seeding the demo data")
        db = Database(self.endpoints_for(self.template))
        try:
            seed_demo(db, today=today)
        finally:
            db.dispose()  # no connection may stay open on a template that is copied

    def create_copy(self) -> str:
        """A new database copied from the template; its name."""
        self._count += 1
        name = f"{self.prefix}_{self._count}"
        self.live.add(name)
        self._execute("CREATE DATABASE {} TEMPLATE {}", name, self.template)
        return name

    def drop(self, name: str) -> None:
        # Not WITH (FORCE): the owner may not terminate the application role's backends, and
        # those of a disposed engine may still be exiting; a plain DROP waits for them (5 s).
        for attempt in range(3):
            try:
                self._execute("DROP DATABASE IF EXISTS {}", name)
                break
            except psycopg.errors.ObjectInUse:
                if attempt == 2:
                    raise
        self.live.discard(name)

    def drop_all(self) -> list[str]:
        """Every copy still there, then the template; best effort (this runs while another
        error may be on its way out): the problems, one line each."""
        problems = []
        for name in [*sorted(self.live), self.template]:
            try:
                self.drop(name)
            except psycopg.Error as error:
                problems.append(f"could not drop the database {name}: {_describe(error)}")
        return problems

    def _execute(self, statement: str, *names: str) -> None:
        query = sql.SQL(statement).format(*(sql.Identifier(n) for n in names))
        with psycopg.connect(self.endpoints.owner_dsn, autocommit=True) as conn:
            conn.execute(query)


# -- one scenario -----------------------------------------------------------------------------


def run_scenario(
    scenario: Scenario, db: Database, model: ModelHandle, suite: SuiteConfig | None = None
) -> ScenarioResult:
    """Set up, send the turns, grade. A scenario that cannot run is an ``error``, not a crash."""
    from agents.runtime import AgentRuntime
    from agents.turn import Turn
    from domain.conversations import Channel

    started = time.perf_counter()
    result = ScenarioResult(
        id=scenario.id,
        file=scenario.source,
        description=scenario.description,
        tags=list(scenario.tags),
    )
    try:
        property_id = db.property_id(scenario.property_slug)
        unknown = sorted(skus_of(scenario) - observe(db, property_id).stock_after.keys())
        if unknown:
            raise LookupError(f"no product with SKU {', '.join(unknown)}")
        set_levels(db, property_id, scenario.setup.stock)
        run_setup_sql(db, scenario.setup.sql)
        before = observe(db, property_id)
        now = _pinned_now(db, property_id, suite)
    except Exception as error:  # unknown property or SKU: the scenario is wrong, say so
        return _errored(result, f"setup: {_describe(error)}", started)

    runtime = AgentRuntime(db, chat_model=model if model.enabled else None)
    slug = scenario.property_slug
    pending = False
    for number, spec in enumerate(scenario.turns, start=1):
        record = TurnRecord(user=spec.user)
        result.turns.append(record)
        try:
            turn = runtime.handle(Turn(slug, Channel.WHATSAPP, scenario.actor, spec.user, now=now))
        except Exception as error:
            if model.error is not None:  # no model, no run: not one scenario's failure
                raise ModelUnavailable(
                    f"the chat model {model.label} cannot be used: {_describe(model.error)}"
                ) from model.error
            record.model_load_ms = model.claim_load_ms()
            return _errored(result, f"turn {number} raised {_describe(error)}", started)
        record.reply, record.agent = turn.reply, turn.agent
        record.llm_called, record.pending_question = turn.llm_called, turn.pending_question
        record.tools = [str(action.get("tool", "")) for action in turn.actions]
        record.model_load_ms = model.claim_load_ms()
        record.latency_ms = turn.latency_ms - (record.model_load_ms or 0.0)
        record.failures = grade_reply(spec, turn.reply)
        result.failures += [f"turn {number}: {failure}" for failure in record.failures]
        pending = turn.pending_question

    seen = observe(db, property_id, since=before)
    seen.pending_question = pending
    result.failures += grade_end(scenario.expect, seen)
    result.failures += grade_sql(db, scenario.expect.sql)
    result.status = "failed" if result.failures else "passed"
    result.seconds = time.perf_counter() - started
    return result


def _pinned_now(db: Database, property_id: int, suite: SuiteConfig | None) -> datetime | None:
    """The suite's fixed day and hour in the property's timezone; None: the real time."""
    if suite is None or suite.today is None:
        return None
    from zoneinfo import ZoneInfo

    from domain.property import Property

    with db.owner() as session:
        prop = session.get(Property, property_id)
        assert prop is not None
        zone = ZoneInfo(prop.timezone)
    return datetime.combine(suite.today, dt_time(suite.hour), tzinfo=zone)


def _errored(result: ScenarioResult, reason: str, started: float) -> ScenarioResult:
    result.status, result.seconds = "error", time.perf_counter() - started
    result.failures.append(reason)
    return result


def _describe(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0]}" if text else type(error).__name__


# -- a suite ----------------------------------------------------------------------------------


def run_suite(
    path: Path,
    model: str | None = None,
    *,
    endpoints: Endpoints | None = None,
    chat_model: ChatModelFactory | None = None,
    tag: str | None = None,
    only: str | None = None,
    progress: Callable[[str], None] | None = None,
    on_result: Callable[[ScenarioResult, int, int], None] | None = None,
) -> SuiteReport:
    """Run and grade every scenario under ``path`` (bad files raise ``ScenarioError`` first).

    ``model``: a local model name, None for the configured one, ``"none"`` for no model (the
    fast path only); ``chat_model``: a factory of one's own instead (a fake). ``endpoints``:
    the server for the databases (default: the configured one). ``tag`` / ``only``: just the
    scenarios with that tag / with that text in their id."""
    say = progress or (lambda _: None)
    scenarios = [
        s
        for s in load_scenarios(path)
        if (tag is None or tag in s.tags) and (only is None or only in s.id)
    ]
    suite = load_suite_config(path)
    handle = ModelHandle(model, chat_model)
    report = SuiteReport(
        suite=path.resolve().stem if path.is_file() else path.resolve().name,
        path=str(path),
        model=handle.label,
        started_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    if not scenarios:
        return report
    started = time.perf_counter()
    databases = EvalDatabases(endpoints or _configured_endpoints())
    try:
        say("building the template database")
        databases.build_template(say, suite.today)
        report.template_seconds = time.perf_counter() - started
        for index, scenario in enumerate(scenarios, start=1):
            name = databases.create_copy()
            db = Database(databases.endpoints_for(name))
            try:
                result = run_scenario(scenario, db, handle, suite)
            finally:
                db.dispose()
                with contextlib.suppress(psycopg.Error):  # drop_all tries again, and says so
                    databases.drop(name)
            report.results.append(result)
            if on_result is not None:
                on_result(result, index, len(scenarios))
    finally:
        for problem in databases.drop_all():
            say(problem)
        report.seconds = time.perf_counter() - started
        report.model_load_ms = handle.load_ms
    return report


def _configured_endpoints() -> Endpoints:
    from buffr.services import ensure_services
    from buffr.settings import get_settings

    return ensure_services(get_settings())
