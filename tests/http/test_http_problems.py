"""Errors: problem+json everywhere, in zh or en, with field locations and no leaked input or traceback."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from http_fakes import KEYS, ApiClient, FakeBackend, authenticator

from loanfactory.adapters.http import PROBLEM_JSON, Role, create_app, negotiate_language
from loanfactory.errors import InvalidInput, NotFound, StateConflict
from loanfactory.ports import ConcurrentUpdate, ServiceUnavailable

QUOTE = {"product_code": "salary_loan", "amount": "50000", "term": 12}


def _problem(response: object) -> dict[str, object]:
    assert response.headers["content-type"] == PROBLEM_JSON  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert set(body) == {"type", "title", "status", "detail", "code", "instance", "request_id", "errors"}
    assert body["status"] == response.status_code  # type: ignore[attr-defined]
    assert body["type"] == f"urn:loanfactory:problem:{body['code']}"
    assert "Traceback" not in response.text  # type: ignore[attr-defined]
    return body  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, "en"),
        ("", "en"),
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh"),
        ("en-US,en;q=0.9,zh-CN;q=0.8", "en"),
        ("fr-FR, zh;q=0.5", "zh"),
        ("zh;q=0.2, en;q=0.7", "en"),
        ("zh;q=0, en", "en"),
        ("de", "en"),
        ("zh;q=abc", "en"),
    ],
)
def test_accept_language_is_negotiated(header: str | None, expected: str) -> None:
    assert negotiate_language(header) == expected


def test_validation_errors_name_each_field_in_both_languages(client: ApiClient) -> None:
    bad = {"product_code": "salary_loan", "amount": "12.345", "term": 0, "colour": "red"}
    en = _problem(client.post("/v1/quotes", role=Role.customer, json=bad))
    assert en["code"] == "invalid-request"
    locs = {tuple(e["loc"]): e for e in en["errors"]}  # type: ignore[union-attr, index]
    assert set(locs) == {("body", "amount"), ("body", "term"), ("body", "colour")}
    assert locs[("body", "colour")]["type"] == "extra_forbidden"
    zh = _problem(
        client.post("/v1/quotes", role=Role.customer, json=bad, headers={"Accept-Language": "zh-CN"})
    )
    assert zh["title"] == "请求参数不合法"
    assert zh["detail"] == "请求有 3 处错误"
    messages = {tuple(e["loc"]): e["msg"] for e in zh["errors"]}  # type: ignore[union-attr, index]
    assert messages[("body", "colour")] == "不允许的字段"


def test_input_values_are_not_echoed(client: ApiClient) -> None:
    body = _problem(
        client.post("/v1/quotes", role=Role.customer, json={**QUOTE, "amount": "110105199003071234.123"})
    )
    assert "110105199003071234" not in str(body)


@pytest.mark.parametrize("payload", ["{not json", "[]", "null", '"text"'])
def test_malformed_json_is_a_422_problem(client: ApiClient, payload: str) -> None:
    response = client.post(
        "/v1/quotes", role=Role.customer, content=payload, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    _problem(response)


@pytest.mark.parametrize(
    ("error", "status", "code", "loc"),
    [
        (
            InvalidInput("too much", field="amount", message_zh="太多了"),
            422,
            "invalid-input",
            ["body", "amount"],
        ),
        (NotFound("no such loan", field="loan_id"), 404, "not-found", ["body", "loan_id"]),
        (StateConflict("the loan is closed", message_zh="贷款已结清"), 409, "state-conflict", None),
        (ConcurrentUpdate("changed"), 409, "concurrent-update", None),
        (ServiceUnavailable("bureau timeout"), 503, "service-unavailable", None),
    ],
)
def test_core_exceptions_map_to_statuses(
    client: ApiClient, backend: FakeBackend, error: Exception, status: int, code: str, loc: list[str] | None
) -> None:
    backend.fail_with = error
    response = client.post("/v1/quotes", role=Role.customer, json=QUOTE)
    assert response.status_code == status
    body = _problem(response)
    assert body["code"] == code
    if loc is not None:
        assert body["errors"][0]["loc"] == loc  # type: ignore[index]
    if status == 503:
        assert response.headers["retry-after"] == "5"


def test_domain_messages_follow_the_language(client: ApiClient, backend: FakeBackend) -> None:
    backend.fail_with = StateConflict("the loan is closed", message_zh="贷款已结清")
    zh = client.post("/v1/quotes", role=Role.customer, json=QUOTE, headers={"Accept-Language": "zh"})
    assert zh.json()["detail"] == "贷款已结清"
    assert zh.headers["content-language"] == "zh"
    assert zh.json()["title"] == "状态冲突"


def test_an_unexpected_exception_is_a_500_problem_with_the_request_id(
    client: ApiClient, backend: FakeBackend, caplog: pytest.LogCaptureFixture
) -> None:
    backend.fail_with = RuntimeError("secret internals 13812345678")
    response = client.post("/v1/quotes", role=Role.customer, json=QUOTE, headers={"X-Request-ID": "req-42"})
    assert response.status_code == 500
    body = _problem(response)
    assert body["request_id"] == "req-42"
    assert "secret internals" not in response.text
    assert "req-42" in caplog.text
    assert "13812345678" not in caplog.text


def test_unknown_routes_and_methods_are_problems(client: ApiClient) -> None:
    assert _problem(client.get("/v1/nothing-here", role=Role.admin))["code"] == "no-such-route"
    assert _problem(client.request("DELETE", "/v1/quotes", role=Role.admin))["code"] == "method-not-allowed"


def test_bad_path_parameters_are_422_not_500(client: ApiClient) -> None:
    for path in ("/v1/eod-runs/2025-02-30", "/v1/loans/" + "x" * 65, "/v1/loans/a%20b", "/v1/reports/UP"):
        response = client.get(path, role=Role.admin)
        assert response.status_code in (403, 404, 422), path


def test_an_oversized_body_is_413(client: ApiClient) -> None:
    big = {"items": [{"loan_id": "loan_1", "milestone": "x" * 100}] * 20000}
    response = client.post(
        "/v1/disbursements/batch", role=Role.operations, json=big, headers={"Idempotency-Key": "k"}
    )
    assert response.status_code == 413
    assert _problem(response)["code"] == "request-too-large"


def test_a_backend_without_a_feature_answers_501() -> None:
    client = ApiClient(create_app(object(), auth=authenticator()))
    response = client.post("/v1/quotes", role=Role.customer, json=QUOTE)
    assert response.status_code == 501
    assert _problem(response)["code"] == "not-configured"


def test_responses_mask_account_numbers(client: ApiClient) -> None:
    loan = client.get("/v1/loans/loan_1", role=Role.operations).json()
    assert loan["account"] == "622202*********0123"
    assert KEYS[Role.operations] not in client.get("/v1/me", role=Role.operations).text


def test_a_streamed_oversized_body_is_413_too(client: ApiClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: the limit counts as it reads
        yield b'{"items": ['
        for _ in range(30000):
            yield b'{"loan_id": "loan_1", "milestone": "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"},'
        yield b'{"loan_id": "loan_1"}]}'

    response = client.post(
        "/v1/disbursements/batch",
        role=Role.operations,
        content=chunks(),
        headers={"Idempotency-Key": "k", "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert _problem(response)["code"] == "request-too-large"


@pytest.mark.parametrize(
    ("amount", "en", "zh"),
    [
        ("-5", "'-5': amounts are written without a sign", "'-5'：金额不带正负号"),
        (
            "abc",
            "'abc': not an amount: ASCII digits with at most one decimal point",
            "'abc'：不是金额：应为半角数字，最多一个小数点",
        ),
        ("1.234", "1.234 has more than 2 decimal places", "1.234 的小数位超过 2 位（金额精确到分）"),
    ],
)
def test_our_field_parsers_answer_in_the_callers_language(
    client: ApiClient, amount: str, en: str, zh: str
) -> None:
    body = {"product_code": "salary_loan", "amount": amount, "term": 12}
    for lang, text in (("en", en), ("zh", zh)):
        response = client.post("/v1/quotes", role=Role.customer, json=body, headers={"Accept-Language": lang})
        assert response.status_code == 422
        assert response.json()["errors"] == [{"loc": ["body", "amount"], "msg": text, "type": "value_error"}]
