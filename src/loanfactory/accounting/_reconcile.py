"""Reconciling the loan subledger with the general ledger (总分核对).

:func:`subledger` sums the control-account figures from the loans themselves — each loan's ledger
folded by servicing (:func:`loanfactory.servicing.fold`), its schedule's accrual for the date, its
class and days past due — without reading anything the books wrote; :func:`reconcile` compares
those sums with the books' balances at the end of the date, per product and account, and also
checks that the trial balance balances. An empty list means the books agree with the loans to the
fen. Run it right after the close of the date: the loans' class, days past due and status are
read as they are now. It reads every loan: a daily control for operations and tests, not a hot
path.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from loanfactory.accounting._accrual import accrual_periods, accrued_on, current_period
from loanfactory.accounting._ledger import GeneralLedger
from loanfactory.accounting._rules import PostingRules
from loanfactory.ports import LedgerEntryRecord
from loanfactory.servicing import ClassificationRules, EntryType, Loan, LoanStatus, fold

ZERO = Decimal(0)
CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class Difference:
    """A control account whose balance differs from the loans' figure (normal-side amounts)."""

    account: str
    name: str
    product: str
    books: Decimal
    loans: Decimal

    @property
    def difference(self) -> Decimal:
        return self.books - self.loans

    def describe(self) -> str:
        return (
            f"{self.account} {self.name} [{self.product or '-'}]: books {self.books}, loans {self.loans} "
            f"(difference {self.difference})"
        )


def subledger(
    loans: list[tuple[Loan, list[LedgerEntryRecord]]],
    day: date,
    rules: PostingRules,
    classification: ClassificationRules,
) -> dict[tuple[str, str], Decimal]:
    """``(account, product) -> amount`` of every control account, from ``(loan, ledger entries)``
    pairs (see the module docstring)."""
    out: dict[tuple[str, str], Decimal] = defaultdict(lambda: ZERO)
    for loan, entries in loans:
        book = rules.book(loan.product_code)
        product = loan.product_code
        dated = [e for e in entries if e.business_date <= day]
        position = fold(dated, loan.schedule, day)
        non_accrual = loan.status is LoanStatus.active and loan.days_past_due > rules.non_accrual_after_days
        out[(book.class_account(loan.category), product)] += position.principal
        if non_accrual:
            out[(book.account("offbs.interest.due"), product)] += position.interest
            out[(book.account("offbs.penalty"), product)] += position.penalty
        else:
            out[(book.account("interest.due"), product)] += position.interest
            out[(book.account("penalty.receivable"), product)] += position.penalty
        out[(book.account("fee.receivable"), product)] += position.fee
        write_off = next((e for e in dated if e.type == EntryType.write_off), None)
        if write_off is None:
            out[(book.account("overpayment"), product)] += position.credit
        else:
            cut = write_off.sequence
            before = sum((e.credit for e in dated if e.sequence <= cut), ZERO)
            recovered = position.credit - before
            out[(book.account("overpayment"), product)] += before
            out[(book.account("offbs.written-off"), product)] += write_off.amount - recovered
        if loan.status is LoanStatus.active:
            accrued = Decimal(accrued_on(current_period(accrual_periods(loan), day), day)) / 100
            role = "offbs.interest.accrued" if non_accrual else "interest.accrued"
            out[(book.account(role), product)] += accrued
        out[(book.account("allowance"), product)] += classification.provision(
            loan.category, position.principal
        )
    return out


def reconcile(gl: GeneralLedger, day: date) -> list[Difference]:
    """The control accounts whose balance at the end of ``day`` differs from the loans' figure;
    a trial balance that does not balance is reported as a difference on account ``*``."""
    with gl.store.transaction() as tx:
        found: list[Loan] = []
        for status in (LoanStatus.active, LoanStatus.settled, LoanStatus.written_off):
            found += tx.repo(Loan).list(status=status)
        loans: list[tuple[Loan, list[LedgerEntryRecord]]] = [
            (loan, list(tx.ledger.entries(loan.id))) for loan in found
        ]
    expected = subledger(loans, day, gl.rules, gl.classification)
    books: dict[tuple[str, str], Decimal] = defaultdict(lambda: ZERO)
    for balance in gl.balances(day, by=("product",)):
        books[(balance.account.code, balance.product or "")] = balance.amount
    controls = {code for code, _ in expected}
    out = []
    for key in sorted(set(expected) | {k for k in books if k[0] in controls}):
        if books.get(key, ZERO) != expected.get(key, ZERO):
            account = gl.chart.accounts[key[0]]
            out.append(
                Difference(key[0], account.name, key[1], books.get(key, ZERO), expected.get(key, ZERO))
            )
    tb = gl.trial_balance(day, day)
    if not tb.balanced:
        _, debit, credit, _ = tb.totals()
        out.append(Difference("*", "trial balance", "", debit, credit))
    return out
