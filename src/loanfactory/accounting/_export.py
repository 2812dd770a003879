"""The books as CSV for a bank's general ledger system (总账接口文件) and for people.

Three layouts, each with a fixed header row (UTF-8, comma separated, amounts with two decimals,
dates ``YYYY-MM-DD``, red ink as negative amounts):

- ``detail`` — one row per journal line (会计分录明细):
  ``accounting_date, journal_id, kind, value_date, line, account, account_name, side, amount,
  currency, product, category, loan_id, source, memo``;
- ``summary`` — one row per day, account, product and class (日汇总), what most GL interfaces load:
  ``accounting_date, account, account_name, product, category, debit, credit``;
- ``trial-balance`` — one row per account (科目余额表):
  ``account, account_name, type, side, opening, debit, credit, closing`` (balances on the
  account's normal side).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal
from typing import TextIO

from loanfactory.accounting._chart import Chart
from loanfactory.accounting._ledger import GeneralLedger
from loanfactory.accounting._store import PostedLine
from loanfactory.accounting._trial import TrialBalance

CURRENCY = "CNY"
DETAIL_HEADER = (
    "accounting_date",
    "journal_id",
    "kind",
    "value_date",
    "line",
    "account",
    "account_name",
    "side",
    "amount",
    "currency",
    "product",
    "category",
    "loan_id",
    "source",
    "memo",
)
SUMMARY_HEADER = ("accounting_date", "account", "account_name", "product", "category", "debit", "credit")
TRIAL_BALANCE_HEADER = ("account", "account_name", "type", "side", "opening", "debit", "credit", "closing")


def money(amount: Decimal) -> str:
    return f"{amount.quantize(Decimal('0.01')):f}"


def write_detail(lines: Iterable[PostedLine], chart: Chart, out: TextIO) -> int:
    """Journal lines as ``detail`` rows; returns how many were written."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(DETAIL_HEADER)
    count = 0
    for ln in lines:
        writer.writerow(
            (
                ln.accounting_date.isoformat(),
                ln.journal_id,
                ln.kind,
                ln.value_date.isoformat(),
                ln.line,
                ln.account,
                chart.accounts[ln.account].name if ln.account in chart else "",
                ln.side.value,
                money(ln.amount),
                CURRENCY,
                ln.product,
                ln.category,
                ln.loan_id,
                ln.source,
                ln.memo,
            )
        )
        count += 1
    return count


def write_summary(gl: GeneralLedger, start: date, end: date, out: TextIO) -> int:
    """The daily turnover from ``start`` to ``end`` as ``summary`` rows."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(SUMMARY_HEADER)
    count = 0
    day = start
    while day <= end:
        for row in gl.turnover(day, day):
            writer.writerow(
                (
                    day.isoformat(),
                    row.account,
                    gl.chart.accounts[row.account].name if row.account in gl.chart else "",
                    row.product,
                    row.category,
                    money(row.debit),
                    money(row.credit),
                )
            )
            count += 1
        day += timedelta(days=1)
    return count


def write_trial_balance(tb: TrialBalance, out: TextIO) -> int:
    """A trial balance as ``trial-balance`` rows."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(TRIAL_BALANCE_HEADER)
    for row in tb.rows:
        writer.writerow(
            (
                row.account.code,
                row.account.name,
                row.account.type.value,
                row.account.side.value,
                money(row.opening_amount),
                money(row.debit),
                money(row.credit),
                money(row.closing_amount),
            )
        )
    return len(tb.rows)
