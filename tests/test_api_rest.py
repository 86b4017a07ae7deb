"""The REST resources of a property on the seeded demo data: what each lists, who may write,
and that another property's rows are as absent as missing ones."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient

from buffr.db.session import Database
from domain.dining import MenuItem
from domain.guests import Guest
from domain.seed.demo import CITY_BAR_SLUG
from tests.api_rest_support import BASE, Headers, audited, city_bar_id
from tests.api_support import MANAGER, OWNER, STAFF, api_client, api_services, login

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


@pytest.fixture(scope="module")
def owner(client: TestClient) -> Headers:
    return login(client, OWNER)


def test_property_read_by_staff_and_patched_by_owner_only(
    client: TestClient, db: Database, staff: Headers, manager: Headers, owner: Headers
) -> None:
    prop = client.get(BASE, headers=staff).json()
    assert (prop["slug"], prop["name"], prop["currency"]) == ("demo", "Seaside Hotel", "ILS")
    assert prop["check_in_time"] and "cancellation" in prop["policies"]

    change = {"phone": "+97235550100", "languages": ["en", "he", "fr"]}
    for headers in (staff, manager):
        assert client.patch(BASE, json=change, headers=headers).status_code == 403
    patched = client.patch(BASE, json=change, headers=owner)
    assert patched.status_code == 200, patched.text
    assert patched.json()["languages"] == ["en", "he", "fr"]
    assert client.get(BASE, headers=staff).json()["phone"] == "+97235550100"
    [entry] = audited(db, "patch_property")
    assert entry.actor_kind == "staff" and entry.after == change

    bad_changes: list[dict[str, object]] = [
        {"phone": "0501234567"},
        {"languages": []},
        {"languages": ["english!"]},
        {"name": None},
        {"name": "x" * 201},
    ]
    for bad in bad_changes:
        assert client.patch(BASE, json=bad, headers=owner).status_code == 422, bad


def test_rooms_room_types_and_rates(client: TestClient, db: Database, staff: Headers) -> None:
    types = client.get(f"{BASE}/room-types", headers=staff).json()
    rooms = client.get(f"{BASE}/rooms", headers=staff).json()
    assert types and rooms
    assert sum(t["rooms"] for t in types) == len(rooms)
    assert {r["room_type_id"] for r in rooms} <= {t["id"] for t in types}

    start = date.today() + timedelta(days=5)
    end = start + timedelta(days=6)
    room_type = types[0]["id"]
    query = {"start": str(start), "end": str(end), "room_type_id": room_type}
    plans = client.get(f"{BASE}/rates", params=query, headers=staff).json()
    assert plans and all(p["room_type_id"] == room_type for p in plans)
    assert all(len(p["nights"]) == 7 and p["nights"][0]["night"] == str(start) for p in plans)
    assert all(n["price"] > 0 for p in plans for n in p["nights"])

    bad = [{"start": str(end), "end": str(start)}, {"start": "2030-02-30", "end": "2030-03-01"}]
    bad.append({"start": "2030-01-01", "end": "2031-06-01"})
    for params in bad:
        assert client.get(f"{BASE}/rates", params=params, headers=staff).status_code == 422
    assert (
        client.get(
            f"{BASE}/rates", params={**query, "room_type_id": 10**9}, headers=staff
        ).status_code
        == 404
    )


def test_put_rates_is_for_managers_and_shows_in_the_calendar(
    client: TestClient, db: Database, staff: Headers, manager: Headers
) -> None:
    room_type = client.get(f"{BASE}/room-types", headers=staff).json()[0]["id"]
    start = date.today() + timedelta(days=20)
    body = {
        "room_type_id": room_type,
        "start": str(start),
        "end": str(start + timedelta(2)),
        "price": "777.50",
    }
    assert client.put(f"{BASE}/rates", json=body, headers=staff).status_code == 403
    saved = client.put(f"{BASE}/rates", json=body, headers=manager)
    assert saved.status_code == 200, saved.text
    plan = saved.json()
    assert [n["price"] for n in plan["nights"]] == [777.5] * 3
    assert {n["source"] for n in plan["nights"]} == {"rate calendar"}
    calendar = client.get(
        f"{BASE}/rates",
        params={"start": str(start), "end": str(start), "room_type_id": room_type},
        headers=staff,
    ).json()
    [again] = [p for p in calendar if p["rate_plan_id"] == plan["rate_plan_id"]]
    assert again["nights"][0]["price"] == 777.5
    assert audited(db, "put_rates")[-1].after == {
        "start": str(start),
        "end": str(start + timedelta(2)),
        "price": "777.50",
    }

    for bad in ({**body, "price": 0}, {**body, "end": "2000-01-01"}, {**body, "price": "1.234"}):
        assert client.put(f"{BASE}/rates", json=bad, headers=manager).status_code == 422
    missing = {**body, "room_type_id": 10**9}
    assert client.put(f"{BASE}/rates", json=missing, headers=manager).status_code == 404


def test_reservations_are_paged_and_filtered(client: TestClient, staff: Headers) -> None:
    page = client.get(f"{BASE}/reservations", params={"limit": 5}, headers=staff).json()
    assert len(page["items"]) == 5 and page["total"] > 5
    first = page["items"][0]
    assert first["guest"]["id"] and first["room_number"] and first["code"]
    next_page = client.get(
        f"{BASE}/reservations", params={"limit": 5, "offset": 5}, headers=staff
    ).json()
    assert not {r["id"] for r in page["items"]} & {r["id"] for r in next_page["items"]}

    cancelled = client.get(
        f"{BASE}/reservations", params={"status": "cancelled", "limit": 200}, headers=staff
    ).json()
    assert cancelled["items"] and {r["status"] for r in cancelled["items"]} == {"cancelled"}
    day = date.today()
    around = client.get(
        f"{BASE}/reservations", params={"start": str(day), "end": str(day)}, headers=staff
    ).json()
    for r in around["items"]:
        assert r["check_in"] <= str(day) < r["check_out"]

    detail = client.get(f"{BASE}/reservations/{first['id']}", headers=staff).json()
    assert detail["code"] == first["code"] and detail["nights"] >= 1
    for params in ({"limit": 201}, {"offset": -1}, {"status": "lost"}, {"start": "yesterday"}):
        assert client.get(f"{BASE}/reservations", params=params, headers=staff).status_code == 422
    assert client.get(f"{BASE}/reservations/999999999", headers=staff).status_code == 404
    assert client.get(f"{BASE}/reservations/abc", headers=staff).status_code == 422


def test_a_manager_cancels_under_the_policy_and_once_only(
    client: TestClient, db: Database, staff: Headers, manager: Headers
) -> None:
    soon = date.today() + timedelta(days=4)  # past the 48-hour window: free
    upcoming = client.get(
        f"{BASE}/reservations",
        params={"status": "confirmed", "start": str(soon), "limit": 200},
        headers=staff,
    ).json()["items"]
    target = next(r for r in upcoming if r["check_in"] >= str(soon))
    url = f"{BASE}/reservations/{target['id']}/cancel"
    assert client.post(url, headers=staff).status_code == 403
    done = client.post(url, headers=manager)
    assert done.status_code == 200, done.text
    assert done.json()["reservation"]["status"] == "cancelled" and done.json()["fee"] == 0
    assert (
        client.get(f"{BASE}/reservations/{target['id']}", headers=staff).json()["status"]
        == "cancelled"
    )
    assert any(e.entity_id == str(target["id"]) for e in audited(db, "cancel_reservation"))
    again = client.post(url, headers=manager)
    assert again.status_code == 409 and "already cancelled" in again.json()["detail"]
    assert client.post(f"{BASE}/reservations/999999999/cancel", headers=manager).status_code == 404


def test_menu_lists_items_and_managers_change_them(
    client: TestClient, db: Database, staff: Headers, manager: Headers
) -> None:
    menus = client.get(f"{BASE}/menu", headers=staff).json()
    items = [item for menu in menus for item in menu["items"]]
    assert menus and items and any(item["allergens"] for item in items)
    item = next(i for i in items if i["available"])
    url = f"{BASE}/menu/items/{item['id']}"
    assert client.patch(url, json={"available": False}, headers=staff).status_code == 403
    changed = client.patch(url, json={"available": False, "price": "99.90"}, headers=manager)
    assert changed.status_code == 200, changed.text
    assert (changed.json()["available"], changed.json()["price"]) == (False, 99.9)
    after = [i for m in client.get(f"{BASE}/menu", headers=staff).json() for i in m["items"]]
    assert next(i for i in after if i["id"] == item["id"])["available"] is False
    assert audited(db, "patch_menu_item")[-1].after == {"available": False, "price": "99.90"}

    for bad in ({"price": -1}, {"available": None}, {"price": "cheap"}):
        assert client.patch(url, json=bad, headers=manager).status_code == 422
    foreign = city_bar_id(db, MenuItem)
    response = client.patch(
        f"{BASE}/menu/items/{foreign}", json={"available": False}, headers=manager
    )
    assert response.status_code == 404


def test_guests_search_and_profile(client: TestClient, db: Database, staff: Headers) -> None:
    everyone = client.get(f"{BASE}/guests", params={"limit": 3}, headers=staff).json()
    assert len(everyone["items"]) == 3 and everyone["total"] > 3
    someone = everyone["items"][0]
    surname = someone["name"].split()[-1]
    found = client.get(f"{BASE}/guests", params={"q": surname}, headers=staff).json()
    assert someone["id"] in {g["id"] for g in found["items"]}
    assert all(
        surname.lower() in (g["name"] or "").lower() or surname in (g["email"] or "")
        for g in found["items"]
    )
    nobody = client.get(f"{BASE}/guests", params={"q": "%_no-such-guest"}, headers=staff).json()
    assert nobody == {"items": [], "total": 0, "limit": 50, "offset": 0}

    profile = client.get(f"{BASE}/guests/{someone['id']}", headers=staff).json()
    assert profile["name"] == someone["name"] and isinstance(profile["recent_stays"], list)
    foreign = city_bar_id(db, Guest)
    assert client.get(f"{BASE}/guests/{foreign}", headers=staff).status_code == 404
    assert client.get(f"{BASE}/guests", params={"q": "x" * 101}, headers=staff).status_code == 422


def test_requests_without_a_token_or_for_another_property_are_refused(
    client: TestClient, staff: Headers
) -> None:
    assert client.get(f"{BASE}/rooms").status_code == 401
    assert client.get(f"/api/v1/properties/{CITY_BAR_SLUG}/rooms", headers=staff).status_code == 403
    assert client.get("/api/v1/properties/NOT_A_SLUG/rooms", headers=staff).status_code == 422
