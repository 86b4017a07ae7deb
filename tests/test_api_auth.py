"""Staff authentication and the binding of every request to one property."""

from __future__ import annotations

import time

import jwt
import pytest
from fastapi.testclient import TestClient

from api.auth import StaffPrincipal, issue_token
from buffr.db.session import Database
from domain.property import StaffRole
from domain.seed.demo import CITY_BAR_SLUG, DEMO_PASSWORD
from tests.api_support import MANAGER, TEST_JWT_SECRET, api_client, api_services, login

pytestmark = pytest.mark.demo_data()


@pytest.fixture(scope="module")
def client(db: Database) -> TestClient:
    return api_client(api_services(db))


def test_health_and_readiness(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ready"}
    assert "buffr_http_requests_total" in client.get("/metrics").text


def test_login_me_refresh_and_logout_revokes_refresh(client: TestClient) -> None:
    tokens = client.post(
        "/api/v1/auth/login",
        json={"property": "demo", "email": MANAGER.upper(), "password": DEMO_PASSWORD},
    ).json()
    assert tokens["staff"]["role"] == "manager"
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert client.get("/api/v1/auth/me", headers=headers).json()["name"] == "Yossi Cohen"

    refreshed = client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert refreshed.status_code == 200
    # An access token is not a refresh token.
    wrong_kind = client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["access_token"]})
    assert wrong_kind.status_code == 401

    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    revoked = client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert revoked.status_code == 401
    assert "revoked" in revoked.json()["detail"]


@pytest.mark.parametrize(
    ("property_slug", "email", "password"),
    [
        ("demo", MANAGER, "wrong-password"),
        ("demo", "nobody@seaside-hotel.example", DEMO_PASSWORD),
        ("no-such-place", MANAGER, DEMO_PASSWORD),
        (CITY_BAR_SLUG, MANAGER, DEMO_PASSWORD),  # a real login, of another property
    ],
)
def test_bad_logins_get_one_answer(
    client: TestClient, property_slug: str, email: str, password: str
) -> None:
    response = client.post(
        "/api/v1/auth/login", json={"property": property_slug, "email": email, "password": password}
    )
    assert response.status_code == 401
    assert response.json() == {"detail": "Wrong property, e-mail or password."}


def test_expired_and_forged_tokens_are_refused(client: TestClient) -> None:
    principal = StaffPrincipal(1, 1, "demo", StaffRole.OWNER, "Dana")
    expired = issue_token(principal, "access", TEST_JWT_SECRET, lifetime_s=-5)
    response = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {expired}"})
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]

    forged = jwt.encode(
        {
            "sub": "1",
            "pid": 1,
            "slug": "demo",
            "role": "owner",
            "typ": "access",
            "exp": int(time.time()) + 60,
        },
        "another-secret-of-sufficient-length-0123456789",
        algorithm="HS256",
    )
    response = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401
    assert client.get("/api/v1/auth/me").status_code == 401


def test_staff_of_one_property_cannot_call_anothers_routes(client: TestClient) -> None:
    headers = login(client)
    response = client.get(f"/api/v1/properties/{CITY_BAR_SLUG}/conversations", headers=headers)
    assert response.status_code == 403


def test_malformed_and_oversized_bodies_are_4xx(client: TestClient) -> None:
    assert client.post("/api/v1/auth/login", content=b"{not json").status_code == 422
    assert client.post("/api/v1/auth/login", json={"property": "demo"}).status_code == 422
    huge = b"x" * (70 * 1024)
    response = client.post(
        "/api/v1/auth/login", content=huge, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
