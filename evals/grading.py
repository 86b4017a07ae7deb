"""Scenarios as data (the format is described in :mod:`evals`) and how a run of one is graded.

Loading validates every scenario with pydantic (unknown fields are errors, so a misspelt
``reply_contain`` cannot silently check nothing) and turns YAML and schema problems into one
:class:`ScenarioError` naming the file, the scenario and the field. Grading compares each reply
with its turn's facts and the database's end state (:func:`observe`) with ``expect``; the
start state is written by :func:`set_levels`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError
from sqlalchemy import func, select

if TYPE_CHECKING:
    from buffr.db.session import Database

STAFF_ACTOR = "+972501110003"  # Noa Mizrahi, staff of the demo hotel
YAML_SUFFIXES = (".yaml", ".yml")


class ScenarioError(ValueError):
    """A scenario file that cannot be used; the message names the file and the problem."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TurnSpec(_Strict):
    """One message of the user and the facts its reply must (not) contain."""

    user: str
    reply_contains: list[str] = Field(default_factory=list)
    reply_contains_any: list[Annotated[list[str], Field(min_length=1)]] = Field(
        default_factory=list
    )
    reply_not_contains: list[str] = Field(default_factory=list)
    reply_empty: bool = False  # no reply at all (a person has the conversation)


Level = Annotated[Decimal, Field(ge=0)]


class Setup(_Strict):
    stock: dict[str, Level] = Field(default_factory=dict)
    # Statements run as the database owner before the first turn (e.g. put a guest in-house).
    sql: list[str] = Field(default_factory=list)


Scalar = str | int | float | bool | None


class SqlCheck(_Strict):
    """A query run as the owner after the last turn; its first column of its first row must
    equal ``equals`` (compared as text, so 3, "3" and Decimal 3 agree)."""

    query: str = Field(min_length=1)
    equals: Scalar


class Expect(_Strict):
    """The end state after the last turn; what is left out is not checked."""

    stock: dict[str, Level] = Field(default_factory=dict)
    stock_delta: dict[str, Decimal] = Field(default_factory=dict)
    movements: int | None = Field(default=None, ge=0)
    notifications: int | None = Field(default=None, ge=0)
    pending_question: bool | None = None
    sql: list[SqlCheck] = Field(default_factory=list)


class Scenario(_Strict):
    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=100)
    description: str = ""
    property_slug: str = Field(default="demo", alias="property", min_length=1)
    actor: str = STAFF_ACTOR
    tags: list[str] = Field(default_factory=list)
    setup: Setup = Field(default_factory=Setup)
    turns: list[TurnSpec] = Field(min_length=1)
    expect: Expect = Field(default_factory=Expect)
    _source: str = PrivateAttr(default="")  # the file it came from, set by the loader

    @property
    def source(self) -> str:
        return self._source


# -- loading ----------------------------------------------------------------------------------


class SuiteConfig(_Strict):
    """``_suite.yaml`` beside the scenarios: what the whole suite shares."""

    # The day the demo data is seeded for and every turn happens on (at ``hour``, the
    # property's local time): scenarios about dates ("next Friday") need a fixed today.
    today: date | None = None
    hour: int = Field(default=10, ge=0, le=23)


SUITE_FILE = "_suite.yaml"


def load_suite_config(path: Path) -> SuiteConfig:
    """The ``_suite.yaml`` of a suite folder (or of a scenario file's folder), if any."""
    folder = path if path.is_dir() else path.parent
    file = folder / SUITE_FILE
    if not file.is_file():
        return SuiteConfig()
    try:
        return SuiteConfig.model_validate(yaml.safe_load(file.read_text(encoding="utf-8")) or {})
    except (yaml.YAMLError, ValidationError) as error:
        raise ScenarioError(f"{file}: {error}") from error


def scenario_files(path: Path) -> list[Path]:
    """``path`` itself, or every YAML file under it (sorted) but ``_suite.yaml``."""
    if not path.exists():
        raise ScenarioError(f"{path}: no such file or folder")
    if path.is_file():
        return [path]
    files = sorted(
        p
        for p in path.rglob("*")
        if p.suffix in YAML_SUFFIXES and p.is_file() and p.name != SUITE_FILE
    )
    if not files:
        raise ScenarioError(f"{path}: no .yaml scenario files in this folder")
    return files


