"""The examples of docs/http-api.md and docs/notifications.md run as written: the Python blocks are
executed, the quote figures shown are the ones the API gives, and every curl command is sent to
the API (a fake backend behind the real routes, models and role table) and accepted."""

from __future__ import annotations

import re
import shlex
import textwrap
from pathlib import Path
from typing import Any

import pytest
from http_cases import SHA
from http_fakes import KEYS, ApiClient, FakeBackend, authenticator

from loanfactory.adapters.http import Role, create_app

ROOT = Path(__file__).resolve().parents[2]
BLOCK = re.compile(r"^( *)```(python|sh|json)\n(.*?)^\1```", re.S | re.M)
ROLES = {  # the shell variables of the examples
    "$KEY": Role.customer,
    "$CUSTOMER_KEY": Role.customer,
    "$OFFICER_KEY": Role.officer,
    "$OPS_KEY": Role.operations,
    "$PM_KEY": Role.product_manager,
    "$MARKETING_KEY": Role.marketing,
    "$RISK_KEY": Role.risk,
}
IDS = {
    "$CUSTOMER_ID": "cus_1",
    "$ACCOUNT_ID": "pac_1",
    "$APP_ID": "app_1",
    "$TASK_ID": "task_1",
    "$OFFER_ID": "off_1",
    "$CONTRACT_ID": "ctr_1",
    "$LOAN_ID": "loan_1",
    "$ORDER_ID": "col_1",
    "$POSTING_ID": "man_1",
    "$DISPOSAL_ID": "dsp_1",
}


def _blocks(name: str, kind: str = "python") -> list[str]:
    text = (ROOT / "docs" / name).read_text(encoding="utf-8")
    return [textwrap.dedent(body) for _, lang, body in BLOCK.findall(text) if lang == kind]


def test_http_api_python_examples_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # the examples load ./products and ./rules
    namespace: dict[str, Any] = {}
    blocks = _blocks("http-api.md")
    assert len(blocks) >= 4
    for block in blocks:
        exec(compile(block, "docs/http-api.md", "exec"), namespace)
    # the figures the quote example shows are the API's (salary_loan 50 000 x 12 on 2025-08-01)
    example = next(b for b in _blocks("http-api.md", "json") if b.startswith('{"product_code"'))
    shown = dict(re.findall(r'"(\w+)": "([^"]*)"', example))
    quote = namespace["result"]
    assert {k: quote[k] for k in shown} == shown


def _curls(name: str) -> list[list[str]]:
    commands: list[list[str]] = []
    for block in _blocks(name, "sh"):
        words = shlex.split(block.replace("\\\n", " "), comments=True)
        for word in words:
            if word == "curl":
                commands.append([])
            elif commands:
                commands[-1].append(word)
    return commands


def _request(words: list[str], index: int) -> tuple[str, str, dict[str, str], str | None, Role]:
    method, url, headers, body, role = "GET", "", {}, None, Role.customer
    iterator = iter(words)
    for word in iterator:
        if word == "-s":
            continue
        if word == "-X":
            method = next(iterator)
        elif word == "-H":
            name, _, value = next(iterator).partition(":")
            value = value.strip().replace("$(uuidgen)", f"doc-key-{index}")
            if name == "Authorization":
                role = ROLES[value.removeprefix("Bearer ")]
                value = f"Bearer {KEYS[role]}"
            headers[name] = value
        elif word == "-d":
            method, body = "POST", next(iterator)
        else:
            url = word
    for variable, value in IDS.items():
        url = url.replace(variable, value)
        body = body.replace(variable, value) if body else body
    if body:
        body = body.replace("<sha256 of the photo>", SHA)
    return method, url.removeprefix("localhost:8000"), headers, body, role


@pytest.mark.parametrize("index", range(len(_curls("http-api.md"))))
def test_every_curl_example_is_accepted_by_the_api(index: int) -> None:
    client = ApiClient(create_app(FakeBackend(), auth=authenticator()))
    method, path, headers, body, role = _request(_curls("http-api.md")[index], index)
    response = client.request(method, path, headers=headers, content=body)
    assert response.status_code < 300, (method, path, role, response.text)


@pytest.mark.parametrize("index", range(len(_blocks("notifications.md"))))
def test_notification_examples_run(index: int) -> None:
    exec(compile(_blocks("notifications.md")[index], "docs/notifications.md", "exec"), {})


def test_the_roles_table_in_the_docs_matches_the_server() -> None:
    from loanfactory.adapters.http import ROLE_TABLE

    text = (ROOT / "docs" / "http-api.md").read_text(encoding="utf-8")
    for operation, policy in ROLE_TABLE.items():
        row = next((line for line in text.splitlines() if f"| `{operation}` |" in line), None)
        assert row is not None, operation
        roles = row.split("|")[3].strip()
        if roles != "all roles":
            assert {r.strip() for r in roles.split(",")} == {r.value for r in policy.roles}, operation
