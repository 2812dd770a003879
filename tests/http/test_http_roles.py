"""Every endpoint × every role: the role table admits exactly its roles, everyone else is refused."""

from __future__ import annotations

import pytest
from http_cases import CASES
from http_fakes import ApiClient, FakeBackend

from loanfactory.adapters.http import PROBLEM_JSON, ROLE_TABLE, Role, create_app
from loanfactory.adapters.http._auth import Authenticator
from loanfactory.adapters.http._roles import SIGNED

PAIRS = [(op, role) for op in sorted(ROLE_TABLE) for role in Role]


def test_every_route_has_one_policy_and_one_test_case(client: ApiClient) -> None:
    schema = create_app(FakeBackend(), auth=Authenticator()).openapi()
    operations = [op["operationId"] for path in schema["paths"].values() for op in path.values()]
    assert len(operations) == len(set(operations))
    assert set(operations) == set(ROLE_TABLE) | set(SIGNED)
    assert set(ROLE_TABLE) == set(CASES)
    assert not set(ROLE_TABLE) & set(SIGNED)


def test_every_policy_admits_someone_and_the_auditor_only_reads() -> None:
    for operation, policy in ROLE_TABLE.items():
        assert policy.roles, operation
        if Role.auditor in policy.roles:
            assert CASES[operation].method == "GET" or operation in {
                "catalog.compare",
                "catalog.recommend",
                "quotes.create",
            }, operation


@pytest.mark.parametrize(("operation", "role"), PAIRS, ids=[f"{o}-{r.value}" for o, r in PAIRS])
def test_role_table_is_enforced(client: ApiClient, operation: str, role: Role) -> None:
    case = CASES[operation]
    response = client.request(case.method, case.path, role=role, json=case.json, headers=case.headers)
    if role in ROLE_TABLE[operation].roles:
        expected = case.past_guard.get(role.value)
        if expected is not None:
            assert response.status_code == expected, response.text
        else:
            assert response.status_code < 300, (response.status_code, response.text)
    else:
        assert response.status_code == 403, response.text
        assert response.headers["content-type"] == PROBLEM_JSON
        assert response.json()["code"] == "forbidden-role"


@pytest.mark.parametrize("operation", sorted(ROLE_TABLE))
def test_no_or_bad_credentials_are_401(client: ApiClient, operation: str) -> None:
    case = CASES[operation]
    missing = client.request(case.method, case.path, json=case.json, headers=case.headers)
    assert missing.status_code == 401
    assert missing.json()["code"] == "missing-credentials"
    assert missing.headers["www-authenticate"].startswith("Bearer")
    wrong = client.request(
        case.method, case.path, json=case.json, headers={**case.headers, "Authorization": "Bearer lf_nope"}
    )
    assert wrong.status_code == 401
    assert wrong.json()["code"] == "invalid-credentials"


def test_a_refused_role_never_reaches_the_backend(client: ApiClient, backend: FakeBackend) -> None:
    case = CASES["disbursements.create"]
    client.request(case.method, case.path, role=Role.customer, json=case.json, headers=case.headers)
    client.request(case.method, case.path, role=Role.admin, json=case.json, headers=case.headers)
    assert backend.calls == []
