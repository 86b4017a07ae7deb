"""The operational resources on the seeded demo data: stock and its movements through the
inventory tool (with the low-stock alert), staff notifications and dead letters."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from buffr.db.session import Database
from domain.inventory import Product
from domain.ops import DeadLetter, Notification, NotificationKind
from domain.seed.demo import CITY_BAR_SLUG
from tests.api_rest_support import BASE, Headers, audited, city_bar_id
from tests.api_support import MANAGER, STAFF, api_client, api_services, login

pytestmark = pytest.mark.demo_data()


@pytest.fixture(scope="module")
def client(db: Database) -> TestClient:
    return api_client(api_services(db))


@pytest.fixture(scope="module")
def staff(client: TestClient) -> Headers:
    return login(client, STAFF)


@pytest.fixture(scope="module")
def manager(client: TestClient) -> Headers:
    return login(client, MANAGER)


def test_stock_movement_lowers_stock_and_alerts_managers_once(
    client: TestClient, staff: Headers, manager: Headers
) -> None:
    stock = client.get(f"{BASE}/inventory/stock", headers=staff).json()
    coke = next(p for p in stock if p["name"] == "Coca-Cola 330 ml can")
    assert (coke["quantity"], coke["min_stock"], coke["low"]) == (144, 48, False)
    assert all(p["low"] == (p["quantity"] < p["min_stock"]) for p in stock)
    products = client.get(f"{BASE}/inventory/products", headers=staff).json()
    assert {p["id"] for p in products} == {p["product_id"] for p in stock}

    url = f"{BASE}/inventory/movements"
    used = client.post(
        url,
        json={"product_id": coke["product_id"], "kind": "out", "quantity": 100, "reason": "test"},
        headers=staff,
    )
    assert used.status_code == 201, used.text
    result = used.json()
    assert (result["level_before"], result["level_after"], result["delta"]) == (144, 44, -100)
    assert result["low"] and result["low_stock_alert"]
    again = client.post(
        url, json={"product_id": coke["product_id"], "kind": "OUT", "quantity": 4}, headers=staff
    ).json()
    assert again["level_after"] == 40 and not again["low_stock_alert"]  # one alert per crossing

    now = {p["product_id"]: p for p in client.get(f"{BASE}/inventory/stock", headers=staff).json()}
    assert now[coke["product_id"]]["quantity"] == 40 and now[coke["product_id"]]["low"]
    alerts = client.get(
        f"{BASE}/notifications", params={"status": "pending"}, headers=manager
    ).json()
    mine = [
        n
        for n in alerts
        if n["kind"] == "low_stock" and n["data"]["product_id"] == coke["product_id"]
    ]
    assert len(mine) == 1 and "Coca-Cola" in mine[0]["title"]
    # Unaddressed notifications are for managers and owners, not for every staff member.
    assert not any(
        n["kind"] == "low_stock" for n in client.get(f"{BASE}/notifications", headers=staff).json()
    )

    history = client.get(
        url, params={"product_id": coke["product_id"], "limit": 2}, headers=staff
    ).json()
    assert [(m["kind"], m["quantity"], m["balance_after"]) for m in history] == [
        ("out", -4, 40),
        ("out", -100, 44),
    ]
    daily = client.get(
        f"{url}/daily", params={"days": 7, "product_id": coke["product_id"]}, headers=staff
    ).json()
    assert len(daily) == 7 and daily[-1]["out"] == 104
    assert sum(d["in"] for d in daily) == 48  # the delivery two days ago

    too_much = client.post(
        url,
        json={"product_id": coke["product_id"], "kind": "waste", "quantity": 1000},
        headers=staff,
    )
    assert too_much.status_code == 409 and "below zero" in too_much.json()["detail"]
    for bad in (
        {"product_id": coke["product_id"], "kind": "spill", "quantity": 1},
        {"product_id": coke["product_id"], "kind": "out", "quantity": 0},
        {"product_id": coke["product_id"], "kind": "out", "quantity": -3},
        {"product_id": coke["product_id"], "kind": "out", "counted_quantity": 3},
        {"product_id": coke["product_id"], "kind": "in", "quantity": "1e9"},
    ):
        assert client.post(url, json=bad, headers=staff).status_code == 422, bad
    assert client.get(f"{url}/daily", params={"days": 0}, headers=staff).status_code == 422
    missing = {"product_id": 10**9, "kind": "in", "quantity": 1}
    assert client.post(url, json=missing, headers=staff).status_code == 404


def test_a_count_sets_the_level(client: TestClient, staff: Headers) -> None:
    stock = client.get(f"{BASE}/inventory/stock", headers=staff).json()
    product = next(p for p in stock if p["quantity"] > 5)
    counted = client.post(
        f"{BASE}/inventory/movements",
        headers=staff,
        json={"product_id": product["product_id"], "kind": "adjust", "counted_quantity": 5},
    )
    assert counted.status_code == 201, counted.text
    assert counted.json()["level_after"] == 5
    assert counted.json()["delta"] == 5 - product["quantity"]


def test_notifications_are_marked_read(
    client: TestClient, db: Database, staff: Headers, manager: Headers
) -> None:
    noa = client.get("/api/v1/auth/me", headers=staff).json()["id"]
    ids = {}
    for slug, key, recipient in (
        ("demo", "all", None),
        ("demo", "noa", noa),
        (CITY_BAR_SLUG, "bar", None),
    ):
        with db.tenant(db.property_id(slug)) as session:
            row = Notification(
                property_id=db.property_id(slug),
                kind=NotificationKind.SYSTEM,
                recipient_staff_id=recipient,
                title=key,
                body=key,
                data={},
            )
            session.add(row)
            session.flush()
            ids[key] = row.id
    mine = client.get(f"{BASE}/notifications", headers=staff).json()
    assert [n["id"] for n in mine] == [ids["noa"]]
    url = f"{BASE}/notifications/{ids['all']}/read"
    assert client.post(url, headers=staff).status_code == 404  # for managers and owners
    read = client.post(url, headers=manager)
    assert read.status_code == 200 and read.json()["status"] == "read" and read.json()["read_at"]
    assert client.post(url, headers=manager).json()["read_at"] == read.json()["read_at"]
    unread = client.get(
        f"{BASE}/notifications", params={"status": "pending", "limit": 200}, headers=manager
    ).json()
    assert ids["all"] not in {n["id"] for n in unread} and unread
    own = client.post(f"{BASE}/notifications/{ids['noa']}/read", headers=staff)
    assert own.status_code == 200 and own.json()["status"] == "read"
    assert len(audited(db, "mark_notification_read")) == 2
    foreign = f"{BASE}/notifications/{ids['bar']}/read"
    assert client.post(foreign, headers=manager).status_code == 404
    bad = client.get(f"{BASE}/notifications", params={"status": "lost"}, headers=manager)
    assert bad.status_code == 422


def test_dead_letters_are_for_managers(
    client: TestClient, db: Database, staff: Headers, manager: Headers
) -> None:
    for slug, key in (("demo", "msg-1"), ("demo", "msg-2"), (CITY_BAR_SLUG, "msg-3")):
        with db.tenant(db.property_id(slug)) as session:
            session.add(
                DeadLetter(
                    property_id=db.property_id(slug),
                    job="deliver_message",
                    job_key=key,
                    payload={"message_id": 1},
                    error="Twilio 500",
                    attempts=5,
                )
            )
    with db.tenant(db.property_id(CITY_BAR_SLUG)) as session:
        foreign = session.scalar(select(DeadLetter.id))
    url = f"{BASE}/dead-letters"
    assert client.get(url, headers=staff).status_code == 403
    listed = client.get(url, headers=manager).json()
    assert listed["total"] == 2 and {d["job_key"] for d in listed["items"]} == {"msg-1", "msg-2"}
    older = next(d for d in listed["items"] if d["job_key"] == "msg-1")
    assert client.post(f"{url}/{older['id']}/resolve", headers=staff).status_code == 403
    resolved = client.post(f"{url}/{older['id']}/resolve", headers=manager)
    assert resolved.status_code == 200 and resolved.json()["resolved_at"]
    order = [d["job_key"] for d in client.get(url, headers=manager).json()["items"]]
    assert order == ["msg-2", "msg-1"]  # unresolved first
    assert client.get(url, params={"resolved": "false"}, headers=manager).json()["total"] == 1
    assert audited(db, "resolve_dead_letter")[0].entity_id == str(older["id"])
    assert client.post(f"{url}/{foreign}/resolve", headers=manager).status_code == 404


def test_foreign_products_are_404(client: TestClient, db: Database, staff: Headers) -> None:
    foreign = city_bar_id(db, Product)
    movement = {"product_id": foreign, "kind": "in", "quantity": 1}
    assert (
        client.post(f"{BASE}/inventory/movements", json=movement, headers=staff).status_code == 404
    )
    response = client.get(
        f"{BASE}/inventory/movements", params={"product_id": foreign}, headers=staff
    )
    assert response.status_code == 404
