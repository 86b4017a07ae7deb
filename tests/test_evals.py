"""The eval harness: loading and validating scenario files, grading, the report, and a few
scenarios run end to end on the test session's Postgres with no model (and one with a scripted
fake model, to check the model is built once and shared)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
import typer
from langchain_core.messages import AIMessage
from typer.testing import CliRunner

from agents.llm.fake import ScriptedChatModel
from buffr.cli.context import CliError
from buffr.cli.eval_cmd import eval_command
from buffr.services.resolve import Endpoints
from evals.grading import (
    Expect,
    Observed,
    ScenarioError,
    TurnSpec,
    grade_end,
    grade_reply,
    load_scenarios,
    load_suite_config,
)
from evals.report import ScenarioResult, SuiteReport, TurnRecord, percentile
from evals.runner import ModelUnavailable, run_suite

SUITE = Path(__file__).resolve().parents[1] / "evals" / "inventory"
RECEPTION = SUITE.parent / "reception"


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


# -- loading ----------------------------------------------------------------------------------


def test_the_inventory_suite_loads() -> None:
    scenarios = load_scenarios(SUITE)
    assert len(scenarios) >= 40
    assert len({s.id for s in scenarios}) == len(scenarios)
    llm = [s for s in scenarios if "llm" in s.tags]
    assert len(llm) >= 8
    hebrew = [s for s in scenarios if any("\u05d0" <= ch <= "\u05ea" for ch in s.turns[0].user)]
    assert len(hebrew) >= 10
    assert all(s.source.endswith(".yaml") for s in scenarios)


def test_the_reception_suite_loads_with_its_day() -> None:
    scenarios = load_scenarios(RECEPTION)
    assert len(scenarios) >= 40
    assert all(s.actor.startswith("+") and s.actor != "+972501110003" for s in scenarios)
    assert load_suite_config(RECEPTION).today == date(2027, 3, 1)


def test_defaults_and_one_scenario_per_file(tmp_path: Path) -> None:
    write(tmp_path, "one.yaml", "id: only\nturns:\n  - user: what is low?\n")
    [scenario] = load_scenarios(tmp_path / "one.yaml")
    assert scenario.property_slug == "demo" and scenario.actor == "+972501110003"
    assert scenario.expect.movements is None and scenario.setup.stock == {}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "- id: a\n  turns:\n    - user: hi\n      reply_contain: [x]\n",
            "scenario 'a': turns.0.reply_contain: unknown field",
        ),
        ("- id: a\n  turns: []\n", "turns: List should have at least 1 item"),
        ("- id: a\n  turns: [{user: hi}]\n  expect: {stock: {X: -1}}\n", "expect.stock.X"),
        ("- id: a\n  turns: [{user: yes}]\n", "quote it"),
        ("- id: a\n  turns: [{user: hi\n", "invalid YAML (line 3"),
        ("- just text\n", "scenario #1: expected a mapping"),
        ("", "empty file"),
        ("- id: bad id\n  turns: [{user: hi}]\n", "id: String should match pattern"),
    ],
)
def test_invalid_files_are_clear_errors(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, "bad.yaml", text)
    with pytest.raises(ScenarioError) as caught:
        load_scenarios(path)
    assert message in str(caught.value)
    assert str(path) in str(caught.value)


def test_missing_paths_empty_folders_and_duplicate_ids(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="no such file or folder"):
        load_scenarios(tmp_path / "missing.yaml")
    with pytest.raises(ScenarioError, match=r"no \.yaml scenario files"):
        load_scenarios(tmp_path)
    write(tmp_path, "a.yaml", "id: same\nturns: [{user: hi}]\n")
    write(tmp_path, "b.yml", "id: same\nturns: [{user: hello}]\n")
    with pytest.raises(ScenarioError, match=r"'same' is already used in .*a\.yaml"):
        load_scenarios(tmp_path)


def test_the_command_reports_bad_files_without_running(tmp_path: Path) -> None:
    app = typer.Typer()
    app.command()(eval_command)
    result = CliRunner().invoke(app, [str(tmp_path / "nowhere")])
    assert isinstance(result.exception, CliError) and result.exception.code == 2
    assert "no such file or folder" in str(result.exception)


# -- grading ----------------------------------------------------------------------------------


def test_reply_facts_are_case_insensitive_substrings() -> None:
    spec = TurnSpec(
        user="x",
        reply_contains=["took out 3", "93"],
        reply_contains_any=[["crates", "units"], ["zero", "nil"]],
        reply_not_contains=["alerted"],
    )
    reply = "Took out 3 × Coca-Cola. Now 93 in stock. Units!"
    assert grade_reply(spec, reply) == ["reply has none of 'zero' / 'nil'"]
    assert grade_reply(spec, reply + " I've ALERTED the managers. Zero.") == [
        "reply contains 'alerted'"
    ]
    assert grade_reply(spec, "") == [
        "reply lacks 'took out 3'",
        "reply lacks '93'",
        "reply has none of 'crates' / 'units'",
        "reply has none of 'zero' / 'nil'",
    ]


def test_end_state_grading() -> None:
    expect = Expect(
        stock={"A": Decimal(5), "GONE": Decimal(1)},
        stock_delta={"B": Decimal(-2)},
        movements=1,
        notifications=0,
        pending_question=False,
    )
    good = Observed(
        stock_before={"A": Decimal(8), "B": Decimal(10)},
        stock_after={"A": Decimal("5.000"), "B": Decimal(8), "GONE": Decimal(1)},
        movements=1,
    )
    assert grade_end(expect, good) == []
    bad = Observed(
        stock_before={"A": Decimal(8), "B": Decimal(10)},
        stock_after={"A": Decimal("5.5"), "B": Decimal(10)},
        movements=0,
        notifications=2,
        pending_question=True,
    )
    assert grade_end(expect, bad) == [
        "stock A: expected 5, got 5.5",
        "stock: no product with SKU GONE",
        "stock_delta B: expected -2, got 0 (10 -> 10)",
        "movements: expected 1, got 0",
        "low-stock notifications: expected 0, got 2",
        "expected no pending question at the end, got the opposite",
    ]
    assert grade_end(Expect(), bad) == [], "what is left out is not checked"


def test_percentiles_and_summary() -> None:
    assert percentile([], 50) is None
    assert percentile([10.0], 95) == 10.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert percentile(list(map(float, range(1, 101))), 95) == pytest.approx(95.05)
    report = SuiteReport("s", "p", "none", "2025-01-01T00:00:00+00:00")
    report.results = [
        ScenarioResult(
            "a",
            tags=["llm"],
            turns=[TurnRecord("x", llm_called=True, latency_ms=900.0)],
        ),
        ScenarioResult(
            "b",
            status="failed",
            failures=["turn 1: reply lacks 'x'"],
            turns=[TurnRecord("y", latency_ms=10.0), TurnRecord("z", latency_ms=30.0)],
        ),
    ]
    summary = report.summary()
    assert summary["scenarios"] == 2 and summary["passed"] == 1 and summary["pass_rate"] == 0.5
    assert summary["turns"] == 3 and summary["llm_calls"] == 1
    assert summary["latency_ms_llm"]["p50"] == 900.0
    assert summary["latency_ms_fast_path"] == {"count": 2, "p50": 20.0, "p95": 29.0, "max": 30.0}
    assert summary["by_tag"] == {
        "llm": {"scenarios": 1, "passed": 1},
        "untagged": {"scenarios": 1, "passed": 0},
    }
    assert not report.passed


# -- end to end -------------------------------------------------------------------------------

END_TO_END = """
- id: unit-question
  setup: {stock: {COKE-250-GLASS: 96}}
  turns:
    - user: took 3 small colas
      reply_contains: ["crates of 24"]
    - user: units
      reply_contains: ["Took out 3", "93"]
  expect: {stock: {COKE-250-GLASS: 93}, movements: 1, notifications: 0, pending_question: false}

