"""Property-based fuzz of the whole API from its own OpenAPI document: no input makes a 500.

Schemathesis generates requests (valid and invalid) for every operation; each goes in with the
credential of a role the operation admits, so the handlers behind the guard run too. Examples are
bounded so that the suite stays fast on CI; ``LOANFACTORY_FUZZ_EXAMPLES`` raises the bound.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import schemathesis
from http_fakes import KEYS, FakeBackend, authenticator
from hypothesis import HealthCheck, settings

from loanfactory.adapters.http import ROLE_TABLE, Role, create_app
from loanfactory.adapters.http._roles import SIGNED
from loanfactory.adapters.http._wiring import ServerSettings, build_server
from loanfactory.testing import MemoryStore

EXAMPLES = int(os.environ.get("LOANFACTORY_FUZZ_EXAMPLES", "10"))
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "origination"))
from orig_samples import individual  # noqa: E402


def _service_app() -> Any:
    server = build_server(
        ServerSettings(
            simulate=True, products=ROOT / "products", rules=ROOT / "rules", relay_interval=0, environ={}
        ),
        store=MemoryStore(),
    )
    customer = server.origination.register_customer(individual(), idempotency_key="fuzz-reg").id
    ring = server.app.state.loanfactory.auth.keys
    for role, key in KEYS.items():
        ring.add(f"fuzz-{role.value}", role, key, customer if role is Role.customer else None)
    return server.app


fake_schema = schemathesis.openapi.from_asgi(
    "/v1/openapi.json", create_app(FakeBackend(), auth=authenticator())
)
service_schema = schemathesis.openapi.from_asgi("/v1/openapi.json", _service_app())


def _key_for(case: Any) -> str:
    operation = case.operation.definition.raw["operationId"]
    if operation in SIGNED:  # called by another system with signed messages, not a key
        return KEYS[Role.operations]
    allowed = sorted(ROLE_TABLE[operation].roles)
    return KEYS[allowed[0]]


def _check(case: Any) -> None:
    headers = {"Authorization": f"Bearer {_key_for(case)}"}
    response = case.call(headers=headers)
    # 501 not-configured (a part the backend lacks) and 503 (a provider down) are deliberate answers
    assert response.status_code < 500 or response.status_code in (501, 503), (
        case.method,
        case.formatted_path,
        response.status_code,
        response.text[:500],
    )
    if response.status_code >= 400:
        content_type = response.headers.get("content-type", [""])
        assert content_type[0].startswith("application/problem+json"), response.headers


@fake_schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_http_layer_never_answers_500(case: Any) -> None:
    _check(case)


@service_schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_api_over_the_real_services_never_answers_500(case: Any) -> None:
    _check(case)
