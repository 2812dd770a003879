"""Journal entries (会计分录): a header and balanced lines, each line one account, side and amount.

Amounts are Decimal yuan to the fen. A negative amount is red ink (红字): a correction that keeps
the side of the entry it corrects, so turnover is not inflated — the reversal of a repayment is
the repayment's entry in red. A journal balances when its debits equal its credits, separately
for the balance sheet and for the off-balance-sheet register (表内、表外分别平衡).

Dimensions on a line: ``product`` (the loan's product code), ``category`` (the five-category
class, on the class-dependent accounts: the loan accounts, the allowance and its expense) and
``loan_id`` (on lines derived from one loan; accrual and provision journals are summed per
product and carry none).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from loanfactory.accounting._chart import Chart, Side

ZERO = Decimal(0)
CENT = Decimal("0.01")


class JournalKind(StrEnum):
    """What a journal records, besides the ledger posting types (which are used as they are)."""

    accrual = "accrual"  # 利息计提 (daily, per product and accrual basis)
    stop_accrual = "stop-accrual"  # 停止计息，转表外 (a loan past the non-accrual days)
    resume_accrual = "resume-accrual"  # 恢复计息，转回表内
    class_transfer = "class-transfer"  # 五级分类变动：贷款在分类科目间结转
    provision = "provision"  # 贷款损失准备计提/转回


class AccountingError(AssertionError):
    """A journal that does not balance, or a posting no rule covers: a bug or a broken rule table,
    never a user error (the books refuse to close rather than book it)."""


@dataclass(frozen=True, slots=True)
class JournalLine:
    """One line of a journal (分录行)."""

    account: str
    side: Side
    amount: Decimal  # negative: red ink (红字)
    product: str = ""
    category: str = ""
    loan_id: str = ""

    @property
    def signed(self) -> Decimal:
        """The line's effect on the account's balance kept as debit minus credit."""
        return self.amount if self.side is Side.debit else -self.amount


@dataclass(frozen=True, slots=True)
class Journal:
    """One journal entry (记账凭证)."""

    id: str
    kind: str  # a ledger posting type (repayment, interest ...) or a JournalKind
    accounting_date: date  # the books' date (会计日期)
    value_date: date  # the business date of the event (起息/交易日期)
    booked_at: datetime
    lines: tuple[JournalLine, ...]
    source: str = ""  # the ledger posting id, for journals derived from one
    loan_id: str = ""
    product: str = ""
    memo: str = ""
    red: bool = field(default=False)  # a reversal (冲正), booked in red ink

    def totals(self, chart: Chart) -> tuple[Decimal, Decimal, Decimal, Decimal]:
        """(debit, credit) on the balance sheet, then (debit, credit) off it."""
        sums = [ZERO, ZERO, ZERO, ZERO]
        for line in self.lines:
            offset = 0 if chart.account(line.account).type.on_balance else 2
            sums[offset + (0 if line.side is Side.debit else 1)] += line.amount
        return sums[0], sums[1], sums[2], sums[3]

    def check(self, chart: Chart) -> None:
        """Raise :class:`AccountingError` unless the journal balances (on and off the balance sheet)
        and every line is a leaf account of ``chart`` with an amount in fen."""
        for line in self.lines:
            if not chart.is_leaf(line.account):
                raise AccountingError(f"journal {self.id}: {line.account} is not a leaf account of the chart")
            if line.amount != line.amount.quantize(CENT):
                raise AccountingError(f"journal {self.id}: {line.amount} is not in fen")
        debit, credit, off_debit, off_credit = self.totals(chart)
        for where, d, c in (
            ("balance sheet", debit, credit),
            ("off-balance register", off_debit, off_credit),
        ):
            if d != c:
                raise AccountingError(
                    f"journal {self.id} ({self.kind}) does not balance on the {where}: debit {d}, credit {c}"
                )


def merge_lines(lines: Iterable[JournalLine]) -> tuple[JournalLine, ...]:
    """Lines with the same account, side and dimensions summed into one; zero lines dropped."""
    totals: dict[tuple[str, Side, str, str, str], Decimal] = {}
    for line in lines:
        key = (line.account, line.side, line.product, line.category, line.loan_id)
        totals[key] = totals.get(key, ZERO) + line.amount
    return tuple(
        JournalLine(account, side, amount.quantize(CENT), product, category, loan)
        for (account, side, product, category, loan), amount in totals.items()
        if amount != 0
    )
