"""``loanfactory schedule`` and ``loanfactory quote``: the CLI contract other tools call."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from loanfactory.cli import cli

ROOT = Path(__file__).parents[2]
PRODUCTS = ROOT / "products"


def run(*args: str, lang: str = "en") -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--lang", lang, *args])
    return result.exit_code, result.stdout, result.stderr


def test_json_contract_of_the_issue_example() -> None:
    code, out, _ = run(
        "schedule",
        "--principal",
        "1000000",
        "--annual-rate",
        "4.9%",
        "--term",
        "360",
        "--method",
        "annuity",
        "--start",
        "2025-07-02",
        "--first-due",
        "2025-08-20",
        "--format",
        "json",
    )
    assert code == 0
    body = json.loads(out)
    first = body["installments"][0]
    assert {
        k: first[k]
        for k in ("number", "due_date", "days", "principal", "interest", "fee", "total", "balance")
    } == {
        "number": 1,
        "due_date": "2025-08-20",
        "days": 49,
        "principal": "1223.94",
        "interest": "6669.44",
        "fee": "0.00",
        "total": "7893.38",
        "balance": "998776.06",
    }
    assert len(body["installments"]) == 360
    assert set(body["totals"]) == {"principal", "interest", "fee", "total"}
    assert body["totals"]["principal"] == "1000000.00"
    assert body["apr"] == "0.0490"
    assert body["effective_annual_rate"].startswith("0.05")
    assert "irregular first period" in body["convention"]


def test_display_style_and_rounded_totals() -> None:
    code, out, _ = run(
        "schedule",
        "--principal",
        "280000",
        "--annual-rate",
        "4.9%",
        "--term",
        "180",
        "--style",
        "display",
        "--totals",
        "rounded",
        "--format",
        "json",
    )
    assert code == 0
    assert json.loads(out)["totals"]["total"] == "395938.80"


def test_peer_options_reach_the_engine() -> None:
    code, out, _ = run(
        "schedule",
        "--principal",
        "100",
        "--annual-rate",
        "9.4822%",
        "--term",
        "6",
        "--start",
        "2024-01-01",
        "--interest",
        "daily",
        "--day-count",
        "ACT/365F",
        "--format",
        "csv",
    )
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["principal"], r["interest"]) for r in rows][:2] == [("16.32", "0.81"), ("16.50", "0.63")]
    code, out, _ = run(
        "schedule",
        "--principal",
        "10000",
        "--annual-rate",
        "12%",
        "--term",
        "12",
        "--installment-multiple",
        "10",
        "--grace-principal",
        "2",
        "--format",
        "json",
    )
    body = json.loads(out)
    assert body["level_installment"] == "1060.00"
    assert body["installments"][0]["principal"] == "0.00"


def test_fees_monthly_rate_and_chinese_method_names() -> None:
    code, out, _ = run(
        "schedule",
        "--principal",
        "10000",
        "--monthly-rate",
        "0%",
        "--term",
        "12",
        "--method",
        "等额本金",
        "--fee",
        "per-installment:0.6%",
        "--format",
        "json",
    )
    assert code == 0
    body = json.loads(out)
    assert body["installments"][0]["total"] == "893.33"
    assert body["apr"] == "0.1303"


def test_table_in_chinese() -> None:
    code, out, _ = run("schedule", "--principal", "10000", "--annual-rate", "12%", "--term", "3", lang="zh")
    assert code == 0
    assert "期次" in out
    assert "年化利率" in out


@pytest.mark.parametrize(
    "args",
    [
        ["--principal", "-5", "--annual-rate", "4.9%", "--term", "12"],
        ["--principal", "1000", "--annual-rate", "abc", "--term", "12"],
        ["--principal", "1000", "--annual-rate", "4.9", "--term", "12"],
        ["--principal", "1000", "--annual-rate", "4.9%", "--term", "0"],
        ["--principal", "1000", "--annual-rate", "4.9%", "--term", "x"],
        ["--principal", "1000", "--annual-rate", "4.9%", "--term", "12", "--method", "anuity"],
        [
            "--principal",
            "1000",
            "--annual-rate",
            "4.9%",
            "--term",
            "12",
            "--start",
            "2025-08-01",
            "--first-due",
            "2025-07-01",
        ],
        ["--principal", "1000", "--annual-rate", "4.9%", "--term", "12", "--start", "2025-02-30"],
        ["--principal", "1000", "--annual-rate", "4.9%", "--term", "12", "--format", "xml"],
        ["--principal", "1000", "--annual-rate", "4.9%", "--term", "12", "--day-count", "ACT/366"],
        ["--principal", "1000", "--annual-rate", "4.9%", "--monthly-rate", "1%", "--term", "12"],
        ["--principal", "1000", "--annual-rate", "4.9%", "--term", "12", "--fee", "sometimes:1%"],
        ["--principal", "1000", "--annual-rate", "4.9%", "--term", "12", "--interest", "daily"],
        ["--annual-rate", "4.9%", "--term", "12"],
        ["--principal", "1000", "--annual-rate", "4.9%", "--term", "12", "--bogus"],
        [
            "--product",
            str(PRODUCTS / "consumer_credit.yaml"),
            "--amount",
            "50000",
            "--term",
            "12",
            "--annual-rate",
            "5%",
        ],
        ["--product", str(PRODUCTS / "consumer_credit.yaml"), "--amount", "50", "--term", "12"],
        ["--product", str(PRODUCTS / "consumer_credit.yaml"), "--amount", "50000", "--term", "7"],
        ["--product", "no/such/file.yaml", "--amount", "50000", "--term", "12"],
    ],
)
def test_bad_flags_exit_2_with_one_line(args: list[str]) -> None:
    code, out, err = run("schedule", *args)
    assert code == 2, err
    assert out == ""
    assert len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err


def test_schedule_and_quote_for_a_product() -> None:
    product = str(PRODUCTS / "consumer_credit.yaml")
    code, out, _ = run(
        "schedule", "--product", product, "--amount", "50000", "--term", "12", "--format", "json"
    )
    assert code == 0
    body = json.loads(out)
    assert body["product"] == "consumer_credit"
    assert len(body["installments"]) == 12
    code, out, _ = run(
        "quote",
        "--product",
        product,
        "--amount",
        "50000",
        "--term",
        "24",
        "--method",
        "equal_principal",
        "--start",
        "2025-07-02",
        "--format",
        "json",
    )
    assert code == 0
    body = json.loads(out)
    assert body["installments"][0]["due_date"] == "2025-08-02"
    assert body["annual_rate"] == "0.042"
    assert body["fees"] == []
    assert body["apr"] == "0.0420"


def test_quote_needs_a_product() -> None:
    code, _, err = run("quote", "--amount", "100", "--term", "12")
    assert code == 2
    assert "--product" in err
