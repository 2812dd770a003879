"""The reconciliation summary of a month (对账): the files as written against the ledger.

The files are read back from their bytes. For every reported record the balance and the overdue
total must equal the ledger's figure at the record's date, rounded as the format rounds amounts;
for the month end, the ledger's total over every account in scope (exact, to the fen) must equal
the exact total of the accounts reported plus the accounts held back, and the file's total differs
from the reported accounts' exact total only by the per-record rounding, which is shown. Enterprise
accounts are reported on events, not at the month end: each of their records is checked, and their
month-end total is shown apart (``on_events``).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from loanfactory.money import format_money
from loanfactory.regulatory._files import ReportFile
from loanfactory.regulatory._record import amount_text

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class LedgerFigure:
    """An account's ledger figures at a date: principal (or written-off balance) and overdue total."""

    balance: Decimal
    overdue: Decimal


def reconcile_files(
    month: str,
    month_end: date,
    files: Sequence[ReportFile],
    *,
    ledger_at: Mapping[tuple[str, date], LedgerFigure],
    accounts: Mapping[str, str],
    month_end_ledger: Mapping[str, LedgerFigure],
    held: Mapping[str, str],
    places: Mapping[str, int],
    in_scope: int,
    on_events: Mapping[str, LedgerFigure] | None = None,
) -> dict[str, Any]:
    """The summary (a JSON-ready mapping) of the month's files; ``equal`` says whether it balances."""
    mismatches: list[str] = []
    by_file = []
    reported_end: dict[str, tuple[Decimal, Decimal]] = {}
    for report in files:
        lines = report.content.decode("utf-8").split("\n")
        head, body = lines[0], [line for line in lines[1:] if line]
        codes: Counter[str] = Counter()
        if int(head[43:50]) != len(body):
            mismatches.append(
                f"{report.name}: the header counts {int(head[43:50])} records, the file holds {len(body)}"
            )
        digits = places.get(report.record_type)
        for line in body:
            item = _Line(line)
            codes[item.get("RptDateCode") or item.get("InfRecType")] += 1
            if digits is None or not item.has_performance:
                continue
            loan = accounts.get(item.get("AcctCode"), "")
            day = date.fromisoformat(item.get("RptDate"))
            label = f"{item.get('AcctCode')} {day} {item.get('RptDateCode')}"
            figure = ledger_at.get((loan, day))
            balance, overdue = item.get("AcctBal"), item.get("TotOverd") or amount_text(ZERO, digits)
            if figure is None:
                mismatches.append(f"{label}: no ledger figure for the record's date")
                continue
            if amount_text(figure.balance, digits) != balance:
                mismatches.append(f"{label}: balance {balance} ≠ ledger {figure.balance}")
            if amount_text(figure.overdue, digits) != overdue:
                mismatches.append(f"{label}: overdue {overdue} ≠ ledger {figure.overdue}")
            if day == month_end and item.get("RptDateCode") in ("30", "31", "32"):
                reported_end[loan] = (Decimal(balance), Decimal(overdue))
        by_file.append(
            {
                "name": report.name,
                "record_type": report.record_type,
                "records": len(body),
                "sha256": report.sha256,
                "by_code": dict(sorted(codes.items())),
            }
        )
    ledger_balance = sum((f.balance for f in month_end_ledger.values()), ZERO)
    ledger_overdue = sum((f.overdue for f in month_end_ledger.values()), ZERO)
    held_end = {loan: month_end_ledger[loan] for loan in held if loan in month_end_ledger}
    closed_in_month = {loan for loan in month_end_ledger if loan not in reported_end and loan not in held_end}
    reported_exact = [month_end_ledger[loan] for loan in reported_end]
    others = [month_end_ledger[loan] for loan in closed_in_month]
    balance_sum = sum((f.balance for f in reported_exact), ZERO)
    overdue_sum = sum((f.overdue for f in reported_exact), ZERO)
    for loan in closed_in_month:
        figure = month_end_ledger[loan]
        if figure.balance or figure.overdue:
            mismatches.append(
                f"loan {loan}: owes {figure.balance} at the month end but has no month-end record"
            )
    file_balance = sum((b for b, _ in reported_end.values()), ZERO)
    file_overdue = sum((o for _, o in reported_end.values()), ZERO)
    held_balance = sum((f.balance for f in held_end.values()), ZERO)
    held_overdue = sum((f.overdue for f in held_end.values()), ZERO)
    rest_balance = sum((f.balance for f in others), ZERO)
    balanced = (
        ledger_balance == balance_sum + held_balance + rest_balance
        and ledger_overdue == overdue_sum + held_overdue + sum((f.overdue for f in others), ZERO)
    )
    return {
        "month": month,
        "month_end": month_end.isoformat(),
        "files": by_file,
        "accounts": {
            "in_scope": in_scope,
            "reported_at_month_end": len(reported_end),
            "held": dict(sorted(Counter(held.values()).items())),
        },
        "balance": {
            "ledger": format_money(ledger_balance),
            "reported": format_money(balance_sum),
            "held": format_money(held_balance),
            "in_file": format_money(file_balance),
            "rounding": format_money(file_balance - balance_sum),
        },
        "overdue": {
            "ledger": format_money(ledger_overdue),
            "reported": format_money(overdue_sum),
            "held": format_money(held_overdue),
            "in_file": format_money(file_overdue),
            "rounding": format_money(file_overdue - overdue_sum),
        },
        "on_events": {
            "accounts": len(on_events or {}),
            "balance": format_money(sum((f.balance for f in (on_events or {}).values()), ZERO)),
            "overdue": format_money(sum((f.overdue for f in (on_events or {}).values()), ZERO)),
        },
        "held_accounts": [
            {
                "loan_id": loan,
                "reason": held[loan],
                "balance": format_money(f.balance),
                "overdue": format_money(f.overdue),
            }
            for loan, f in sorted(held_end.items())
        ],
        "mismatches": mismatches,
        "equal": balanced and not mismatches,
    }


