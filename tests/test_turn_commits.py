"""Which commits wait for the disk (agents/runtime.py, COMMITS): a turn that changed the
property's data does, like every other transaction; a turn that only read it does not. Read
from Postgres itself, as each transaction is about to commit."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.orm import Session

from agents.inventory import clerk
from agents.inventory.flow import run_query
from agents.runtime import AgentRuntime
from buffr.db.session import Database, wait_for_disk, writes_so_far, wrote_since
from domain.inventory import Product
from domain.ops import Notification, NotificationKind
from tests.inventory_helpers import say
from tools.effects import reached_outside

pytestmark = pytest.mark.demo_data()


@pytest.fixture()
def commits() -> Iterator[list[str]]:
    """``synchronous_commit`` of each transaction that commits meanwhile, in order."""
    seen: list[str] = []

    def before_commit(session: Session) -> None:
        if session.in_nested_transaction():
            return  # a savepoint's release: the transaction goes on
        seen.append(str(session.execute(text("SHOW synchronous_commit")).scalar()))

    event.listen(Session, "before_commit", before_commit)
    try:
        yield seen
    finally:
        event.remove(Session, "before_commit", before_commit)


def test_a_turn_that_only_reads_commits_without_waiting_for_the_disk(
    db: Database, commits: list[str]
) -> None:
    result = say(AgentRuntime(db), "how many heineken bottles are left?")
    assert [a["tool"] for a in result.actions] == ["stock_level"]
    assert commits == ["off"]


def test_a_turn_that_moves_stock_waits_for_the_disk(db: Database, commits: list[str]) -> None:
    result = say(AgentRuntime(db), "took 1 bottle of heineken")
    assert [a["tool"] for a in result.actions] == ["record_movement"]
    assert commits == ["on"]


def test_a_turn_that_reached_outside_the_database_waits_for_the_disk(
    db: Database, commits: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An Arcade action, say, that wrote nothing here (it timed out): its turn's record of it
    must not be lost while the e-mail went out."""

    def answering_after_an_effect(*args: Any, **kwargs: Any) -> Any:
        reached_outside("an e-mail")
        return run_query(*args, **kwargs)

    monkeypatch.setattr(clerk, "run_query", answering_after_an_effect)
    result = say(AgentRuntime(db), "how many heineken bottles are left?")
    assert [a["tool"] for a in result.actions] == ["stock_level"]
    assert commits == ["on"]


def test_other_transactions_wait_for_the_disk(db: Database, commits: list[str]) -> None:
    with db.tenant(db.property_id("demo")) as session:
        session.execute(select(Product.id)).first()
    assert commits == ["on"]


def test_writes_are_counted_whether_flushed_or_executed(db: Database) -> None:
    property_id = db.property_id("demo")
    with db.tenant(property_id, wait_for_disk=False) as session:
        start = writes_so_far(session)
        session.execute(select(Product.id)).all()
        assert not wrote_since(session, start)  # reads are not writes

        session.add(
            Notification(property_id=property_id, kind=NotificationKind.SYSTEM, title="t", body="b")
        )
        assert wrote_since(session, start)  # flushed, then counted

        mark = writes_so_far(session)
        session.execute(text("UPDATE products SET min_stock = min_stock WHERE false"))
        assert wrote_since(session, mark)  # any text() statement counts, to be safe
        assert session.execute(text("SHOW synchronous_commit")).scalar() == "off"
        wait_for_disk(session)
        assert session.execute(text("SHOW synchronous_commit")).scalar() == "on"
        session.rollback()
