"""Strict input at the edge: amounts written one way only, JSON keys given once, no NaN."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from http_fakes import ApiClient, FakeBackend

from loanfactory.adapters.http import Role

QUOTE = {"product_code": "salary_loan", "term": 12}
ASCII_ONLY = ("amounts use the ASCII digits 0-9 only", "金额只能使用半角数字 0-9")
EXPONENT = (
    "amounts are written without an exponent (10000, not 1e4)",
    "金额不使用科学计数法（写 10000，而非 1e4）",
)
SEPARATORS = (
    "amounts are written without thousands separators (1000, not 1,000)",
    "金额不使用千位分隔符（写 1000，而非 1,000）",
)


@pytest.mark.parametrize(
    ("amount", "why"),
    [
        ("1,000", SEPARATORS),
        ("1_000", SEPARATORS),
        ("1，000", SEPARATORS),
        ("１００", ASCII_ONLY),
        ("١٠٠", ASCII_ONLY),
        ("१००", ASCII_ONLY),
        ("1e4", EXPONENT),
        ("1E+4", EXPONENT),
        ("+100", ("amounts are written without a sign", "金额不带正负号")),
        ("-100", ("amounts are written without a sign", "金额不带正负号")),
        (" 100", ("amounts are written without spaces", "金额中不能有空格")),
        ("100 ", ("amounts are written without spaces", "金额中不能有空格")),
        ("1 000", ("amounts are written without spaces", "金额中不能有空格")),
        (
            "100.",
            (
                "an amount has digits on both sides of at most one decimal point",
                "金额最多一个小数点，且小数点两侧都要有数字",
            ),
        ),
        (
            ".5",
            (
                "an amount has digits on both sides of at most one decimal point",
                "金额最多一个小数点，且小数点两侧都要有数字",
            ),
        ),
        (
            "1.2.3",
            (
                "an amount has digits on both sides of at most one decimal point",
                "金额最多一个小数点，且小数点两侧都要有数字",
            ),
        ),
        ("", ("an amount is empty", "金额为空")),
        (
            "NaN",
            (
                "not an amount: ASCII digits with at most one decimal point",
                "不是金额：应为半角数字，最多一个小数点",
            ),
        ),
        (
            "Infinity",
            (
                "not an amount: ASCII digits with at most one decimal point",
                "不是金额：应为半角数字，最多一个小数点",
            ),
        ),
        (
            "0x10",
            (
                "not an amount: ASCII digits with at most one decimal point",
                "不是金额：应为半角数字，最多一个小数点",
            ),
        ),
        ("1" * 16, ("more than 15 digits before the point", "整数部分超过 15 位")),
        (
            5000.5,
            (
                'floats are inexact: send the amount as a string such as "4333.33"',
                '浮点数不精确：请以字符串发送金额，例如 "4333.33"',
            ),
        ),
        (True, ('expected an amount such as "4333.33"', '应为金额，例如 "4333.33"')),
        (-5, ("amounts are written without a sign", "金额不带正负号")),
        ([1], ('expected an amount such as "4333.33"', '应为金额，例如 "4333.33"')),
    ],
)
def test_an_amount_written_any_other_way_is_refused_with_the_reason(
    client: ApiClient, backend: FakeBackend, amount: object, why: tuple[str, str]
) -> None:
    for lang, reason in zip(("en", "zh"), why, strict=True):
        answer = client.post(
            "/v1/quotes",
            role=Role.customer,
            json={**QUOTE, "amount": amount},
            headers={"Accept-Language": lang},
        )
        assert answer.status_code == 422, answer.text
        assert answer.headers["content-type"].startswith("application/problem+json")
        (error,) = answer.json()["errors"]
        assert error["loc"] == ["body", "amount"]
        assert error["msg"].endswith(reason), error["msg"]
    assert backend.called("quote") == []


@pytest.mark.parametrize(
    ("amount", "read"),
    [("50000", "50000"), ("4333.33", "4333.33"), ("4333.3", "4333.3"), (50000, "50000"), ("007", "7")],
)
def test_plain_amounts_are_read_exactly(
    client: ApiClient, backend: FakeBackend, amount: object, read: str
) -> None:
    answer = client.post("/v1/quotes", role=Role.customer, json={**QUOTE, "amount": amount})
    assert answer.status_code == 200, answer.text
    assert backend.called("quote")[0][0][0].amount == Decimal(read)


def test_every_money_field_of_the_api_is_strict(client: ApiClient, backend: FakeBackend) -> None:
    bodies = [
        ("/v1/loans/loan_1/repayments", {"amount": "1,000"}),
        ("/v1/loans/loan_1/prepayments", {"amount": "１０００"}),
        ("/v1/disbursements", {"loan_id": "loan_1", "amount": "1e3"}),
        (
            "/v1/disbursements/batch",
            {"items": [{"loan_id": "loan_1"}, {"loan_id": "loan_1", "amount": "1_0"}]},
        ),
        ("/v1/products/compare", {"codes": ["a", "b"], "amount": "+1", "term": 12}),
        ("/v1/products/recommend", {"amount": "1 0"}),
        (
            "/v1/loans/loan_1/offline-payments",
            {"amount": "5,000", "reference": "CNTR-1", "channel": "counter"},
        ),
    ]
    for path, body in bodies:
        answer = client.post(path, role=Role.operations, json=body, headers={"Idempotency-Key": path})
        assert answer.status_code == 422, (path, answer.text)
        assert answer.json()["errors"][0]["loc"][-1] == "amount"
    listed = client.get("/v1/products", role=Role.customer, params={"amount": "5,000"})
    assert listed.status_code == 422
    assert listed.json()["errors"][0]["loc"] == ["query", "amount"]


# --- JSON ---------------------------------------------------------------------------------------


def _raw(client: ApiClient, path: str, body: str, **headers: str) -> object:
    return client.post(
        path,
        role=Role.operations,
        content=body.encode(),
        headers={"Content-Type": "application/json", "Idempotency-Key": "raw", **headers},
    )


@pytest.mark.parametrize(
    ("path", "body", "loc"),
    [
        (
            "/v1/quotes",
            '{"product_code": "salary_loan", "amount": "1", "term": 12, "amount": "100000"}',
            ["body", "amount"],
        ),
        (
            "/v1/loans/loan_1/repayments",
            '{"amount": "1", "amount": "1000"}',
            ["body", "amount"],
        ),
        (
            "/v1/loans/loan_1/offline-payments",
            '{"amount": "1", "reference": "CNTR-1", "channel": "counter", "reference": "CNTR-2"}',
            ["body", "reference"],
        ),
        (
            "/v1/disbursements/batch",
            '{"items": [{"loan_id": "loan_1"}, {"loan_id": "loan_1", "amount": "5", "amount": "500"}]}',
            ["body", "items", 1, "amount"],
        ),
        (
            "/v1/quotes",
            '{"product_code": "salary_loan", "x": {"a": {"b": 1, "b": 2}}}',
            ["body", "x", "a", "b"],
        ),
    ],
)
def test_a_key_given_twice_is_refused_and_located(
    client: ApiClient, backend: FakeBackend, path: str, body: str, loc: list[object]
) -> None:
    for lang, words in (("en", "appears more than once"), ("zh", "出现了多次")):
        answer = _raw(client, path, body, **{"Accept-Language": lang})
        assert answer.status_code == 422  # type: ignore[attr-defined]
        problem = answer.json()  # type: ignore[attr-defined]
        assert problem["code"] == "duplicate-key"
        assert problem["errors"][0]["loc"] == loc
        assert problem["errors"][0]["type"] == "duplicate_key"
        assert words in problem["errors"][0]["msg"]
    assert [name for name, _, _ in backend.calls] == []


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity", "1e999", "-1.5E+400"])
def test_nan_and_infinity_are_not_json(client: ApiClient, backend: FakeBackend, constant: str) -> None:
    answer = _raw(client, "/v1/loans/loan_1/repayments", f'{{"amount": {constant}}}')
    assert answer.status_code == 422  # type: ignore[attr-defined]
    assert answer.json()["code"] == "invalid-json"  # type: ignore[attr-defined]
    assert answer.json()["errors"][0]["type"] == "non_finite_number"  # type: ignore[attr-defined]
    assert backend.calls == []


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        ("[" * 100_000 + "]" * 100_000, "too_deep"),
        ('{"amount": ' + "9" * 5000 + "}", "number_too_long"),
        ('{"amount": ' + "9" * 101 + "}", "number_too_long"),
    ],
)
def test_absurd_documents_are_refused_not_crashed_on(client: ApiClient, body: str, kind: str) -> None:
    answer = _raw(client, "/v1/loans/loan_1/repayments", body)
    assert answer.status_code == 422  # type: ignore[attr-defined]
    assert answer.json()["errors"][0]["type"] == kind  # type: ignore[attr-defined]


def test_broken_json_still_gets_its_position(client: ApiClient) -> None:
    answer = _raw(client, "/v1/quotes", '{"product_code": "salary_loan",')
    assert answer.status_code == 422  # type: ignore[attr-defined]
    assert answer.json()["errors"][0]["type"] == "json_invalid"  # type: ignore[attr-defined]


def test_a_body_in_several_chunks_is_checked_whole(client: ApiClient, backend: FakeBackend) -> None:
    parts = [b'{"amount":', b' "1",', b' "amount": "9"}']

    async def chunks():  # type: ignore[no-untyped-def]
        for part in parts:
            yield part

    answer = client.post(
        "/v1/loans/loan_1/repayments",
        role=Role.operations,
        content=chunks(),
        headers={"Idempotency-Key": "chunked", "Content-Type": "application/json"},
    )
    assert answer.status_code == 422
    assert answer.json()["code"] == "duplicate-key"
    fine = client.post(
        "/v1/loans/loan_1/repayments",
        role=Role.operations,
        content=json.dumps({"amount": "9"}).encode(),
        headers={"Idempotency-Key": "fine", "Content-Type": "application/vnd.loan+json"},
    )
    assert fine.status_code == 202, fine.text  # a collection order
    assert backend.called("repay")[0][0][1].amount == Decimal(9)


def test_a_body_that_is_not_utf8_is_a_problem_not_a_crash(client: ApiClient, backend: FakeBackend) -> None:
    answer = client.post(
        "/v1/quotes",
        role=Role.customer,
        content=b'\xff\xfe{"amount": 1}',
        headers={"Content-Type": "application/json"},
    )
    assert 400 <= answer.status_code < 500
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert backend.calls == []