- id: beyond-stock-declined
  setup: {stock: {WINE-RED-HOUSE: 5}}
  turns:
    - user: took 8 bottles of house red
      reply_contains: ["Only 5"]
    - user: "no"
  expect: {stock: {WINE-RED-HOUSE: 5}, movements: 0}

- id: hebrew-two-items
  setup: {stock: {HEIN-330-BTL: 120, LEMON-KG: 1.5}}
  turns:
    - user: קיבלנו 2 ארגזים היינקן ו-3 ק"ג לימונים
      reply_contains: ["התקבל 48", "4.5"]
  expect: {stock: {HEIN-330-BTL: 168, LEMON-KG: 4.5}, movements: 2}

- id: guest
  actor: "+447700900123"
  turns:
    - user: took 3 bottles of heineken
      reply_not_contains: ["Took out"]
  expect: {stock_delta: {HEIN-330-BTL: 0}, movements: 0}

- id: alert-once
  setup: {stock: {HEIN-330-BTL: 50}}
  turns:
    - user: took 3 bottles of heineken
    - user: took 2 bottles of heineken
  expect: {stock: {HEIN-330-BTL: 45}, notifications: 1}

- id: wrong-expectation
  turns:
    - user: how many coke cans are left?
      reply_contains: ["no such fact"]
  expect: {movements: 3}

