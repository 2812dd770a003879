"""One ledger posting, one journal: the lines of each kind of posting, written out by hand from the
posting rules' meaning (借贷记账), and the journal refused when it cannot balance."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from loanfactory.accounting import (
    AccountingError,
    Basis,
    Journal,
    JournalLine,
    Posting,
    Side,
    load_posting_rules,
)
from loanfactory.accounting._posting import posting_journal
from loanfactory.entity import CST
from loanfactory.servicing import Category

D = Decimal
DAY = date(2026, 3, 5)
AT = datetime(2026, 3, 5, 22, 0, tzinfo=CST)
RULES = load_posting_rules()
BOOK = RULES.book("consumer_credit")


def posting(kind: str, **amounts: str) -> Posting:
    values = {k: D(amounts.get(k, "0")) for k in ("principal", "interest", "penalty", "fee", "credit")}
    return Posting(
        id="L1:000007",
        loan_id="L1",
        sequence=7,
        type=kind,
        business_date=DAY,
        reverses_type=amounts.get("reverses"),
        **values,
    )


def lines(journal: Journal) -> set[tuple[str, str, Decimal]]:
    return {(ln.account, ln.side.value, ln.amount) for ln in journal.lines}


def book(p: Posting, basis: Basis = Basis.accrual, category: Category = Category.normal) -> Journal:
    journal = posting_journal(p, category=category, basis=basis, book=BOOK, day=DAY, at=AT)
    journal.check(RULES.chart)
    return journal


def test_a_repayment_on_the_accrual_basis() -> None:
    # 1,000.00 received: 800 principal, 150 interest, 20 penalty, 10 fee, 20 kept as overpayment
    j = book(posting("repayment", principal="-800", interest="-150", penalty="-20", fee="-10", credit="20"))
    assert j.id == "posting:L1:000007"
    assert j.source == "L1:000007"
    assert j.kind == "repayment"
    assert lines(j) == {
        ("300301", "debit", D("1000.00")),  # 清算资金往来: the cash, one line
        ("130101", "credit", D("800.00")),  # 贷款—正常类
        ("113202", "credit", D("150.00")),  # 应收利息—应收未收
        ("113203", "credit", D("20.00")),  # 应收罚息
        ("122101", "credit", D("10.00")),  # 应收手续费
        ("224101", "credit", D("20.00")),  # 溢缴款
    }
    loan_line = next(ln for ln in j.lines if ln.account == "130101")
    assert (loan_line.category, loan_line.loan_id, loan_line.product) == ("normal", "L1", "consumer_credit")


def test_a_repayment_on_the_non_accrual_basis_is_income_when_received() -> None:
    j = book(
        posting("repayment", principal="-500", interest="-60", penalty="-5"),
        Basis.non_accrual,
        Category.substandard,
    )
    assert lines(j) == {
        ("300301", "debit", D("565.00")),
        ("130103", "credit", D("500.00")),  # 贷款—次级类
        ("601101", "credit", D("60.00")),  # interest income, cash basis
        ("601102", "credit", D("5.00")),
        ("7999", "debit", D("65.00")),  # the off-balance register relieved
        ("710102", "credit", D("60.00")),
        ("710103", "credit", D("5.00")),
    }


def test_interest_falling_due_moves_accrued_to_due() -> None:
    assert lines(book(posting("interest", interest="92.12"))) == {
        ("113202", "debit", D("92.12")),
        ("113201", "credit", D("92.12")),
    }
    assert lines(book(posting("interest", interest="92.12"), Basis.non_accrual)) == {
        ("710102", "debit", D("92.12")),
        ("710101", "credit", D("92.12")),
    }


def test_a_lower_recomputed_penalty_is_red_ink() -> None:
    j = book(posting("penalty", penalty="-1.37"))
    assert lines(j) == {("113203", "debit", D("-1.37")), ("601102", "credit", D("-1.37"))}


def test_a_reversal_is_the_original_in_red_ink() -> None:
    original = book(posting("repayment", principal="-800", interest="-150", credit="50"))
    reversal = book(posting("reversal", principal="800", interest="150", credit="-50", reverses="repayment"))
    assert reversal.red
    assert reversal.kind == "repayment"
    assert lines(reversal) == {(a, side, -amount) for a, side, amount in lines(original)}


def test_credit_applied_pays_from_the_overpayment() -> None:
    j = book(posting("credit-applied", principal="-30", interest="-12.5", credit="-42.5"))
    assert lines(j) == {
        ("224101", "debit", D("42.50")),
        ("130101", "credit", D("30.00")),
        ("113202", "credit", D("12.50")),
    }


def test_a_prepayment_using_credit() -> None:
    # principal 5,000 and interest 20 settled: 4,900 in cash, 120 of the borrower's credit
    j = book(posting("prepayment", principal="-5000", interest="-20", credit="-120"))
    assert lines(j) == {
        ("300301", "debit", D("5020.00")),
        ("300301", "credit", D("120.00")),
        ("224101", "debit", D("120.00")),
        ("130101", "credit", D("5000.00")),
        ("113202", "credit", D("20.00")),
    }
    debit, credit, _, _ = j.totals(RULES.chart)
    assert debit == credit == D("5140.00")


def test_a_write_off_uses_the_allowance_and_registers_the_claim() -> None:
    j = book(
        posting("write-off", principal="-7000", interest="-300", penalty="-45"),
        Basis.non_accrual,
        Category.loss,
    )
    assert lines(j) == {
        ("130401", "debit", D("7000.00")),  # 贷款损失准备
        ("130105", "credit", D("7000.00")),  # 贷款—损失类
        ("7201", "debit", D("7345.00")),  # 已核销贷款本息 (账销案存)
        ("7999", "credit", D("7000.00")),
        ("710102", "credit", D("300.00")),
        ("710103", "credit", D("45.00")),
    }
    allowance = next(ln for ln in j.lines if ln.account == "130401")
    assert allowance.category == "loss"


def test_a_recovery_after_write_off_replenishes_the_allowance() -> None:
    j = book(posting("repayment", credit="600"), Basis.written_off, Category.loss)
    assert lines(j) == {
        ("300301", "debit", D("600.00")),
        ("130401", "credit", D("600.00")),
        ("7999", "debit", D("600.00")),
        ("7201", "credit", D("600.00")),
    }


def test_a_posting_no_rule_covers_stops_the_books() -> None:
    with pytest.raises(AccountingError, match="no posting rules"):
        book(posting("interest-rebate", interest="-5"))
    with pytest.raises(AccountingError, match="moves principal"):
        book(posting("fee", principal="10", fee="10"))


def test_an_unbalanced_journal_is_refused() -> None:
    bad = Journal(
        id="x",
        kind="manual",
        accounting_date=DAY,
        value_date=DAY,
        booked_at=AT,
        lines=(JournalLine("130101", Side.debit, D("10.00")), JournalLine("300301", Side.credit, D("9.99"))),
    )
    with pytest.raises(AccountingError, match="does not balance"):
        bad.check(RULES.chart)
    across = Journal(
        id="y",
        kind="manual",
        accounting_date=DAY,
        value_date=DAY,
        booked_at=AT,
        lines=(JournalLine("710101", Side.debit, D("10.00")), JournalLine("601101", Side.credit, D("10.00"))),
    )
    with pytest.raises(AccountingError, match="balance sheet"):
        across.check(RULES.chart)
    heading = Journal(
        id="z",
        kind="manual",
        accounting_date=DAY,
        value_date=DAY,
        booked_at=AT,
        lines=(JournalLine("1301", Side.debit, D("1.00")), JournalLine("300301", Side.credit, D("1.00"))),
    )
    with pytest.raises(AccountingError, match="not a leaf"):
        heading.check(RULES.chart)
