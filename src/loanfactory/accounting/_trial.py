"""Trial balance, balances by dimension and the account ledger (科目余额表、分类余额、明细账) — values.

Balances are kept as debit minus credit (``Decimal`` yuan); ``amount`` shows a figure on the
account's normal side (余额方向), so an income account's credit balance is a positive amount.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from loanfactory.accounting._chart import Account, AccountType, Side

ZERO = Decimal(0)


def on_side(balance: Decimal, account: Account) -> Decimal:
    """A debit-minus-credit balance as an amount on the account's normal side."""
    amount = balance * account.side.sign
    return amount if amount != 0 else ZERO  # never "-0.00"


@dataclass(frozen=True, slots=True)
class TrialBalanceRow:
    """One account of a trial balance: opening balance, period turnover, closing balance."""

    account: Account
    opening: Decimal  # debit minus credit at the end of the day before the period
    debit: Decimal
    credit: Decimal

    @property
    def closing(self) -> Decimal:
        return self.opening + self.debit - self.credit

    @property
    def opening_amount(self) -> Decimal:
        return on_side(self.opening, self.account)

    @property
    def closing_amount(self) -> Decimal:
        return on_side(self.closing, self.account)

    @property
    def change(self) -> Decimal:
        """The period's movement on the account's normal side (an income account: income earned)."""
        return on_side(self.debit - self.credit, self.account)


@dataclass(frozen=True, slots=True)
class TrialBalance:
    """A trial balance (试算平衡表) of the leaf accounts over ``start`` .. ``end`` (inclusive)."""

    start: date
    end: date
    product: str | None
    rows: tuple[TrialBalanceRow, ...]

    def row(self, code: str) -> TrialBalanceRow | None:
        return next((r for r in self.rows if r.account.code == code), None)

    def totals(self, *, on_balance: bool = True) -> tuple[Decimal, Decimal, Decimal, Decimal]:
        """(opening, debit, credit, closing) summed over the balance sheet (or off it)."""
        chosen = [r for r in self.rows if r.account.type.on_balance is on_balance]
        return (
            sum((r.opening for r in chosen), ZERO),
            sum((r.debit for r in chosen), ZERO),
            sum((r.credit for r in chosen), ZERO),
            sum((r.closing for r in chosen), ZERO),
        )

    @property
    def balanced(self) -> bool:
        """Debits equal credits, and opening and closing balances net to zero, on and off the
        balance sheet (试算平衡)."""
        for on_balance in (True, False):
            opening, debit, credit, closing = self.totals(on_balance=on_balance)
            if opening != 0 or debit != credit or closing != 0:
                return False
        return True

    def total_change(self, kind: AccountType) -> Decimal:
        """The period's movement of every account of ``kind`` on its normal side (for income: the
        income earned; for expense: the expense incurred)."""
        return sum((r.change for r in self.rows if r.account.type is kind), ZERO)

    @property
    def net_income(self) -> Decimal:
        """Income minus expense over the period (本期损益)."""
        return self.total_change(AccountType.income) - self.total_change(AccountType.expense)


@dataclass(frozen=True, slots=True)
class AccountBalance:
    """The balance of an account, for one product and class where asked (分类余额)."""

    account: Account
    product: str | None
    category: str | None
    balance: Decimal  # debit minus credit

    @property
    def amount(self) -> Decimal:
        return on_side(self.balance, self.account)


@dataclass(frozen=True, slots=True)
class LedgerLine:
    """One line of an account's ledger (明细账) with the running balance after it."""

    accounting_date: date
    value_date: date
    journal_id: str
    kind: str
    side: Side
    amount: Decimal
    balance: Decimal  # debit minus credit after the line
    product: str
    category: str
    loan_id: str
    memo: str