- id: unknown-sku
  setup: {stock: {NO-SUCH-SKU: 1}}
  turns:
    - user: what is low?
"""


@pytest.fixture(scope="module")
def suite(services: Endpoints, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SuiteReport]:
    folder = tmp_path_factory.mktemp("evals")
    path = write(folder, "e2e.yaml", END_TO_END)
    seen: list[tuple[str, int, int]] = []
    report = run_suite(
        path, "none", endpoints=services, on_result=lambda r, i, n: seen.append((r.id, i, n))
    )
    assert [index for _, index, _ in seen] == list(range(1, 8))
    yield report


def test_scenarios_pass_end_to_end(suite: SuiteReport) -> None:
    by_id = {r.id: r for r in suite.results}
    for name in ("unit-question", "beyond-stock-declined", "hebrew-two-items", "guest"):
        assert by_id[name].status == "passed", (name, by_id[name].failures, by_id[name].turns)
    assert by_id["alert-once"].passed
    unit = by_id["unit-question"]
    assert [t.pending_question for t in unit.turns] == [True, False]
    assert unit.turns[1].tools == ["record_movement"]
    assert all(not t.llm_called and t.latency_ms > 0 for r in suite.results for t in r.turns)
    assert suite.model == "none" and suite.suite == "e2e"


def test_failures_and_errors_are_reported_not_raised(suite: SuiteReport) -> None:
    by_id = {r.id: r for r in suite.results}
    wrong = by_id["wrong-expectation"]
    assert wrong.status == "failed"
    assert wrong.failures == [
        "turn 1: reply lacks 'no such fact'",
        "movements: expected 3, got 0",
    ]
    assert "144" in wrong.turns[0].reply
    broken = by_id["unknown-sku"]
    assert broken.status == "error" and "NO-SUCH-SKU" in broken.failures[0]
    assert broken.turns == []
    assert not suite.passed


def test_the_json_report(suite: SuiteReport, tmp_path: Path) -> None:
    target = tmp_path / "reports" / "eval.json"
    suite.write_json(target)
    data = json.loads(target.read_text(encoding="utf-8"))
    assert set(data) == {"version", "suite", "path", "model", "started_at", "summary", "scenarios"}
    summary = data["summary"]
    assert summary["scenarios"] == 7 and summary["passed"] == 5
    assert summary["failed"] == 1 and summary["errors"] == 1
    assert summary["llm_calls"] == 0 and summary["latency_ms_llm"]["count"] == 0
    assert summary["latency_ms"]["p50"] > 0 and summary["template_seconds"] > 0
    first = data["scenarios"][0]
    assert first["id"] == "unit-question" and first["passed"] is True
    assert first["turns"][0]["user"] == "took 3 small colas"
    assert set(first["turns"][0]) >= {"reply", "llm_called", "latency_ms", "pending_question"}


def test_a_model_is_built_once_and_shared(services: Endpoints, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "llm.yaml",
        """
- id: pair-vanished
  tags: [llm]
  setup: {stock: {HEIN-330-BTL: 120}}
  turns:
    - user: a pair of heineken bottles vanished at the pool party
      reply_contains: ["118"]
  expect: {stock: {HEIN-330-BTL: 118}, movements: 1}
- id: fast-path-needs-no-model
  turns:
    - user: what is low?
- id: chef-potatoes
  tags: [llm]
  setup: {stock: {POTATO-KG: 40}}
  turns:
    - user: chef burned through 4 kilos of potatoes
  expect: {stock: {POTATO-KG: 36}}
