"""Property-based fuzzing of every operation in the OpenAPI schema (schemathesis): whatever a
client sends, valid or not, the API answers without a 5xx.

Each operation gets generated cases (path, query and body from the schema, plus schemathesis'
negative cases that break it), sent as the demo hotel's owner (the widest role) to the demo
property itself, so the cases reach the handlers rather than stopping at 403.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.core.result import Err, Ok

from agents.llm.fake import InstantChatModel
from api.app import create_app
from buffr.db.session import Database
from tests.api_support import OWNER, api_client, api_services, login

EXAMPLES_PER_OPERATION = 12


pytestmark = pytest.mark.demo_data()


@pytest.fixture(scope="module")
def app(db: Database) -> FastAPI:
    model = InstantChatModel(reply="Happy to help.")
    services = api_services(
        db,
        chat_model=lambda: model,
        twilio_account_sid="AC" + "0" * 32,
        twilio_auth_token="fuzz-token",
        sender_rate_limit=10_000,
        property_rate_limit=100_000,
    )
    return create_app(services)


def test_no_operation_answers_with_a_server_error(app: FastAPI) -> None:
    headers = login(api_client(app.state.services), OWNER)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    results = list(schema.get_all_operations())
    invalid = [str(r.err()) for r in results if isinstance(r, Err)]
    assert invalid == [], "the schema is valid OpenAPI"
    operations = [r.ok() for r in results if isinstance(r, Ok)]
    assert len(operations) > 30, "the whole API is in the schema"
    server_errors: list[str] = []
    for operation in operations:
        _fuzz(operation, headers, server_errors)
    assert server_errors == []


def _fuzz(operation: Any, headers: dict[str, str], server_errors: list[str]) -> None:
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        derandomize=True,  # the same cases every run: a failure is reproducible
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(), own_property=st.booleans())
    def run(case: Any, own_property: bool) -> None:
        if own_property and "slug" in (case.path_parameters or {}):
            case.path_parameters["slug"] = "demo"
        response = case.call(headers=headers)
        if response.status_code >= 500:
            server_errors.append(
                f"{operation.label} -> {response.status_code}: {case.as_curl_command()}"
            )

    run()