_ITEM = re.compile(r"<(InfRecType|AcctCode|RptDate|RptDateCode|AcctBal|TotOverd)>([^<]*)</")
_PERFORMANCE = ("<AcctMthlyBlgInfSgmt>", "<ActLbltyInfSgmt>", "<AcctDbtInfSgmt>")


class _Line:
    """The items reconciliation reads from one record line (the first occurrence of each)."""

    def __init__(self, line: str) -> None:
        self.items: dict[str, str] = {}
        for name, value in _ITEM.findall(line):
            self.items.setdefault(name, value)
        self.has_performance = any(tag in line for tag in _PERFORMANCE)

    def get(self, name: str) -> str:
        return self.items.get(name, "")


def text(summary: Mapping[str, Any], lang: str = "zh") -> str:
    """The summary for people (stderr of the CLI)."""
    zh = lang == "zh"
    lines = [f"{'征信报送' if zh else 'credit reporting'} {summary['month']}:"]
    for item in summary["files"]:
        lines.append(f"  {item['name']}  {item['records']} {'条' if zh else 'records'}  {item['by_code']}")
    for key, title in (
        ("balance", "余额" if zh else "balance"),
        ("overdue", "逾期总额" if zh else "overdue"),
    ):
        part = summary[key]
        lines.append(
            f"  {title}: ledger {part['ledger']} = reported {part['reported']} + held {part['held']}"
            f" (file {part['in_file']}, rounding {part['rounding']})"
        )
    held = summary["accounts"]["held"]
    if held:
        lines.append(f"  {'暂缓报送' if zh else 'held back'}: {held}")
    for problem in summary["mismatches"][:20]:
        lines.append(f"  MISMATCH {problem}")
    lines.append(
        f"  {'对账' if zh else 'reconciliation'}: {'一致' if zh else 'equal'}"
        if summary["equal"]
        else "  reconciliation: NOT EQUAL"
    )
    return "\n".join(lines)


__all__ = ["LedgerFigure", "reconcile_files", "text"]