""",
    )

    def update(product: str, quantity: float, unit: str) -> AIMessage:
        args = {"action": "OUT", "product": product, "quantity": quantity, "unit": unit}
        call = {"name": "update_stock", "args": args, "id": f"call-{product}"}
        return AIMessage(content="", tool_calls=[call])

    built: list[ScriptedChatModel] = []

    def factory() -> ScriptedChatModel:
        built.append(ScriptedChatModel([update("heineken", 2, "unit"), update("potato", 4, "kg")]))
        return built[-1]

    report = run_suite(path, "scripted", endpoints=services, chat_model=factory)
    assert len(built) == 1 and built[0].remaining == 0
    assert [r.status for r in report.results] == ["passed"] * 3, report.results
    assert [r.llm_calls for r in report.results] == [1, 0, 1]
    assert report.results[0].turns[0].model_load_ms is not None
    assert report.summary()["latency_ms_llm"]["count"] == 2
    assert report.model == "scripted"


def test_a_model_that_cannot_load_stops_the_run_and_cleans_up(
    services: Endpoints, tmp_path: Path
) -> None:
    path = write(tmp_path, "llm.yaml", "id: a\nturns: [{user: tuk 3 bottles of heineken}]\n")

    def factory() -> ScriptedChatModel:
        raise FileNotFoundError("no GGUF model file at /nowhere.gguf")

    with pytest.raises(ModelUnavailable, match=r"chat model custom cannot be used: .*nowhere"):
        run_suite(path, None, endpoints=services, chat_model=factory)
    with psycopg.connect(services.owner_dsn) as conn:
        left = conn.execute(
            "SELECT count(*) FROM pg_database WHERE datname LIKE 'buffr_eval_%'"
        ).fetchone()
    assert left == (0,), "every eval database is dropped"


# -- suite settings, SQL setup and checks, silent replies ------------------------------------

PINNED_SUITE = "today: 2027-03-01\nhour: 9\n"
PINNED = """
- id: quiet-while-a-person-has-it
  actor: "+447700900999"
  setup:
    sql:
      - >-
        INSERT INTO guests (property_id, phone, preferences, language, marketing_consent,
        loyalty_points) SELECT id, '+447700900999', '[]', 'en', false, 0 FROM properties
        WHERE slug = 'demo'
      - >-
        INSERT INTO conversations (property_id, thread_key, guest_id, last_channel, status)
        SELECT g.property_id, 'guest:' || g.id, g.id, 'whatsapp', 'handoff'
        FROM guests g WHERE g.phone = '+447700900999'
  turns:
    - user: hello, anyone?
      reply_empty: true
  expect:
    sql:
      - query: >-
          SELECT count(*) FROM messages m JOIN conversations c ON c.id = m.conversation_id
          WHERE c.thread_key LIKE 'guest:%' AND m.body = 'hello, anyone?'
        equals: 1
      - query: >-
          SELECT count(*) > 0 FROM room_reservations WHERE status = 'checked_in'
          AND check_in <= '2027-03-01' AND check_out > '2027-03-01'
        equals: true

- id: wrong-sql-and-a-reply-where-none-was-expected
  actor: "+33600000998"
  turns:
    - user: Bonjour, avez-vous une chambre pour ce soir avec vous? Merci
      reply_empty: true
  expect:
    sql:
      - {query: "SELECT 41", equals: 42}
"""


def test_suite_day_setup_sql_and_sql_checks(services: Endpoints, tmp_path: Path) -> None:
    write(tmp_path, "_suite.yaml", PINNED_SUITE)
    write(tmp_path, "pinned.yaml", PINNED)
    assert load_suite_config(tmp_path).today == date(2027, 3, 1)
    report = run_suite(tmp_path, "none", endpoints=services)
    by_id = {r.id: r for r in report.results}
    quiet = by_id["quiet-while-a-person-has-it"]
    assert quiet.status == "passed", quiet.failures
    wrong = by_id["wrong-sql-and-a-reply-where-none-was-expected"]
    assert wrong.failures[0].startswith("turn 1: expected no reply, got \"I'm sorry")
    assert wrong.failures[1] == "sql 'SELECT 41': expected 42, got 41"
