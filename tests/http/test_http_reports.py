"""Reports over HTTP: the portfolio report (贷后数据复盘) and the end-of-day report, as JSON."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from http_live import Live, disbursed_loan, live_server, person


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    running = live_server(f"sqlite:///{tmp_path_factory.mktemp('reports') / 'reports.db'}")
    disbursed_loan(running, person("李娜"), "lf_li")
    disbursed_loan(running, person("王强"), "lf_wang")
    yield running
    running.server.stop.set()


def test_the_portfolio_report_has_metrics_per_product_and_cohort(live: Live) -> None:
    report = live.ok(live.client.get("/v1/reports/portfolio?as_of=2025-08-01", headers=live.as_("risk")))
    assert report["report"] == "portfolio"
    assert report["as_of"] == "2025-08-01"
    total = report["total"]
    assert total["loans"] == 2
    assert Decimal(total["disbursed"]) == Decimal(280000)  # 80 000 + 200 000
    assert Decimal(total["outstanding"]) == Decimal(280000)
    assert total["overdue_rate"] == "0.0000"
    assert total["recovery_rate"] is None
    categories = {c["category"]: c for c in total["categories"]}
    assert list(categories) == ["normal", "special-mention", "substandard", "doubtful", "loss"]
    assert categories["normal"]["name_zh"] == "正常"
    assert categories["normal"]["loans"] == 2
    assert Decimal(categories["normal"]["balance"]) == Decimal(280000)
    assert list(report["products"]) == ["consumer_credit"]
    assert [(c["product"], c["cohort"], c["loans"]) for c in report["cohorts"]] == [
        ("consumer_credit", "2025-08", 2)
    ]
    assert report["flags"] == []
    assert isinstance(report["actions"], dict)


def test_the_portfolio_of_one_product(live: Live) -> None:
    one = live.ok(
        live.client.get(
            "/v1/reports/portfolio?as_of=2025-08-01&product=consumer_credit", headers=live.as_("pm")
        )
    )
    assert one["product"] == "consumer_credit"
    assert one["total"]["loans"] == 2
    none = live.ok(
        live.client.get("/v1/reports/portfolio?as_of=2025-08-01&product=auto_loan", headers=live.as_("pm"))
    )
    assert none["total"]["loans"] == 0
    assert none["total"]["outstanding"] == "0.00"
    today = live.ok(live.client.get("/v1/reports/portfolio", headers=live.as_("auditor")))
    assert today["as_of"] == live.clock.today().isoformat()


@pytest.mark.parametrize(
    ("query", "status", "field", "words"),
    [
        ("portfolio?as_of=2025-08-01&prodcut=auto_loan", 422, "prodcut", "did you mean 'product'"),
        ("portfolio?product=auto_lon", 404, "product", "did you mean 'auto_loan'"),
        ("portfolio?as_of=2025-13-01", 422, "as_of", "YYYY-MM-DD"),
        ("portfolio?as_of=2030-01-01", 422, "as_of", "after today"),
        ("eod", 422, "date", "YYYY-MM-DD"),
        ("eod?date=2025-07-31", 404, "date", "no end-of-day run"),
        ("portfolo", 404, "name", "did you mean 'portfolio'"),
    ],
)
def test_bad_report_requests_are_problems(
    live: Live, query: str, status: int, field: str, words: str
) -> None:
    response = live.client.get(f"/v1/reports/{query}", headers=live.as_("risk"))
    assert response.status_code == status, response.text
    problem = response.json()
    assert words in problem["detail"]
    assert problem["errors"][0]["loc"] == [field]
    zh = live.client.get(f"/v1/reports/{query}", headers=live.as_("risk", lang="zh"))
    assert zh.json()["detail"] != problem["detail"]


def test_the_eod_report_after_a_run(live: Live) -> None:
    ran = live.ok(
        live.client.post("/v1/eod-runs", headers=live.as_("ops"), json={"business_date": "2025-08-01"})
    )
    assert ran["status"] == "completed"
    assert ran["offers_expired"] == 0
    report = live.ok(live.client.get("/v1/reports/eod?date=2025-08-01", headers=live.as_("auditor")))
    assert report["report"] == "eod"
    assert report["business_date"] == "2025-08-01"
    assert report["status"] == "completed"
    assert report["loans"] == 2
    assert report["steps"]
    assert {s["status"] for s in report["steps"]} == {"done"}
    assert isinstance(report["totals"], dict)  # nothing accrued or fell due on the first day


def test_reports_are_refused_to_roles_without_them(live: Live) -> None:
    assert live.client.get("/v1/reports/portfolio", headers=live.as_("officer")).status_code == 403