def load_scenarios(path: Path) -> list[Scenario]:
    """Every scenario of a file or a folder, validated; ids must be unique across them."""
    scenarios: list[Scenario] = []
    seen: dict[str, str] = {}
    for file in scenario_files(path):
        for scenario in load_file(file):
            if scenario.id in seen:
                raise ScenarioError(
                    f"{file}: scenario id {scenario.id!r} is already used in {seen[scenario.id]}"
                )
            seen[scenario.id] = str(file)
            scenarios.append(scenario)
    return scenarios


def load_file(file: Path) -> list[Scenario]:
    """One file: a single scenario (a mapping) or a list of them."""
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        where = ""
        mark = getattr(error, "problem_mark", None)
        if mark is not None:
            where = f" (line {mark.line + 1}, column {mark.column + 1})"
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise ScenarioError(f"{file}: invalid YAML{where}: {problem}") from error
    except (OSError, UnicodeDecodeError) as error:
        raise ScenarioError(f"{file}: cannot read: {error}") from error
    if data is None:
        raise ScenarioError(f"{file}: empty file, expected a scenario or a list of scenarios")
    items = data if isinstance(data, list) else [data]
    scenarios = []
    for number, item in enumerate(items, start=1):
        label = f"scenario #{number}"
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            label = f"scenario {item['id']!r}"
        if not isinstance(item, dict):
            raise ScenarioError(f"{file}: {label}: expected a mapping, got {type(item).__name__}")
        try:
            scenario = Scenario.model_validate(item)
        except ValidationError as error:
            raise ScenarioError(f"{file}: {label}: {_problems(error)}") from error
        scenario._source = str(file)
        scenarios.append(scenario)
    return scenarios


def _problems(error: ValidationError) -> str:
    parts = []
    for problem in error.errors():
        where = ".".join(str(part) for part in problem["loc"]) or "scenario"
        message = "unknown field" if problem["type"] == "extra_forbidden" else problem["msg"]
        if problem["type"] == "string_type" and isinstance(problem["input"], bool | int | float):
            message += " (quote it: YAML reads yes, no and numbers as non-text)"
        parts.append(f"{where}: {message}")
    return "; ".join(parts)


# -- grading ----------------------------------------------------------------------------------


def _has(reply: str, fact: str) -> bool:
    return fact.casefold() in reply.casefold()


def grade_reply(spec: TurnSpec, reply: str) -> list[str]:
    """Why ``reply`` does not meet the turn's facts (empty: it does). Case-insensitive."""
    failures = [f"reply lacks {fact!r}" for fact in spec.reply_contains if not _has(reply, fact)]
    for options in spec.reply_contains_any:
        if not any(_has(reply, option) for option in options):
            failures.append("reply has none of " + " / ".join(repr(o) for o in options))
    failures += [
        f"reply contains {fact!r}" for fact in spec.reply_not_contains if _has(reply, fact)
    ]
    if spec.reply_empty and reply:
        failures.append(f"expected no reply, got {reply[:80]!r}")
    return failures


@dataclass
class Observed:
    """The database before the first turn (after setup) and after the last one."""

    stock_before: dict[str, Decimal] = field(default_factory=dict)  # SKU -> level
    stock_after: dict[str, Decimal] = field(default_factory=dict)
    movements: int = 0  # new stock movements during the turns
    notifications: int = 0  # new low-stock notifications during the turns
    pending_question: bool = False  # the clerk waits on an answer after the last turn
    movements_total: int = 0  # in the property, for the next ``observe(since=...)``
    notifications_total: int = 0


def observe(db: Database, property_id: int, since: Observed | None = None) -> Observed:
    """The property's stock levels and counts now; with ``since``, what changed after it."""
    from domain.inventory import Product, Stock, StockMovement
    from domain.ops import Notification, NotificationKind

    with db.tenant(property_id) as session:
        rows = session.execute(
            select(Product.sku, Stock.quantity).join(
                Stock, Stock.product_id == Product.id, isouter=True
            )
        ).all()
        movements = session.scalar(select(func.count()).select_from(StockMovement)) or 0
        notifications = (
            session.scalar(
                select(func.count())
                .select_from(Notification)
                .where(Notification.kind == NotificationKind.LOW_STOCK)
            )
            or 0
        )
    start = since or Observed()
    return Observed(
        stock_before=dict(start.stock_after),
        stock_after={sku: level if level is not None else Decimal(0) for sku, level in rows},
        movements=movements - start.movements_total,
        notifications=notifications - start.notifications_total,
        movements_total=movements,
        notifications_total=notifications,
    )


def set_levels(db: Database, property_id: int, levels: dict[str, Decimal]) -> None:
    """Put products at known levels through counted ADJUST movements, as a person would."""
    from domain.inventory import MovementKind, Product, Stock
    from tools.base import Actor, ToolContext
    from tools.inventory import MovementArgs, record_movement

    if not levels:
        return
    with db.tenant(property_id) as session:
        ctx = ToolContext(session, property_id, Actor(kind="staff", name="eval setup"))
        for sku, level in levels.items():
            row = session.execute(
                select(Product.id, Stock.quantity)
                .join(Stock, Stock.product_id == Product.id, isouter=True)
                .where(Product.sku == sku)
            ).first()
            assert row is not None, sku  # checked by the caller
            if row.quantity == level:
                continue
            args = MovementArgs(
                product_id=row.id, kind=MovementKind.ADJUST, counted_quantity=level, reason="count"
            )
            record_movement(ctx, args)


def grade_end(expect: Expect, seen: Observed) -> list[str]:
    """Why the end state differs from ``expect`` (empty: it matches)."""
    failures: list[str] = []
    for sku, level in expect.stock.items():
        actual = seen.stock_after.get(sku)
        if actual is None:
            failures.append(f"stock: no product with SKU {sku}")
        elif actual != level:
            failures.append(f"stock {sku}: expected {_num(level)}, got {_num(actual)}")
    for sku, delta in expect.stock_delta.items():
        before, after = seen.stock_before.get(sku), seen.stock_after.get(sku)
        if before is None or after is None:
            failures.append(f"stock_delta: no product with SKU {sku}")
        elif after - before != delta:
            failures.append(
                f"stock_delta {sku}: expected {_signed(delta)}, got {_signed(after - before)} "
                f"({_num(before)} -> {_num(after)})"
            )
    if expect.movements is not None and seen.movements != expect.movements:
        failures.append(f"movements: expected {expect.movements}, got {seen.movements}")
    if expect.notifications is not None and seen.notifications != expect.notifications:
        failures.append(
            f"low-stock notifications: expected {expect.notifications}, got {seen.notifications}"
        )
    if expect.pending_question is not None and seen.pending_question != expect.pending_question:
        state = "a pending question" if expect.pending_question else "no pending question"
        failures.append(f"expected {state} at the end, got the opposite")
    return failures


def run_setup_sql(db: Database, statements: list[str]) -> None:
    from sqlalchemy import text

    if not statements:
        return
    with db.owner() as session:
        for statement in statements:
            session.execute(text(statement))


def grade_sql(db: Database, checks: list[SqlCheck]) -> list[str]:
    """Why the database disagrees with the scenario's SQL checks (empty: it agrees)."""
    from sqlalchemy import text

    failures = []
    with db.owner() as session:
        for check in checks:
            row = session.execute(text(check.query)).first()
            actual = None if row is None else row[0]
            if _text(actual) != _text(check.equals):
                failures.append(f"sql {check.query!r}: expected {check.equals!r}, got {actual!r}")
    return failures


def _text(value: object) -> str:
    if isinstance(value, Decimal):
        return _num(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def skus_of(scenario: Scenario) -> set[str]:
    """Every SKU a scenario names (setup and expectations)."""
    return {*scenario.setup.stock, *scenario.expect.stock, *scenario.expect.stock_delta}


def _num(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _signed(value: Decimal) -> str:
    return ("+" if value > 0 else "") + _num(value)
